"""Money: line amounts, quote totals, and pricing a submission from its form's schema.

**The rounding rule** (one, everywhere): each line's gross (quantity x unit price), discount
and tax are rounded to cents, half up, as soon as they are computed; quote totals are the sums
of those rounded line amounts. So the PDF's lines always add up to its totals.

    gross    = round(quantity x unit_price)
    discount = round(gross x discount_percent / 100)
    net      = gross - discount
    tax      = round(net x tax_rate / 100)
    total    = net + tax
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from betterform.schema import fields

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def round_money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(
    quantity: Decimal, unit_price: Decimal, tax_rate: Decimal, discount_percent: Decimal
) -> LineAmounts:
    gross = round_money(Decimal(quantity) * Decimal(unit_price))
    discount = round_money(gross * Decimal(discount_percent) / HUNDRED)
    net = gross - discount
    tax = round_money(net * Decimal(tax_rate) / HUNDRED)
    return LineAmounts(gross, discount, net, tax, net + tax)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal  # sum of gross
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def quote_totals(lines: list[LineAmounts]) -> Totals:
    zero = Decimal("0.00")
    return Totals(
        subtotal=sum((line.gross for line in lines), zero),
        discount_total=sum((line.discount for line in lines), zero),
        tax_total=sum((line.tax for line in lines), zero),
        total=sum((line.total for line in lines), zero),
    )


@dataclass(frozen=True)
class PricedLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    tax_rate: Decimal
    source_key: str


def default_tax_rate(schema: dict[str, Any]) -> Decimal:
    """The form's tax rate (``pricing.tax_rate``, else 0): a line without its own takes it,
    whether the form priced it or it came from elsewhere (monday subitems)."""
    return Decimal(str(schema.get("pricing", {}).get("tax_rate", "0")))


def price_answers(schema: dict[str, Any], answers: dict[str, Any]) -> list[PricedLine]:
    """The quote lines a form's pricing gives for these answers, in form order, then fees."""
    pricing = schema.get("pricing", {})
    default_tax = default_tax_rate(schema)
    lines: list[PricedLine] = []

    def add(description: str, quantity: Any, unit: str, price: Any, key: str, tax: Any) -> None:
        lines.append(
            PricedLine(
                description=description,
                quantity=Decimal(str(quantity)),
                unit=unit,
                unit_price=Decimal(str(price)),
                tax_rate=Decimal(str(tax)) if tax is not None else default_tax,
                source_key=key,
            )
        )

    for key, field in fields(schema).items():
        if key not in answers:
            continue
        value = answers[key]
        field_pricing = field.get("pricing", {})
        tax = field_pricing.get("tax_rate")
        if field["type"] in ("choice", "multi_choice"):
            chosen = value if isinstance(value, list) else [value]
            for option in field["options"]:
                if option["value"] in chosen and Decimal(str(option.get("price", "0"))) > 0:
                    label = f"{field['label']}: {option['label']}"
                    add(label, 1, "", option["price"], f"{key}={option['value']}", tax)
        elif field["type"] in ("integer", "number") and "unit_price" in field_pricing:
            unit = field_pricing.get("unit_label", "")
            add(field["label"], value, unit, field_pricing["unit_price"], key, tax)
        elif field["type"] == "boolean" and value is True and "price" in field_pricing:
            add(field["label"], 1, "", field_pricing["price"], key, tax)
    for index, fee in enumerate(pricing.get("fixed_fees", [])):
        add(fee["description"], 1, "", fee["amount"], f"fee[{index}]", fee.get("tax_rate"))
    return lines
