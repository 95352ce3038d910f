"""An answer the customer gave a team member by phone, e-mail or on paper, recorded for them.

``record_answer`` is what the API's ``POST /api/quotes/<id>/record_answer/``
(``api.quote_answers``), the admin's "Record the customer's answer" (``admin_quote_answer``)
and the demo data call. It follows the customer's own answer (``betterform.answering``): the
same checks, the quote's row lock, the PDF kept with its sha256, the submission following, and
``quote_accepted`` or ``quote_declined`` after the commit (monday and the real-time events
follow it), with messages for the team instead of the customer. The answer names who recorded
it (``QuoteAnswer.recorded_by``, ``recorded_by_key``, ``recorded_by_name``) and how it came
in (``note``); it has no consent, address or browser and never a signed copy: nobody signed
(``signed_copy.ensure_signed_copy`` refuses it, the quote page offers none).
"""

from __future__ import annotations

from typing import Any

from betterform.answer_input import MAX_REASON, MAX_SIGNER_NAME, AnswerInvalid, clean_text
from betterform.answering import (  # the answer's shared steps, private to these two modules
    QuoteChanged,
    QuoteClosed,
    _answer_of,
    _check_open,
    _record,
    _shown_pdf,
    current_pdf,
)
from betterform.models import Quote, QuoteAnswer
from createpdf.models import Document


def _recorder_name(user: Any, key_name: str) -> str:
    """``recorded_by_name``: the user's full name (else username), or the API key's name."""
    if user is not None:
        return user.get_full_name().strip() or user.get_username()
    return f"API key {key_name}" if key_name else "an API client"


def record_answer(
    quote: Quote,
    *,
    decision: str,
    signer_name: str = "",
    reason: str = "",
    note: str = "",
    recorded_by: Any = None,
    recorded_by_key: str = "",
    key_name: str = "",
) -> tuple[QuoteAnswer, bool]:
    """Record the answer the customer gave a team member (by phone, e-mail, on paper);
    ``(answer, created)``.

    ``decision`` is ``"accepted"`` or ``"declined"``; ``signer_name`` who answered (required
    to accept: "Eva Jansen by phone"), ``reason`` why they declined, ``note`` how the answer
    came in (both optional, at most ``MAX_REASON`` characters). Who records it: the user
    ``recorded_by``, else the API key ``recorded_by_key`` (its id) named ``key_name``; one of
    them is required (``ValueError``). The same rules and lock as the customer's own answer:
    an answer already recorded comes back unchanged (``created`` False); ``AnswerInvalid``
    for bad input, ``QuoteClosed`` with a message for the team (expired or past
    ``valid_until``, not draft or sent, its PDF not to be had now). The current PDF is kept
    and its sha256 recorded (accepted: rendered now if need be, as ``answering.accept_quote``
    does; declined: when rendered). The quote becomes ``accepted`` or ``rejected``, its
    submission follows, and ``quote_accepted`` or ``quote_declined`` is sent after the commit
    (monday and the real-time events follow). No signed copy is made: nobody signed the PDF
    (there is no consent, address or browser to record)."""
    if recorded_by is None and not recorded_by_key:
        raise ValueError("record_answer needs recorded_by (a user) or recorded_by_key")
    existing = _answer_of(quote)
    if existing is not None:
        return existing, False
    accepted = decision == QuoteAnswer.Decision.ACCEPTED
    errors: dict[str, str] = {}
    if decision not in QuoteAnswer.Decision.values:
        errors["decision"] = "Say whether the customer accepted or declined."
    name, errors["signer_name"] = clean_text(signer_name, "name", MAX_SIGNER_NAME)
    if accepted and not name and not errors["signer_name"]:
        errors["signer_name"] = "Say who accepted, and how (e.g. 'Eva Jansen by phone')."
    cleaned_reason, errors["reason"] = clean_text(reason, "reason", MAX_REASON, multiline=True)
    cleaned_note, errors["note"] = clean_text(note, "note", MAX_REASON, multiline=True)
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        raise AnswerInvalid(errors)
    _check_open(quote, for_team=True)
    if accepted:
        try:
            shown: Document | None = _shown_pdf(quote, None)
        except QuoteClosed:
            raise QuoteClosed(
                f"The PDF of quote {quote.number} could not be prepared just now, so the "
                "answer cannot be recorded yet; try again in a few minutes."
            ) from None
    else:
        document = current_pdf(quote)
        shown = document if document.status == Document.Status.DONE and document.sha256 else None
    by = _recorder_name(recorded_by, key_name)
    verb = "Accepted" if accepted else "Declined"
    try:
        return _record(
            quote,
            decision=decision,
            shown=shown,
            comment=f"{verb} by {name or 'the customer'}, recorded by {by}.",
            signer_name=name,
            reason=cleaned_reason if not accepted else "",
            note=cleaned_note,
            recorded_by=recorded_by,
            recorded_by_key="" if recorded_by is not None else recorded_by_key,
            recorded_by_name=by,
        )
    except QuoteChanged:
        raise QuoteClosed(
            f"Quote {quote.number} or its PDF changed while the answer was being recorded; "
            "look at it again and record the answer again."
        ) from None
