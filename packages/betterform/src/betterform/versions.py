"""The lock on a quote the customer has answered or that has expired, and its new versions.

An accepted, declined (``rejected``) or expired quote is a record of what the customer was
offered: the page they answered showed its PDF, and the answer stores that PDF's sha256
(``betterform.answering``). Changing it afterwards would make the record lie, so every door
that writes a quote (``services.update_quote``, ``recalculate`` and ``build_quote``; the API's
update, delete and revert; the admin's save) calls ``check_unlocked`` first, and a change is
made on a new version instead (``new_version``: a draft copy with its own number and page).

``services`` re-exports these names; use them from there.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from betterform.documents import format_date
from betterform.models import Quote, QuoteAnswer, Submission

LOCKED_STATUSES: tuple[str, ...] = (
    Quote.Status.ACCEPTED,
    Quote.Status.REJECTED,
    Quote.Status.EXPIRED,
)


class QuoteLocked(Exception):
    """A write to an accepted, declined or expired quote. The message names the quote, why it
    is locked, and how to make a new version (the API answers it with 409)."""

    def __init__(self, message: str, *, quote_id: int | None = None) -> None:
        super().__init__(message)
        self.quote_id = quote_id


def how_to_change(quote_id: int) -> str:
    return (
        f"To change it, make a new version: POST /api/quotes/{quote_id}/new_version/ or the "
        "admin's 'Make a new version' action."
    )


def lock_reason(quote: Quote, status: str) -> str:
    """Why ``quote`` (stored with ``status``) is locked, e.g. ``"Quote Q-2026-0007 was
    accepted by Ada Lovelace on 5 December 2026"``."""
    answer = QuoteAnswer.objects.filter(quote_id=quote.pk).first()
    when = f" on {format_date(answer.answered_at.date())}" if answer else ""
    if status == Quote.Status.ACCEPTED:
        who = f" by {answer.signer_name}" if answer and answer.signer_name else ""
        return f"Quote {quote.number} was accepted{who}{when}"
    if status == Quote.Status.REJECTED:
        return f"Quote {quote.number} was declined{when}"
    if quote.valid_until:
        return f"Quote {quote.number} expired on {format_date(quote.valid_until)}"
    return f"Quote {quote.number} has expired"


def check_unlocked(quote: Quote) -> None:
    """Raise ``QuoteLocked`` when the quote as stored is accepted, rejected or expired.

    Reads the stored status, not the instance's (the admin's form has already set the new
    values on it), under a row lock held to the end of the caller's transaction: an answer
    being recorded (``answering`` locks the same row) and an edit never interleave. A quote
    not stored yet is never locked."""
    if quote.pk is None:
        return
    with transaction.atomic():
        status = (
            Quote.objects.select_for_update()
            .filter(pk=quote.pk)
            .values_list("status", flat=True)
            .first()
        )
    if status in LOCKED_STATUSES:
        message = f"{lock_reason(quote, status)} and is locked. {how_to_change(quote.pk)}"
        raise QuoteLocked(message, quote_id=quote.pk)


LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "tax_rate", "discount_percent")


def new_version(quote: Quote, *, owner: Any = None, submission: Submission | None = None) -> Quote:
    """A draft copy of ``quote`` to change and send again: a new number and customer page,
    the same customer, submission, texts and lines, a fresh validity
    (``BETTERFORM_QUOTE_VALIDITY_DAYS`` from today) and ``previous_version`` = ``quote``.
    Belongs to ``owner``, else to the quote's owner. Announced as ``quote_created`` (whose
    receivers tell a new version by its ``previous_version``). Any quote may be copied; the
    copy of a locked one is how it is changed.

    ``submission`` gives the copy another submission than the quote's: a caller re-pricing
    it from new answers (``build_quote`` on that submission) without rewriting the answers
    the locked quote was priced from (the monday sync, when an answered item is triggered
    again)."""
    from betterform.services import create_quote  # services imports this module

    lines = [
        {name: getattr(line, name) for name in (*LINE_FIELDS, "source_key")}
        for line in quote.lines.order_by("position", "id")
    ]
    return create_quote(
        lines=lines,
        owner=owner if getattr(owner, "pk", None) else quote.owner,
        submission=submission if submission is not None else quote.submission,
        form=quote.form,
        title=quote.title,
        customer_name=quote.customer_name,
        customer_email=quote.customer_email,
        currency=quote.currency,
        notes=quote.notes,
        previous_version=quote,
    )
