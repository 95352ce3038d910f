"""Sending a quote to its customer by e-mail, and the reminder before it expires.

``send_quote`` e-mails the customer the quote's current PDF and the link to its page
(``customer_url``, the page is ``betterform.customer``), through Django's e-mail settings:

- From ``"<company name>" <address>``: the address is ``BETTERFORM_QUOTE_FROM_EMAIL``, else the
  company's e-mail (``betterform.company``), else ``DEFAULT_FROM_EMAIL``;
- Reply-To the quote's owner (the rep), so the customer's answer reaches a person;
- subject ``Quote <number> from <company>``, a text and an HTML body
  (``templates/betterform/email/``) with the rep's message, the total, the validity and the link.

An address with an internationalised domain is sent with the domain punycoded
(``mail_address``); one that cannot be delivered (To, From or Reply-To: characters other than
ASCII before the ``@``, which would need SMTPUTF8, or not a valid address) is a ``SendError``.

Each e-mail is recorded as a ``QuoteEmail``; the quote becomes ``sent`` and its submission moves
from ``quoted`` to ``sent``; ``signals.quote_sent`` follows the commit. Nothing is recorded when
the mail server refuses or cannot be reached (the e-mail is handed over inside the transaction
that records it). A quote that cannot be sent raises ``SendError`` with a message the caller can
act on (the API answers 409 with it).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from email.utils import formataddr, parseaddr
from typing import Any

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from betterform import services
from betterform.answering import current_pdf
from betterform.company import company_details
from betterform.conf import conf
from betterform.documents import (
    customer_title,
    format_date,
    format_money,
    quote_title,
)
from betterform.models import Quote, QuoteAnswer, QuoteEmail, Submission
from betterform.signals import quote_sent
from createpdf import services as createpdf_services
from createpdf.models import Document

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 5000
TEMPLATES = "betterform/email"


class SendError(ValueError):
    """A quote that cannot be e-mailed now; the message says why and what to do about it."""


def customer_url(quote: Quote, base_url: str | None = None) -> str:
    """The quote page's absolute URL: ``https://quotes.example.com/q/<token>/``.

    ``base_url`` (scheme and host, e.g. from the request) else ``BETTERFORM_SITE_URL``."""
    base = (base_url or conf.BETTERFORM_SITE_URL).rstrip("/")
    return base + reverse("betterform_customer:quote", args=[quote.customer_token])


def one_line(text: str) -> str:
    """``text`` with every line break and run of whitespace made one space: a value put in a
    header can never start another header (a company named ``"Acme\\r\\nBcc: ..."``)."""
    return " ".join(str(text).split())


def mail_address(address: str, whose: str, fix: str) -> str:
    """``address`` as it goes into a header and to the mail server: its domain punycoded when
    it is internationalised (``jose@exämple.com`` -> ``jose@xn--exmple-cua.com``, as Django's
    ``sanitize_address`` does). Raises ``SendError`` (``"<whose> (<address>) ...: <fix>"``)
    for an address that cannot be delivered: characters other than ASCII before the ``@``
    (that needs SMTPUTF8, which is not used), a domain that has no ASCII form, or an address
    that is not valid once its domain is."""
    address = one_line(address)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise SendError(f"{whose} ({address!r}) is not an e-mail address: {fix}")
    if not local.isascii():
        raise SendError(
            f"{whose} ({address!r}) has characters other than ASCII before the @ (such as "
            f"accented letters), which cannot be delivered: {fix}"
        )
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise SendError(
                f"{whose} ({address!r}) has a domain that cannot be written for e-mail: {fix}"
            ) from None
    try:
        validate_email(f"{local}@{domain}")
    except ValidationError:
        raise SendError(f"{whose} ({address!r}) is not a valid e-mail address: {fix}") from None
    return f"{local}@{domain}"


def sender() -> str:
    """The From header: ``"Company name" <address>`` (see the module's docstring). Raises
    ``SendError`` for an address that cannot be sent from (``mail_address``)."""
    company = company_details()
    if conf.BETTERFORM_QUOTE_FROM_EMAIL:
        address = conf.BETTERFORM_QUOTE_FROM_EMAIL
        whose = "The sender address BETTERFORM_QUOTE_FROM_EMAIL"
        fix = "ask an administrator to correct the setting, then send it again."
    elif company.get("email"):
        address = company["email"]
        whose = "The company's e-mail"
        fix = "correct the e-mail in the company profile (the sender), then send it again."
    else:
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        whose = "The sender address DEFAULT_FROM_EMAIL"
        fix = "ask an administrator to correct the setting, then send it again."
    return _person(company.get("name", ""), mail_address(address, whose, fix))


def _person(name: str, address: str) -> str:
    """``"Name" <address>`` of an address ``mail_address`` returned (ASCII)."""
    return formataddr((one_line(name), address))


def _customer(quote: Quote) -> str:
    """The To header: the customer's name and address (``mail_address``)."""
    address = mail_address(
        quote.customer_email,
        f"The customer's e-mail of quote {quote.number}",
        "correct customer_email, then send it.",
    )
    return _person(quote.customer_name, address)


def _reply_to(quote: Quote, sent_by: Any) -> list[str]:
    """The owner's address, else the sender's (an API key client sends as nobody)."""
    for user in (quote.owner, sent_by):
        if user is not None and getattr(user, "email", ""):
            whose = f"The e-mail of {user.get_username()!r} (the customer replies to it)"
            fix = "correct the e-mail of that user account, then send it again."
            return [_person(user.get_full_name(), mail_address(user.email, whose, fix))]
    return []


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
    _customer(quote)


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


def _context(quote: Quote, *, url: str, message: str = "") -> dict[str, Any]:
    company = company_details()
    owner = quote.owner
    return {
        "company": {key: company.get(key, "") for key in ("name", "email", "phone", "website")},
        "customer_name": quote.customer_name,
        "number": quote.number,
        # The rep's title when there is one; "Quote <number>" would only repeat the number.
        "title": "" if customer_title(quote) == quote_title(quote) else customer_title(quote),
        "total": f"{quote.currency} {format_money(quote.total)}",
        "valid_until": format_date(quote.valid_until),
        "url": url,
        "message": message,
        "rep_name": (owner.get_full_name() or owner.get_username()) if owner else "",
    }


def _compose(
    quote: Quote,
    kind: str,
    context: dict[str, Any],
    *,
    sent_by: Any,
    document: Document | None = None,
) -> EmailMultiAlternatives:
    subject = one_line(render_to_string(f"{TEMPLATES}/{kind}_subject.txt", context))
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{TEMPLATES}/{kind}.txt", context).strip() + "\n",
        from_email=sender(),
        to=[_customer(quote)],
        reply_to=_reply_to(quote, sent_by),
    )
    email.attach_alternative(render_to_string(f"{TEMPLATES}/{kind}.html", context), "text/html")
    if document is not None:
        with document.file.open("rb") as file:
            email.attach(f"Quote-{quote.number}.pdf", file.read(), "application/pdf")
    return email


