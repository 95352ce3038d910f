"""The quote editor's totals follow the lines as they are edited, before saving (issue 18),
worked out by the server's pricing (``QuoteAdmin.totals_view``), and nothing is saved until
Save. (A refused value, a 400, is tested on the view: the page fixture counts 400s as
errors.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

LINES = [
    {
        "description": "Cabinets",
        "quantity": Decimal("2"),
        "unit_price": Decimal("10.00"),
        "tax_rate": Decimal("21"),
        "discount_percent": Decimal("0"),
    },
    {
        "description": "Fitting",
        "quantity": Decimal("3"),
        "unit_price": Decimal("33.35"),
        "tax_rate": Decimal("9"),
        "discount_percent": Decimal("12.5"),
    },
]


def _shown(lines: list[dict], currency: str) -> tuple[str, list[str]]:
    from betterform.admin_quotes import _money
    from betterform.pricing import line_amounts, quote_totals

    amounts = [
        line_amounts(
            line["quantity"], line["unit_price"], line["tax_rate"], line["discount_percent"]
        )
        for line in lines
    ]
    total = quote_totals(amounts).total
    return _money(total, currency), [_money(amount.total, currency) for amount in amounts]


@pytest.mark.django_db(transaction=True)
def test_the_totals_follow_the_lines_before_saving(admin_page, shoot):
    from playwright.sync_api import expect

    from betterform import services

    quote = services.create_quote(title="Kitchen", currency="EUR", lines=LINES)
    saved_total = quote.total
    admin_page.goto(f"{admin_page.base}/admin/betterform/quote/{quote.pk}/change/")
    total = admin_page.locator(".field-total_shown .readonly")
    heading = admin_page.locator("fieldset", has=total).locator(".fieldset-heading")
    line_totals = admin_page.locator("#lines-group td.field-line_total")
    expect(total).to_have_text(_shown(LINES, "EUR")[0])
    expect(heading).not_to_contain_text("not saved yet")

    admin_page.locator("[name='lines-1-quantity']").fill("5")
    edited = [LINES[0], {**LINES[1], "quantity": Decimal("5")}]
    expected_total, expected_lines = _shown(edited, "EUR")
    expect(total).to_have_text(expected_total)
    expect(line_totals.nth(1)).to_have_text(expected_lines[1])
    expect(heading).to_contain_text("(not saved yet)")
    shoot(admin_page, "admin-quote-unsaved-totals")

    admin_page.locator("[name='lines-0-DELETE']").check()
    expected_total, _ = _shown(edited[1:], "EUR")
    expect(total).to_have_text(expected_total)
    assert expected_total != _shown(edited, "EUR")[0]

    quote.refresh_from_db()
    assert quote.total == saved_total  # nothing saved yet
    assert quote.lines.count() == 2

    admin_page.get_by_role("button", name="Save", exact=True).click()
    admin_page.wait_for_url(f"{admin_page.base}/admin/betterform/quote/")
    quote.refresh_from_db()
    assert f"{quote.total:,.2f} EUR" == expected_total
    assert quote.lines.count() == 1
