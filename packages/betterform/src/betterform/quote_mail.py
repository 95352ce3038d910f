"""The e-mail of a quote to its customer: its addresses, its body and its delivery.

``betterform.sending`` decides whether and when a quote is e-mailed (``send_quote``,
``send_reminder``); this module builds the e-mail it sends, through Django's e-mail settings:

- From ``"<company name>" <address>``: the address is ``BETTERFORM_QUOTE_FROM_EMAIL``, else the
  company's e-mail (``betterform.company``), else ``DEFAULT_FROM_EMAIL`` (``sender``);
- To the customer (``customer_address``), Reply-To the quote's owner (the rep), so the
  customer's answer reaches a person (``reply_to``);
- subject ``Quote <number> from <company>``, a text and an HTML body
  (``templates/betterform/email/``, ``compose``) with the rep's message, the total, the
  validity and the link (``email_context``).

An address with an internationalised domain is sent with the domain punycoded
(``mail_address``); one that cannot be delivered (To, From or Reply-To: characters other than
ASCII before the ``@``, which would need SMTPUTF8, or not a valid address) is a ``SendError``,
as is a mail server that refuses the e-mail or cannot be reached (``deliver``).
"""

from __future__ import annotations

import logging
import smtplib
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

from betterform.company import company_details
from betterform.conf import conf
from betterform.documents import customer_title, format_date, format_money, quote_title
from betterform.models import Quote
from createpdf.models import Document

logger = logging.getLogger(__name__)

TEMPLATES = "betterform/email"


class SendError(ValueError):
    """A quote that cannot be e-mailed now; the message says why and what to do about it."""


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
    return person(company.get("name", ""), mail_address(address, whose, fix))


def person(name: str, address: str) -> str:
    """``"Name" <address>`` of an address ``mail_address`` returned (ASCII)."""
    return formataddr((one_line(name), address))


def customer_address(quote: Quote) -> str:
    """The To header: the customer's name and address (``mail_address``)."""
    address = mail_address(
        quote.customer_email,
        f"The customer's e-mail of quote {quote.number}",
        "correct customer_email, then send it.",
    )
    return person(quote.customer_name, address)


def reply_to_addresses(quote: Quote, sent_by: Any) -> list[str]:
    """The owner's address, else the sender's (an API key client sends as nobody)."""
    for user in (quote.owner, sent_by):
        if user is not None and getattr(user, "email", ""):
            whose = f"The e-mail of {user.get_username()!r} (the customer replies to it)"
            fix = "correct the e-mail of that user account, then send it again."
            return [person(user.get_full_name(), mail_address(user.email, whose, fix))]
    return []


def email_context(quote: Quote, *, url: str, message: str = "") -> dict[str, Any]:
    """What the e-mail templates show: the company's contact details, the customer's name,
    the quote's number, title, total and validity, the page's ``url``, the rep's ``message``
    and the rep's name."""
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


def compose(
    quote: Quote,
    kind: str,
    context: dict[str, Any],
    *,
    sent_by: Any,
    document: Document | None = None,
) -> EmailMultiAlternatives:
    """The e-mail ``kind`` (a template name: ``quote_sent``, ``quote_reminder``) of ``quote``,
    with ``document``'s file attached as ``Quote-<number>.pdf`` when given. Raises
    ``SendError`` for a From, To or Reply-To address that cannot be delivered."""
    subject = one_line(render_to_string(f"{TEMPLATES}/{kind}_subject.txt", context))
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{TEMPLATES}/{kind}.txt", context).strip() + "\n",
        from_email=sender(),
        to=[customer_address(quote)],
        reply_to=reply_to_addresses(quote, sent_by),
    )
    email.attach_alternative(render_to_string(f"{TEMPLATES}/{kind}.html", context), "text/html")
    if document is not None:
        with document.file.open("rb") as file:
            email.attach(f"Quote-{quote.number}.pdf", file.read(), "application/pdf")
    return email


def deliver(email: EmailMultiAlternatives, quote: Quote) -> None:
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
