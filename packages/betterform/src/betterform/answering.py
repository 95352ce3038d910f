"""The customer's answer to a quote: a view recorded, the quote accepted or declined, once.

The quote page (``betterform.customer``) calls these; they hold every rule of the answer, so
the page only validates the form's shape and shows what they return or raise:

- ``AnswerInvalid`` (``.errors``: field -> message) for input the page should show next to
  its field: a blank or overlong name, the consent not ticked, a reason too long, NUL or
  other control characters;
- ``QuoteClosed`` (its message is for the customer) for a quote that cannot be answered:
  expired, withdrawn, or its PDF could not be prepared; ``QuoteChanged`` when the PDF the
  page offered is no longer the quote's current one (the customer should look again).

An answer is recorded once. The quote's row is locked while it is, so a double click, a
second tab or a retry all get the first answer back (``created`` False), whichever decision
they carried. The PDF answered is marked kept (``createpdf.models.Document.kept``): it is
never rendered again or deleted. Accepting records the sha256 of the PDF the customer was
shown; after the commit, ``quote_accepted`` is sent and the worker appends the acceptance
page to that PDF (``signed_copy.ensure_signed_copy``). Answered, the quote is locked (``versions``).

An answer given by phone, e-mail or on paper is recorded by a team member through
``betterform.recorded_answers``, which uses this module's checks, lock and record
(``_check_open(for_team=True)``, ``_shown_pdf``, ``_record``). Setting a quote's status to
accepted, rejected or expired directly is refused (``services.StatusNotSettable``).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import reversion
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from betterform import company, services
from betterform.answer_input import (  # AnswerInvalid and the limits: the callers' names
    MAX_REASON,
    MAX_SIGNER_NAME,
    AnswerInvalid,
    clean_agent,
    clean_ip,
    clean_text,
)
from betterform.conf import conf
from betterform.documents import format_date, request_quote_pdf
from betterform.models import Quote, QuoteAnswer, Submission
from betterform.signals import quote_accepted, quote_declined, quote_viewed
from betterform.versions import how_to_change
from createpdf import services as createpdf_services
from createpdf.models import Document

logger = logging.getLogger(__name__)

CONSENT_TEXT = (
    "I have read this quote and I accept it. The full name I typed is my electronic "
    "signature, with the same effect as a handwritten one."
)
OPEN_STATUSES = (Quote.Status.DRAFT, Quote.Status.SENT)


class QuoteClosed(Exception):
    """The quote cannot be answered; ``str(error)`` is a message for the customer."""


class QuoteChanged(QuoteClosed):
    """The PDF the page offered (``shown_document_id``) is no longer the quote's current one."""


# --- state -----------------------------------------------------------------------------------


def is_expired(quote: Quote, today: datetime.date | None = None) -> bool:
    """Marked expired, or unanswered and past ``valid_until`` (the last day it may be
    accepted, in the site's time zone) before the cron command has marked it."""
    if quote.status == Quote.Status.EXPIRED:
        return True
    if quote.status not in OPEN_STATUSES or quote.valid_until is None:
        return False
    return quote.valid_until < (today or timezone.localdate())


def _answer_of(quote: Quote) -> QuoteAnswer | None:
    return QuoteAnswer.objects.filter(quote_id=quote.pk).first()


def can_answer(quote: Quote) -> bool:
    """Draft or sent, not answered, not expired: the page offers Accept and Decline."""
    return quote.status in OPEN_STATUSES and not is_expired(quote) and _answer_of(quote) is None


def _seller() -> str:
    return company.company_details().get("name") or "the seller"


def _check_open(quote: Quote, *, for_team: bool = False) -> None:
    """Raise ``QuoteClosed`` unless the quote can be answered: with the customer's message, or
    (``for_team``) one for the team member recording an answer."""
    if is_expired(quote):
        if quote.valid_until:
            when = f"expired on {format_date(quote.valid_until)}"
        else:
            when = "has expired"
        if for_team:
            raise QuoteClosed(
                f"Quote {quote.number} {when}, so no answer can be recorded for it. "
                f"{how_to_change(quote.pk)}"
            )
        raise QuoteClosed(
            f"This quote {when} and can no longer be accepted. "
            f"Please ask {_seller()} for a new one."
        )
    if quote.status not in OPEN_STATUSES:
        if for_team:
            raise QuoteClosed(
                f"Quote {quote.number} is {quote.status}, so no answer can be recorded for it. "
                f"{how_to_change(quote.pk)}"
            )
        raise QuoteClosed(
            f"This quote is no longer open for an answer. Please contact {_seller()}."
        )


