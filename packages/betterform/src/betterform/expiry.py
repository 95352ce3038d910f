"""Quotes that run out: marked expired once ``valid_until`` has passed unanswered, and their
customers reminded once, a few days before.

Run daily by the ``expire_quotes`` command (cron). Both steps are idempotent: an expired quote
is no longer due, a reminded one has ``reminded_at``; each quote is handled in its own
transaction under its row lock, so a customer answering at that moment is either seen (the
quote is left alone) or waits for it.

- Expired: ``valid_until`` before today, no answer, status ``sent``, or ``draft`` whose page
  the customer has opened (``first_viewed_at``: a link shared without sending). Announced with
  ``signals.quote_expired`` after each quote's commit. The quote is then locked
  (``services.check_unlocked``).
- Reminded: status ``sent``, no answer, not reminded yet, ``valid_until`` from today to
  ``BETTERFORM_QUOTE_REMINDER_DAYS`` days ahead (0: no reminders); ``sending.send_reminder``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

import reversion
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from betterform.conf import conf
from betterform.documents import format_date
from betterform.models import Quote, QuoteAnswer, QuoteEmail
from betterform.sending import SendError, send_reminder
from betterform.signals import quote_expired

logger = logging.getLogger(__name__)

_ANSWERED = Exists(QuoteAnswer.objects.filter(quote=OuterRef("pk")))


def quotes_to_expire(today: datetime.date | None = None) -> QuerySet[Quote]:
    """The quotes ``expire_due_quotes`` would expire today, oldest validity first."""
    today = today or timezone.localdate()
    offered = Q(status=Quote.Status.SENT) | Q(
        status=Quote.Status.DRAFT, first_viewed_at__isnull=False
    )
    return (
        Quote.objects.filter(offered, valid_until__lt=today)
        .exclude(_ANSWERED)
        .order_by("valid_until", "id")
    )


def days_after(day: datetime.date, days: int) -> datetime.date:
    """``day`` plus ``days`` days, or the last day there is (``date.max``) when that is later:
    run as on 9999-12-31, or with a reminder window of a billion days, it never overflows."""
    if days >= (datetime.date.max - day).days:
        return datetime.date.max
    return day + datetime.timedelta(days=days)


def quotes_to_remind(
    today: datetime.date | None = None, days: int | None = None
) -> QuerySet[Quote]:
    """The quotes ``remind_due_quotes`` would remind of today, soonest to expire first."""
    today = today or timezone.localdate()
    days = conf.BETTERFORM_QUOTE_REMINDER_DAYS if days is None else days
    if days <= 0:
        return Quote.objects.none()
    return (
        Quote.objects.filter(
            status=Quote.Status.SENT,
            reminded_at__isnull=True,
            valid_until__gte=today,
            valid_until__lte=days_after(today, days),
        )
        .exclude(customer_email="")
        .exclude(_ANSWERED)
        .order_by("valid_until", "id")
    )


def _expire(quote_id: int, today: datetime.date) -> Quote | None:
    with transaction.atomic(), reversion.create_revision():
        # Checked again under the lock: answered or sent again with a later date meanwhile.
        quote = quotes_to_expire(today).select_for_update().filter(pk=quote_id).first()
        if quote is None:
            return None
        reversion.set_comment(
            f"Expired: valid until {format_date(quote.valid_until)}, unanswered (expire_quotes)."
        )
        quote.status = Quote.Status.EXPIRED
        quote.save(update_fields=["status", "updated_at"])
        transaction.on_commit(lambda: quote_expired.send(sender=Quote, quote=quote))
    return quote


def expire_due_quotes(today: datetime.date | None = None) -> list[Quote]:
    """Mark every due quote expired (see the module's docstring); the quotes expired now."""
    today = today or timezone.localdate()
    ids = list(quotes_to_expire(today).values_list("pk", flat=True))
    return [quote for quote in (_expire(pk, today) for pk in ids) if quote is not None]


def remind_due_quotes(
    today: datetime.date | None = None,
    days: int | None = None,
    *,
    base_url: str | None = None,
    on_error: Callable[[Quote, SendError], None] | None = None,
) -> list[QuoteEmail]:
    """E-mail the reminder of every due quote (see the module's docstring); the reminders
    sent. A quote that cannot be reminded (``SendError``: the mail server is down, it was
    answered meanwhile) is logged, passed to ``on_error``, and tried again on the next run."""
    today = today or timezone.localdate()
    sent = []
    for quote in quotes_to_remind(today, days):
        try:
            sent.append(send_reminder(quote, base_url=base_url, today=today))
        except SendError as error:
            logger.warning("quote %s: no reminder sent: %s", quote.number, error)
            if on_error is not None:
                on_error(quote, error)
    return sent