def _deliver(email: EmailMultiAlternatives, quote: Quote) -> None:
    """Hand the e-mail to the mail server; its refusal or absence is a ``SendError``."""
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("quote %s: the e-mail could not be sent: %s", quote.number, error)
        raise SendError(
            f"The e-mail with quote {quote.number} could not be sent: the mail server refused "
            f"it or could not be reached ({error}). Nothing was recorded as sent; try again "
            "later, or ask an administrator to check the e-mail settings."
        ) from error


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
    sender(), _reply_to(quote, sent_by)  # a bad From or Reply-To: refused before rendering
    document = ready_pdf(quote)  # before the row lock: rendering may take seconds
    with transaction.atomic(), reversion.create_revision():
        stored = _locked(quote)
        check_sendable(stored)  # the customer may have answered while the PDF rendered
        if current_pdf(stored).pk != document.pk:
            raise SendError(f"Quote {quote.number} changed while it was being sent: send it again.")
        context = _context(stored, url=customer_url(stored, base_url), message=message)
        email = _compose(stored, "quote_sent", context, sent_by=sent_by, document=document)
        _deliver(email, stored)
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
        context = _context(stored, url=customer_url(stored, base_url))
        email = _compose(stored, "quote_reminder", context, sent_by=None)
        _deliver(email, stored)
        record = _record(stored, email, QuoteEmail.Kind.REMINDER)
        stored.reminded_at = record.sent_at
        stored.save(update_fields=["reminded_at"])
        quote.reminded_at = stored.reminded_at
    return record
