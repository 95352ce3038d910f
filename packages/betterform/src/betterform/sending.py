"""Sending a quote to its customer by e-mail, and the reminder before it expires.

``send_quote`` e-mails the customer the quote's current PDF and the link to its page
(``customer_url``, the page is ``betterform.customer``), From the company, Reply-To the quote's
owner (the rep), so the customer's answer reaches a person. The e-mail itself (its addresses,
subject and bodies, and handing it to the mail server) is built by ``betterform.quote_mail``;
this module decides whether a quote may be sent now and records what was.

Each e-mail is recorded as a ``QuoteEmail``; the quote becomes ``sent`` and its submission moves
from ``quoted`` to ``sent``; ``signals.quote_sent`` follows the commit. Nothing is recorded when
the mail server refuses or cannot be reached (the e-mail is handed over inside the transaction
that records it). A quote that cannot be sent raises ``SendError`` (``quote_mail.SendError``)
with a message the caller can act on (the API answers 409 with it): among others, an address
that cannot be delivered (``quote_mail.mail_address``).
"""

from __future__ import annotations

import datetime
from typing import Any

import reversion
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from betterform import services
from betterform.answering import current_pdf
from betterform.conf import conf
from betterform.documents import format_date
from betterform.models import Quote, QuoteAnswer, QuoteEmail, Submission
from betterform.quote_mail import (
    SendError,
    compose,
    customer_address,
    deliver,
    email_context,
    reply_to_addresses,
    sender,
)
from betterform.signals import quote_sent
from createpdf import services as createpdf_services
from createpdf.models import Document

MESSAGE_MAX_LENGTH = 5000


def customer_url(quote: Quote, base_url: str | None = None) -> str:
    """The quote page's absolute URL: ``https://quotes.example.com/q/<token>/``.

    ``base_url`` (scheme and host, e.g. from the request) else ``BETTERFORM_SITE_URL``."""
    base = (base_url or conf.BETTERFORM_SITE_URL).rstrip("/")
    return base + reverse("betterform_customer:quote", args=[quote.customer_token])


def clean_message(message: str) -> str:
    """The rep's message as sent: trimmed, without NUL characters (no database stores them).
    Raises ``SendError`` beyond ``MESSAGE_MAX_LENGTH`` characters."""
    message = (message or "").replace("\x00", "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise SendError(
            f"The message is {len(message)} characters long; shorten it to at most "
            f"{MESSAGE_MAX_LENGTH}."
        )
    return message


def check_sendable(quote: Quote, today: datetime.date | None = None) -> None:
    """Raise ``SendError`` unless ``quote`` (as stored) may be e-mailed to its customer: not
    answered, not locked (accepted, declined, expired: ``services.check_unlocked``), still
    valid today, with a valid customer e-mail."""
    try:
        services.check_unlocked(quote)
    except services.QuoteLocked as error:
        raise SendError(str(error)) from None
    if QuoteAnswer.objects.filter(quote_id=quote.pk).exists():
        raise SendError(
            f"Quote {quote.number} has been answered by the customer and is never sent again. "
            f"To offer something else, make a new version (POST /api/quotes/{quote.pk}/"
            "new_version/) and send that."
        )
    today = today or timezone.localdate()
    if quote.valid_until and quote.valid_until < today:
        raise SendError(
            f"Quote {quote.number} was valid until {format_date(quote.valid_until)}: set a later "
            "valid_until before sending it, so the customer can still accept it."
        )
    if not quote.customer_email:
        raise SendError(
            f"Quote {quote.number} has no customer e-mail: add the customer's e-mail first "
            "(customer_email), then send it."
        )
    customer_address(quote)


def ready_pdf(quote: Quote, timeout: float | None = None) -> Document:
    """The quote's current PDF (``answering.current_pdf``: the one its page offers), rendered:
    the twin of an unchanged quote, else rendered here (or waited for) up to ``timeout``
    seconds (``BETTERFORM_SEND_PDF_WAIT_SECONDS``). Raises ``SendError`` if it failed or is not
    ready."""
    timeout = conf.BETTERFORM_SEND_PDF_WAIT_SECONDS if timeout is None else timeout
    document = current_pdf(quote)
    if document.status != Document.Status.DONE:
        document = createpdf_services.render_or_wait(document, timeout=timeout)
    if document.status == Document.Status.FAILED:
        raise SendError(
            f"The PDF of quote {quote.number} could not be rendered ({document.error}): correct "
            "the quote or its template, then send it again."
        )
    if document.status != Document.Status.DONE:
        raise SendError(
            f"The PDF of quote {quote.number} is not ready after {timeout:g} seconds (the "
            "worker is still rendering it): send it again in a minute."
        )
    return document