def current_pdf(quote: Quote) -> Document:
    """The quote's current PDF document, as the page offers it: the finished (or queued) twin
    for the quote as it stands, queued for the worker when the quote changed since."""
    document, _ = request_quote_pdf(quote)
    return document


# --- views -----------------------------------------------------------------------------------


def record_view(quote: Quote, *, counted: bool = True) -> Quote:
    """Count a view of the quote's page (``view_count``, ``last_viewed_at``); the first one
    also sets ``first_viewed_at`` and sends ``quote_viewed`` after the commit. Concurrent
    first views count twice but announce once (a conditional update). ``counted=False`` (staff
    previewing the page) records nothing."""
    if not counted:
        return quote
    now = timezone.now()
    with transaction.atomic():
        first = Quote.objects.filter(pk=quote.pk, first_viewed_at__isnull=True).update(
            first_viewed_at=now
        )
        Quote.objects.filter(pk=quote.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
        quote.refresh_from_db(fields=["first_viewed_at", "last_viewed_at", "view_count"])
        if first:
            transaction.on_commit(lambda: quote_viewed.send(sender=Quote, quote=quote))
    return quote


# --- answering -------------------------------------------------------------------------------


def _shown_pdf(quote: Quote, shown_document_id: Any) -> Document:
    """The quote's current PDF, rendered now if it is not yet (waiting at most
    ``BETTERFORM_SEND_PDF_WAIT_SECONDS``). Raises ``QuoteChanged`` when the page offered
    another document, ``QuoteClosed`` when the PDF cannot be had."""
    document = current_pdf(quote)
    if shown_document_id not in (None, ""):
        try:
            offered = int(shown_document_id)
        except (TypeError, ValueError):
            offered = None
        if offered != document.pk:
            raise QuoteChanged(
                "This quote changed after you opened it. Please read the current version "
                "and answer again."
            )
    if document.status != Document.Status.DONE:
        try:
            wait = conf.BETTERFORM_SEND_PDF_WAIT_SECONDS
            document = createpdf_services.render_or_wait(document, wait)
        except Exception:  # a passing failure the worker retries; the customer tries later
            logger.exception("quote %s: its PDF could not be rendered for an answer", quote.pk)
    if document.status != Document.Status.DONE or not document.sha256:
        raise QuoteClosed(
            "This quote's PDF could not be prepared just now, so it cannot be answered yet. "
            f"Please try again in a few minutes, or contact {_seller()}."
        )
    return document


def _follow(submission_id: int | None, decision: str) -> None:
    """Move the quote's submission to the answer along the workflow (``services.TRANSITIONS``:
    quoted -> sent -> accepted or rejected). A submission elsewhere (a draft, or final from
    an earlier version's answer) is left as it is."""
    if submission_id is None:
        return
    submission = Submission.objects.select_for_update().filter(pk=submission_id).first()
    if submission is None:
        return
    Status = Submission.Status
    target = Status.ACCEPTED if decision == QuoteAnswer.Decision.ACCEPTED else Status.REJECTED
    path = {Status.QUOTED: (Status.SENT, target), Status.SENT: (target,)}
    for status in path.get(submission.status, ()):
        services.change_status(submission, status)


def _record(
    quote: Quote,
    *,
    decision: str,
    shown: Document | None,
    comment: str = "",
    **answer_fields: Any,
) -> tuple[QuoteAnswer, bool]:
    """Store the answer once, under the quote's row lock; ``(answer, created)``. An answer
    with ``recorded_by_name`` (a team member's) gets no signed copy. Outside a caller's
    revision, the quote's says ``comment`` (by ``recorded_by``)."""
    recorder = answer_fields.get("recorded_by")
    for_team = bool(answer_fields.get("recorded_by_name"))
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        existing = _answer_of(locked)
        if existing is not None:
            return existing, False
        _check_open(locked, for_team=for_team)
        if decision == QuoteAnswer.Decision.ACCEPTED and current_pdf(locked).pk != shown.pk:
            raise QuoteChanged(  # changed between the render and the lock
                "This quote changed while you were answering. Please read the current "
                "version and answer again."
            )
        # The PDF answered is evidence from now on: kept, never rendered again or deleted
        # (``createpdf.services.keep``), and only while it is still the file shown.
        if shown is not None and not createpdf_services.keep(shown, sha256=shown.sha256):
            if decision == QuoteAnswer.Decision.ACCEPTED:
                raise QuoteChanged(  # staff had it rendered again meanwhile
                    "This quote's PDF was being prepared again while you were answering. "
                    "Please read the current version and answer again."
                )
            shown = None  # a decline is not refused: it records no PDF
        status = (
            Quote.Status.ACCEPTED
            if decision == QuoteAnswer.Decision.ACCEPTED
            else Quote.Status.REJECTED
        )
        try:
            with transaction.atomic():  # a unique answer per quote: SQLite has no row locks
                answer = QuoteAnswer.objects.create(
                    quote=locked,
                    decision=decision,
                    answered_at=timezone.now(),
                    shown_document=shown,
                    shown_sha256=shown.sha256 if shown else "",
                    **answer_fields,
                )
        except IntegrityError:
            return QuoteAnswer.objects.get(quote_id=locked.pk), False
        outer = reversion.is_active()  # a caller's revision (the API's, the admin's) says who
        with reversion.create_revision():
            if not outer:
                who = answer.signer_name or "the customer"
                said = f"{answer.get_decision_display()} by {who} on the quote page."
                reversion.set_comment(comment or said)
                if recorder is not None:
                    reversion.set_user(recorder)
            locked.status = status
            locked.save(update_fields=["status", "updated_at"])
        _follow(locked.submission_id, decision)
        signal = quote_accepted if status == Quote.Status.ACCEPTED else quote_declined
        transaction.on_commit(lambda: signal.send(sender=Quote, quote=locked, answer=answer))
        if status == Quote.Status.ACCEPTED and not for_team:  # nobody signed a recorded one
            from betterform.tasks import sign_quote_copy

            transaction.on_commit(lambda: sign_quote_copy(answer.pk))
    quote.status, quote.updated_at = locked.status, locked.updated_at
    return answer, True


def accept_quote(
    quote: Quote,
    *,
    signer_name: str,
    consent: bool,
    ip_address: str | None,
    user_agent: str,
    shown_document_id: int | None = None,
) -> tuple[QuoteAnswer, bool]:
    """Accept ``quote`` with a typed signature; ``(answer, created)``.

    An answer already recorded (accepted or declined) comes back unchanged with
    ``created`` False. Raises ``AnswerInvalid`` (``signer_name`` blank, too long or holding
    control characters; ``consent`` not given), ``QuoteClosed`` (expired, not draft or sent,
    its PDF not to be had) and ``QuoteChanged`` (``shown_document_id`` is not the current
    PDF). Records the signer, the consent text, the time, the address and browser, and the
    current PDF with its sha256; the quote becomes ``accepted`` and its submission follows.
    After the commit: ``quote_accepted`` and the signed copy's job (``tasks``)."""
    existing = _answer_of(quote)
    if existing is not None:
        return existing, False
    name, error = clean_text(signer_name, "name", MAX_SIGNER_NAME)
    errors = {"signer_name": error or ("" if name else "Type your full name to sign.")}
    if consent is not True:
        errors["consent"] = "Tick the box to confirm that you accept the quote."
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        raise AnswerInvalid(errors)
    _check_open(quote)
    shown = _shown_pdf(quote, shown_document_id)
    return _record(
        quote,
        decision=QuoteAnswer.Decision.ACCEPTED,
        shown=shown,
        signer_name=name,
        consent_text=CONSENT_TEXT,
        ip_address=clean_ip(ip_address),
        user_agent=clean_agent(user_agent),
    )


def decline_quote(
    quote: Quote, *, reason: str, ip_address: str | None, user_agent: str
) -> tuple[QuoteAnswer, bool]:
    """Decline ``quote``, with an optional reason (at most ``MAX_REASON`` characters);
    ``(answer, created)`` with the same rules as ``accept_quote``. The quote becomes
    ``rejected`` and its submission follows; ``quote_declined`` after the commit. The PDF
    current then is recorded when it is rendered (nothing waits for it)."""
    existing = _answer_of(quote)
    if existing is not None:
        return existing, False
    cleaned, error = clean_text(reason, "reason", MAX_REASON, multiline=True)
    if error:
        raise AnswerInvalid({"reason": error})
    _check_open(quote)
    document = current_pdf(quote)
    shown = document if document.status == Document.Status.DONE and document.sha256 else None
    return _record(
        quote,
        decision=QuoteAnswer.Decision.DECLINED,
        shown=shown,
        reason=cleaned,
        ip_address=clean_ip(ip_address),
        user_agent=clean_agent(user_agent),
    )
