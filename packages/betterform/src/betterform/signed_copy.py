"""The signed copy of an accepted quote: the PDF the customer was shown, with the acceptance page.

The copy is a createpdf document (``createpdf.appending``): the shown PDF byte for byte
(the file whose sha256 the answer recorded), then one page rendered from the packaged
``quote-acceptance`` template (``document_templates/quote-acceptance.html``; staff may
override it in the database) naming the signer, the time in UTC, the address and browser,
that sha256 and the statement they agreed to. The worker makes it after the acceptance
commits (``tasks.sign_quote_copy``); the quote page and monday read it from
``answer.signed_document``. Both the PDF shown (``answering``) and the copy are kept as
records (``Document.kept``): never rendered again or deleted.

An answer a team member recorded (``recorded_answers``: by phone, e-mail or on paper) has no
signed copy: nobody signed, so an acceptance page would certify a signature, consent, address
and browser that were never given. ``ensure_signed_copy`` refuses it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from betterform import company
from betterform.documents import BRAND, customer_title, format_money
from betterform.models import QuoteAnswer
from createpdf.appending import append_pages
from createpdf.models import Document
from createpdf.services import keep

TEMPLATE_SLUG = "quote-acceptance"


class SignedCopyError(Exception):
    """No signed copy can be made of this answer: it is not an acceptance, a team member
    recorded it (nobody signed), or the PDF shown is gone. Retrying will not help."""


def signed_title(answer: QuoteAnswer) -> str:
    return f"Quote {answer.quote.number} (signed)"


def acceptance_context(answer: QuoteAnswer, shown: Document) -> dict[str, Any]:
    """The ``quote-acceptance`` template's context: JSON only, every key always present."""
    quote = answer.quote
    accepted_at = answer.answered_at.astimezone(datetime.UTC)
    return {
        "company": company.company_details(),
        "brand": dict(BRAND),
        "number": quote.number,
        "title": customer_title(quote),
        "total": f"{quote.currency} {format_money(quote.total)}",
        "customer": {"name": quote.customer_name, "email": quote.customer_email},
        "signer_name": answer.signer_name,
        "accepted_at": f"{accepted_at:%Y-%m-%d %H:%M:%S} UTC",
        "ip_address": answer.ip_address or "",
        "user_agent": answer.user_agent,
        "consent_text": answer.consent_text,
        "shown": {"sha256": answer.shown_sha256, "size": shown.size, "pages": shown.pages},
    }


def ensure_signed_copy(answer: QuoteAnswer) -> Document:
    """The answer's signed copy, made and stored in ``answer.signed_document`` if it has none
    (done) yet; idempotent: the answer's row is locked while it is made, so two jobs make one
    copy. Raises ``SignedCopyError`` for a declined answer, a recorded one
    (``QuoteAnswer.is_recorded``: nobody signed) or one whose shown PDF is gone,
    ``createpdf.appending.AppendError`` when that PDF's file is missing or altered, and
    ``RenderError`` when the acceptance page cannot be rendered."""
    with transaction.atomic():
        locked = (
            QuoteAnswer.objects.select_for_update(of=("self",))
            .select_related("quote", "shown_document", "signed_document")
            .get(pk=answer.pk)
        )
        if locked.is_recorded:  # before the shortcut below: no copy is ever handed out
            who = locked.recorded_by_name or "a team member"
            raise SignedCopyError(
                f"answer {locked.pk} was recorded by {who}, not signed by the customer: "
                "there is no signed copy to make."
            )
        signed = locked.signed_document
        if signed is not None and signed.status == Document.Status.DONE:
            if not signed.kept:
                keep(signed)
            answer.signed_document = signed
            return signed
        if locked.decision != QuoteAnswer.Decision.ACCEPTED:
            raise SignedCopyError(f"answer {locked.pk} declined the quote: nothing was signed.")
        shown = locked.shown_document
        if shown is None or not locked.shown_sha256:
            raise SignedCopyError(f"answer {locked.pk}: the PDF shown is no longer stored.")
        if shown.sha256 != locked.shown_sha256:
            raise SignedCopyError(f"answer {locked.pk}: the PDF stored is not the one shown.")
        signed = append_pages(
            shown,
            template_slug=TEMPLATE_SLUG,
            context=acceptance_context(locked, shown),
            title=signed_title(locked),
            source=locked.quote,
        )
        keep(signed)  # evidence: never rendered again or deleted
        locked.signed_document = signed
        locked.save(update_fields=["signed_document"])
    answer.signed_document = signed
    return signed