def _record(
    quote: Quote, email: EmailMultiAlternatives, kind: str, *, message: str = "",
    sent_by: Any = None, document: Document | None = None,
) -> QuoteEmail:  # fmt: skip
    return QuoteEmail.objects.create(
        quote=quote,
        kind=kind,
        to_email=quote.customer_email,
        from_email=email.from_email,
        subject=email.subject,
        message=message,
        document=document,
        document_sha256=document.sha256 if document else "",
        sent_by=sent_by if getattr(sent_by, "pk", None) else None,
    )


def _locked(quote: Quote) -> Quote:
    """The quote as stored, its row locked to the end of the transaction: an answer being
    recorded (``answering`` locks the same row) waits, and is seen by the checks made after."""
    locked = Quote.objects.select_for_update(of=("self",))  # not the owner's row
    return locked.select_related("owner", "submission").get(pk=quote.pk)


def send_quote(
    quote: Quote, *, message: str = "", sent_by: Any = None, base_url: str | None = None
) -> QuoteEmail:
    """E-mail ``quote`` to its customer (see the module's docstring) and return the record.

    The PDF is the quote's current one (rendered again if the quote changed since the last
    send). Raises ``SendError`` (nothing sent, nothing recorded): answered, locked or past
    ``valid_until``, no or a bad customer e-mail (or From or Reply-To address), the PDF
    failed or is not ready in time, the quote changed while its PDF rendered, the mail server
    refused or is unreachable."""
    message = clean_message(message)
    check_sendable(quote)
    # A bad From or Reply-To address: refused before rendering.
    sender(), reply_to_addresses(quote, sent_by)
    document = ready_pdf(quote)  # before the row lock: rendering may take seconds
    with transaction.atomic(), reversion.create_revision():
        stored = _locked(quote)
        check_sendable(stored)  # the customer may have answered while the PDF rendered
        if current_pdf(stored).pk != document.pk:
            raise SendError(f"Quote {quote.number} changed while it was being sent: send it again.")
        context = email_context(stored, url=customer_url(stored, base_url), message=message)
        email = compose(stored, "quote_sent", context, sent_by=sent_by, document=document)
        deliver(email, stored)
        record = _record(
            stored, email, QuoteEmail.Kind.QUOTE, message=message, sent_by=sent_by,
            document=document,
        )  # fmt: skip
        if getattr(sent_by, "pk", None):
            reversion.set_user(sent_by)
        reversion.set_comment(f"Sent to the customer ({quote.customer_email}).")
        stored.status, stored.sent_at = Quote.Status.SENT, record.sent_at
        stored.save(update_fields=["status", "sent_at", "updated_at"])
        submission = stored.submission
        if submission is not None and submission.status == Submission.Status.QUOTED:
            services.change_status(submission, Submission.Status.SENT)
        for name in ("status", "sent_at", "updated_at"):
            setattr(quote, name, getattr(stored, name))
        transaction.on_commit(lambda: quote_sent.send(sender=Quote, quote=quote, email=record))
    return record


def send_reminder(
    quote: Quote, *, base_url: str | None = None, today: datetime.date | None = None
) -> QuoteEmail:
    """E-mail the customer of a sent, unanswered quote that it is valid until ``valid_until``,
    with the link to its page (no attachment), once: sets ``reminded_at``. Raises
    ``SendError`` as ``send_quote`` does, and for a quote not sent yet or reminded already."""
    with transaction.atomic():
        stored = _locked(quote)
        check_sendable(stored, today)
        if stored.status != Quote.Status.SENT:
            raise SendError(f"Quote {quote.number} has not been sent yet: send it first.")
        if stored.reminded_at is not None:
            raise SendError(f"Quote {quote.number} was already reminded of; once is enough.")
        context = email_context(stored, url=customer_url(stored, base_url))
        email = compose(stored, "quote_reminder", context, sent_by=None)
        deliver(email, stored)
        record = _record(stored, email, QuoteEmail.Kind.REMINDER)
        stored.reminded_at = record.sent_at
        stored.save(update_fields=["reminded_at"])
        quote.reminded_at = stored.reminded_at
    return record
