"""What the quote page shows: the quote as its PDF prints it (``documents.quote_context``:
the customer's title, lines, totals, the seller), the answer recorded or the two actions, and
whom to contact. Never the quote's internal status, nor the form it was built from.
"""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static

from betterform import answering
from betterform.documents import format_date, quote_context
from betterform.models import Quote, QuoteAnswer
from createpdf.models import Document
from createpdf.rendering import STATIC_SCHEME


def logo_src(logo: str) -> str:
    """The company logo as the page's ``<img src>``: the profile's ``data:`` URI, createpdf's
    placeholder as a static file, or "" for none."""
    if logo.startswith("data:"):
        return logo
    if logo.startswith(STATIC_SCHEME):
        return static(logo.removeprefix(STATIC_SCHEME))
    return ""


def contact(quote: Quote, company: dict[str, str]) -> dict[str, str]:
    """Whom the customer asks about the quote: its rep when they have an e-mail address,
    with the company's own address and phone."""
    owner = quote.owner
    person = (owner.get_full_name() or owner.get_username()) if owner else ""
    return {
        "person": person if owner and owner.email else "",
        "person_email": owner.email if owner else "",
        "name": company.get("name", ""),
        "email": company.get("email", ""),
        "phone": company.get("phone", ""),
    }


def state(quote: Quote, answer: QuoteAnswer | None) -> str:
    """``accepted``, ``declined``, ``expired``, ``closed`` (answered or withdrawn some other
    way: staff changed its status) or ``open`` (Accept and Decline are offered)."""
    if answer is not None:
        return answer.decision
    if answering.is_expired(quote):
        return "expired"
    return "open" if answering.can_answer(quote) else "closed"


def page_context(
    quote: Quote,
    *,
    preview: bool = False,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    message: str = "",
) -> dict[str, Any]:
    """The ``quote.html`` context. ``errors`` (field -> message) and ``values`` are a refused
    answer's, shown again; ``message`` says why an answer was not taken (``QuoteClosed``)."""
    answer = QuoteAnswer.objects.select_related("signed_document").filter(quote_id=quote.pk).first()
    details = quote_context(quote)
    now = state(quote, answer)
    signed = answer.signed_document if answer is not None else None
    errors = errors or {}
    summary = [
        (f"#{field}", message_)
        for field in ("signer_name", "consent", "reason")
        if (message_ := errors.get(field))
    ]
    return {
        "quote": quote,
        "q": details,
        "logo": logo_src(details["company"].get("logo", "")),
        "contact": contact(quote, details["company"]),
        "state": now,
        "answer": answer,
        "signed_ready": signed is not None and signed.status == Document.Status.DONE,
        # The PDF the Accept form says the customer was offered (answering.QuoteChanged).
        "document": answering.current_pdf(quote) if now == "open" else None,
        "valid_until": format_date(quote.valid_until),
        "consent_text": answering.CONSENT_TEXT,
        "signer_max": answering.MAX_SIGNER_NAME,
        "reason_max": answering.MAX_REASON,
        "preview": preview,
        "errors": errors,
        "summary": summary,
        "values": values or {},
        "message": message,
    }
