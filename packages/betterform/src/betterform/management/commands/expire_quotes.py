"""``manage.py expire_quotes``: the daily run (cron) that expires quotes past their validity
and reminds customers of quotes about to expire (``betterform.expiry``).

Prints one line per quote and a summary; ``--dry-run`` prints what it would do and changes
nothing; ``--today YYYY-MM-DD`` runs as on that day. Exits non-zero when a reminder could not
be sent (the next run tries it again)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from betterform import expiry
from betterform.conf import conf
from betterform.models import Quote
from betterform.sending import SendError


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--today must be a date written YYYY-MM-DD (e.g. 2026-05-31), not {value!r}."
        ) from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _off() -> str:
    if conf.BETTERFORM_QUOTE_REMINDER_DAYS > 0:
        return ""
    return " (reminders are off: BETTERFORM_QUOTE_REMINDER_DAYS is 0)"


class Command(BaseCommand):
    help = (
        "Mark quotes expired whose valid_until has passed unanswered, then remind customers "
        "of sent quotes expiring within BETTERFORM_QUOTE_REMINDER_DAYS days (once a quote)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be done; change nothing."
        )
        parser.add_argument(
            "--today", metavar="YYYY-MM-DD", help="Run as on this day (default: today)."
        )

    def handle(self, *args: Any, dry_run: bool = False, today: str | None = None,
               **options: Any) -> None:  # fmt: skip
        day = _day(today) if today else timezone.localdate()
        if dry_run:
            self._dry_run(day)
            return
        failures: list[tuple[Quote, SendError]] = []
        expired = expiry.expire_due_quotes(day)
        for quote in expired:
            self.stdout.write(f"Expired {quote.number} (valid until {quote.valid_until}).")
        reminders = expiry.remind_due_quotes(
            day, on_error=lambda quote, error: failures.append((quote, error))
        )
        for email in reminders:
            quote = email.quote
            self.stdout.write(
                f"Reminded {quote.number}: {email.to_email} (valid until {quote.valid_until})."
            )
        for quote, error in failures:
            self.stderr.write(f"No reminder for {quote.number}: {error}")
        self.stdout.write(
            f"{day}: expired {_plural(len(expired), 'quote')}, "
            f"sent {_plural(len(reminders), 'reminder')}{_off()}"
            + (f", {len(failures)} failed." if failures else ".")
        )
        if failures:
            raise CommandError(
                f"{_plural(len(failures), 'reminder')} could not be sent; the next run tries again."
            )

    def _dry_run(self, day: datetime.date) -> None:
        expiring = list(expiry.quotes_to_expire(day))
        for quote in expiring:
            self.stdout.write(f"Would expire {quote.number} (valid until {quote.valid_until}).")
        reminding = list(expiry.quotes_to_remind(day))  # never one expiring: still valid
        for quote in reminding:
            self.stdout.write(
                f"Would remind {quote.number}: {quote.customer_email} "
                f"(valid until {quote.valid_until})."
            )
        self.stdout.write(
            f"{day}, dry run: would expire {_plural(len(expiring), 'quote')}, "
            f"would send {_plural(len(reminding), 'reminder')}{_off()}; nothing was changed."
        )
