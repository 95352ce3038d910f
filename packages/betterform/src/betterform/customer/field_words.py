"""The words under a question on the public form page: its limits and its price, as a
customer reads them ("Between 1 and 200.", "85.00 EUR per m²")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from betterform.documents import format_date, format_money, format_number

NUMERIC = ("integer", "number", "money")


def money(amount: Any, currency: str) -> str:
    """``"2500"``, ``"EUR"`` -> ``"2,500.00 EUR"``."""
    return f"{format_money(Decimal(str(amount)))} {currency}"


def _number(value: Any) -> str:
    return format_number(Decimal(str(value)))


def _day(iso: str) -> str:
    return format_date(datetime.date.fromisoformat(iso))


def _between(low: str | None, high: str | None, words: tuple[str, str, str]) -> str:
    between, at_least, at_most = words
    if low is not None and high is not None:
        return between.format(low, high)
    if low is not None:
        return at_least.format(low)
    return at_most.format(high) if high is not None else ""


def limits_text(spec: dict[str, Any]) -> str:
    """The field's limits in words, as the help under its label says them."""
    kind = spec["type"]
    if kind in NUMERIC:
        low = _number(spec["min"]) if "min" in spec else None
        high = _number(spec["max"]) if "max" in spec else None
        words = ("Between {} and {}.", "At least {}.", "At most {}.")
        prefix = {"integer": "A whole number. ", "money": "An amount, up to 2 decimals. "}
        return (prefix.get(kind, "") + _between(low, high, words)).strip()
    if kind == "date":
        low = _day(spec["min_date"]) if "min_date" in spec else None
        high = _day(spec["max_date"]) if "max_date" in spec else None
        return _between(low, high, ("Between {} and {}.", "On or after {}.", "On or before {}."))
    if kind == "multi_choice":
        low = str(spec["min_choices"]) if spec.get("min_choices") else None
        high = str(spec["max_choices"]) if "max_choices" in spec else None
        words = ("Choose {} to {}.", "Choose at least {}.", "Choose at most {}.")
        return _between(low, high, words)
    if "max_length" in spec:
        return f"At most {spec['max_length']} characters."
    return ""


def price_text(spec: dict[str, Any], currency: str) -> str:
    """What answering the field adds to the quote, in words; "" when it is not priced."""
    pricing = spec.get("pricing", {})
    if "unit_price" in pricing:
        unit = pricing.get("unit_label")
        return f"{money(pricing['unit_price'], currency)} per {unit or 'unit'}"
    if "price" in pricing:
        return f"{money(pricing['price'], currency)} if ticked"
    return ""
