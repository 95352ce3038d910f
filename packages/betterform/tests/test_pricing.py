"""Money is Decimal, rounded half up to cents per line; totals add the rounded lines."""

from __future__ import annotations

from decimal import Decimal as D

from betterform.pricing import line_amounts, price_answers, quote_totals


def test_a_line_rounds_each_amount_half_up_to_cents():
    line = line_amounts(D("3"), D("0.335"), tax_rate=D("21"), discount_percent=D("10"))
    assert line.gross == D("1.01")  # 1.005 -> 1.01 (half up, not banker's 1.00)
    assert line.discount == D("0.10")  # 0.101
    assert line.net == D("0.91")
    assert line.tax == D("0.19")  # 0.1911
    assert line.total == D("1.10")


def test_totals_are_sums_of_the_rounded_lines():
    lines = [line_amounts(D("1"), D("0.125"), D("21"), D("0")) for _ in range(3)]
    totals = quote_totals(lines)
    assert totals.subtotal == D("0.39")  # 3 x 0.13, not round(0.375) = 0.38
    assert totals.tax_total == D("0.09")  # 3 x 0.03
    assert totals.total == totals.subtotal - totals.discount_total + totals.tax_total


def test_no_lines_total_zero():
    assert quote_totals([]).total == D("0.00")


SCHEMA = {
    "sections": [
        {
            "title": "S",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium", "price": "2500.00"},
                    ],
                },
                {
                    "key": "extras",
                    "label": "Extras",
                    "type": "multi_choice",
                    "options": [
                        {"value": "led", "label": "LED", "price": "120"},
                        {"value": "tap", "label": "Tap", "price": "80"},
                    ],
                },
                {
                    "key": "disposal",
                    "label": "Disposal",
                    "type": "boolean",
                    "pricing": {"price": "199.99", "tax_rate": "6"},
                },
                {"key": "notes", "label": "Notes", "type": "text"},
            ],
        }
    ],
    "pricing": {"tax_rate": "21", "fixed_fees": [{"description": "Visit", "amount": "150"}]},
}


def test_answers_are_priced_from_the_schema_in_form_order_then_fees():
    lines = price_answers(
        SCHEMA,
        {
            "area": "12.5",
            "finish": "premium",
            "extras": ["led", "tap"],
            "disposal": True,
            "notes": "x",
        },
    )
    assert [(p.description, p.quantity, p.unit, p.unit_price, p.tax_rate) for p in lines] == [
        ("Area", D("12.5"), "m²", D("85.00"), D("21")),
        ("Finish: Premium", D("1"), "", D("2500.00"), D("21")),
        ("Extras: LED", D("1"), "", D("120"), D("21")),
        ("Extras: Tap", D("1"), "", D("80"), D("21")),
        ("Disposal", D("1"), "", D("199.99"), D("6")),
        ("Visit", D("1"), "", D("150"), D("21")),
    ]


def test_free_options_unchecked_booleans_and_unpriced_fields_add_no_lines():
    lines = price_answers(SCHEMA, {"finish": "basic", "disposal": False, "notes": "x"})
    assert [line.description for line in lines] == ["Visit"]
