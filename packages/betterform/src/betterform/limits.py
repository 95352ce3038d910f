"""Which submission, quote and quote-line values are display text and which must be stored
exactly, and fitting a set of them to their fields (with ``createpdf.fitting``).

Display text (a customer's name or company, a quote's title, a line's description or unit) is
shortened with ``…`` to its field. A value whose meaning would change if shortened or rounded
(an e-mail address, a phone number, a currency code, a line's numbers, its source key, a
quote's totals) raises ``DoesNotFit`` naming its origin and the limit. The services apply these
to every write, so every caller (the API, the admin, the monday sync) gets the same rule;
callers that know better where a value came from (a monday column) pass ``sources`` so the
message names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from betterform.models import Quote, QuoteLine, Submission
from betterform.pricing import Totals
from createpdf.fitting import DoesNotFit, check_fits, fit_text, max_length, shorten

__all__ = [
    "DoesNotFit",
    "check_totals",
    "fit_customer",
    "fit_line",
    "fit_quote_fields",
    "max_length",
]

# Customer detail -> (Submission field, is display text).
CUSTOMER_RULES = {
    "name": ("customer_name", True),
    "company": ("customer_company", True),
    "address": ("customer_address", True),
    "email": ("customer_email", False),
    "phone": ("customer_phone", False),
}
QUOTE_TEXT = ("title", "customer_name", "notes")
QUOTE_EXACT = ("customer_email", "currency")
LINE_TEXT = ("description", "unit")
LINE_EXACT = ("quantity", "unit_price", "tax_rate", "discount_percent", "source_key")
TOTALS = ("subtotal", "discount_total", "tax_total", "total")


def fit_customer(
    customer: Mapping[str, Any], sources: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``customer`` (``{"name": ..., "email": ...}``) fitted to ``Submission``'s
    ``customer_*`` fields: name, company and address shortened with ``…``; email and phone
    checked. Keys that are not customer details pass through. Raises ``DoesNotFit`` naming
    ``sources[key]`` (default ``"the customer's <key>"``)."""
    sources = sources or {}
    fitted = dict(customer)
    for key, value in customer.items():
        if key not in CUSTOMER_RULES or not isinstance(value, str):
            continue
        field, display = CUSTOMER_RULES[key]
        source = sources.get(key, f"the customer's {key}")
        fitted[key] = (
            fit_text(Submission, field, value)
            if display
            else check_fits(Submission, field, value, source=source)
        )
    return fitted


def fit_quote_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A quote's own fields (title, customer name and email, currency, notes...) fitted to
    ``Quote``: text shortened with ``…``, email and currency checked (``DoesNotFit``)."""
    fitted = dict(fields)
    for name, value in fields.items():
        if name in QUOTE_TEXT and isinstance(value, str):
            fitted[name] = fit_text(Quote, name, value)
        elif name in QUOTE_EXACT:
            fitted[name] = check_fits(Quote, name, value, source=f"the quote's {name}")
    return fitted


def fit_line(
    line: Mapping[str, Any], position: int = 1, sources: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A quote line fitted to ``QuoteLine``: description and unit shortened with ``…``;
    quantity, unit price, tax rate, discount and source key checked (digits before and after
    the point, length). Raises ``DoesNotFit`` naming ``sources[key]`` (default
    ``"quote line <position> (<source key or description>): <key>"``)."""
    sources = sources or {}
    label = shorten(str(line.get("source_key") or line.get("description") or ""), 40)
    line_name = f"quote line {position}" + (f" ({label})" if label else "")
    fitted = dict(line)
    for name, value in line.items():
        if name in LINE_TEXT and isinstance(value, str):
            fitted[name] = fit_text(QuoteLine, name, value)
        elif name in LINE_EXACT:
            source = sources.get(name, f"{line_name}: {name.replace('_', ' ')}")
            fitted[name] = check_fits(QuoteLine, name, value, source=source)
    return fitted


def check_totals(totals: Totals) -> Totals:
    """``totals`` unchanged if ``Quote``'s total fields hold them, else ``DoesNotFit`` (the
    lines add up to more than a quote stores)."""
    for name in TOTALS:
        check_fits(
            Quote, name, getattr(totals, name), source=f"the quote's {name.replace('_', ' ')}"
        )
    return totals
