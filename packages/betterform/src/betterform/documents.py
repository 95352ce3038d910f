"""Quote PDFs through createpdf: the ``betterform.quote`` document source and its context.

``quote_context`` turns a quote into the plain JSON the ``quote`` template reads (shipped in
``document_templates/quote.html``; staff may override it in the database). Every amount is
a formatted string computed with the rounding rule of ``betterform.pricing``, so the lines
printed always add up to the totals printed. The context holds nothing that changes between
two requests for an unchanged quote (no "generated at"), so createpdf hands back the finished
document instead of rendering it again.

The PDF goes to the customer: the seller comes from ``betterform.company`` (the profile edited
in the admin, its logo as a ``data:`` URI), ``title`` is the title a rep gave the quote or
``Quote <number>`` (never the internal form name), and ``status`` is always empty (the key
stays for database overrides written against it): a quote's PDF is the same document before
and after it is sent.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.request import Request

from betterform import company
from betterform.api.permissions import scope_to_owner
from betterform.models import Quote
from betterform.pricing import LineAmounts, quote_totals
from createpdf import services as createpdf_services
from createpdf.models import Document
from createpdf.registry import DocumentSource

SOURCE_NAME = "betterform.quote"
TEMPLATE_SLUG = "quote"
CHART_SLICES = 5  # the largest lines get a slice each; the rest share one


# The seller: the company profile edited in the admin, else the BETTERFORM_COMPANY setting over
# placeholders (``betterform.company``); kept here under its old name for callers.
company_details = company.company_details

BRAND: dict[str, str] = {"primary_color": "#1f4e79", "accent_color": "#2e86c1"}


def format_money(amount: Decimal) -> str:
    """``Decimal("1234.5")`` -> ``"1,234.50"`` (the amounts are already rounded to cents)."""
    return f"{amount:,.2f}"


def format_number(value: Decimal) -> str:
    """A quantity or a percentage without trailing zeros: ``2.500`` -> ``2.5``."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_date(day: datetime.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def quote_title(quote: Quote) -> str:
    return f"Quote {quote.number}"


def customer_title(quote: Quote) -> str:
    """The title the customer reads: the one a rep gave the quote, else ``Quote <number>``.

    A quote built from a submission is titled with the form's name (``services.build_quote``);
    that name is internal (it names a form for staff) and never reaches the PDF."""
    title = quote.title.strip()
    internal = quote.form.name.strip() if quote.form_id and quote.form else None
    return title if title and title != internal else quote_title(quote)


def _line(position: int, line: Any, amounts: LineAmounts) -> dict[str, Any]:
    return {
        "position": position,
        "description": line.description,
        "quantity": format_number(line.quantity),
        "unit": line.unit,
        "unit_price": format_money(line.unit_price),
        "tax_rate": f"{format_number(line.tax_rate)}%",
        "discount_percent": f"{format_number(line.discount_percent)}%",
        "gross": format_money(amounts.gross),
        "discount": format_money(amounts.discount),
        "tax": format_money(amounts.tax),
        "total": format_money(amounts.total),
    }


def _chart(lines: list[tuple[str, LineAmounts]]) -> dict[str, Any] | None:
    """A pie of the largest lines' totals, the others grouped, or None with nothing to draw."""
    priced = sorted(
        ((label, amounts.total) for label, amounts in lines if amounts.total > 0),
        key=lambda item: item[1],
        reverse=True,
    )
    if not priced:
        return None
    slices = {label: str(total) for label, total in priced[:CHART_SLICES]}
    rest = priced[CHART_SLICES:]
    if rest:
        slices[f"{len(rest)} other lines"] = str(sum((total for _, total in rest), Decimal(0)))
    return {"title": "Where the total goes", "slices": slices}


def quote_context(quote: Quote) -> dict[str, Any]:
    """The ``quote`` template's context: JSON only, every key always present."""
    rows = list(quote.lines.all())
    amounts = [line.amounts for line in rows]
    totals = quote_totals(amounts)
    labels = [f"{index}. {line.description[:40]}" for index, line in enumerate(rows, start=1)]
    return {
        "company": company_details(),
        "brand": dict(BRAND),
        "number": quote.number,
        "title": customer_title(quote),
        # Kept empty for database overrides written against the older context (the sandbox
        # refuses undefined names). The quote's status is internal, and sending, viewing or
        # expiring a quote must not make its PDF another document: the customer accepts the
        # very PDF they were e-mailed (its sha256 is on the acceptance record).
        "status": "",
        "currency": quote.currency,
        "issued_on": format_date(timezone.localtime(quote.created_at).date()),
        "valid_until": format_date(quote.valid_until),
        "notes": quote.notes,
        "customer": {"name": quote.customer_name, "email": quote.customer_email},
        "lines": [
            _line(index, line, line_amount)
            for index, (line, line_amount) in enumerate(zip(rows, amounts, strict=True), start=1)
        ],
        "has_discounts": any(line_amount.discount for line_amount in amounts),
        "totals": {
            "subtotal": format_money(totals.subtotal),
            "discount_total": format_money(totals.discount_total),
            "tax_total": format_money(totals.tax_total),
            "total": format_money(totals.total),
        },
        "chart": _chart(list(zip(labels, amounts, strict=True))),
    }


def visible_quotes(request: Request) -> QuerySet[Quote]:
    """The quotes a request may turn into PDFs: the same ones it may read in the API."""
    return scope_to_owner(Quote.objects.select_related("form").prefetch_related("lines"), request)


def request_quote_pdf(
    quote: Quote, *, requested_by: Any = None, requested_by_key: str = ""
) -> tuple[Document, bool]:
    """Queue the quote's PDF (or get the finished twin back); see ``request_document``."""
    return createpdf_services.request_document(
        template_slug=TEMPLATE_SLUG,
        context=quote_context(quote),
        requested_by=requested_by,
        requested_by_key=requested_by_key,
        source=quote,
        title=quote_title(quote),
    )


QUOTE_SOURCE = DocumentSource(
    name=SOURCE_NAME,
    template_slug=TEMPLATE_SLUG,
    build_context=quote_context,
    queryset=visible_quotes,
    title=quote_title,
)
