"""``expire_quotes`` run as on the last day there is (``--today 9999-12-31``), or with a reminder
window reaching past it: the reminder window ends at ``date.max`` instead of overflowing, and
the command answers as on any other day."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command, execute_from_command_line
from django.test import override_settings

from betterform import services
from betterform.expiry import days_after, quotes_to_remind, remind_due_quotes
from betterform.models import Quote, QuoteEmail

LAST = datetime.date.max
LINES = [{"description": "Cabinets", "quantity": D("2"), "unit_price": D("1250.00")}]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def sent_quote(valid_until: datetime.date) -> Quote:
    quote = services.create_quote(
        owner=None, lines=LINES, valid_until=valid_until, customer_email="ada@example.com"
    )
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.SENT)
    quote.refresh_from_db()
    return quote


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("expire_quotes", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_days_after_ends_at_the_last_day():
    assert days_after(datetime.date(2026, 6, 15), 3) == datetime.date(2026, 6, 18)
    assert days_after(LAST, 3) == LAST
    assert days_after(LAST - datetime.timedelta(days=2), 2) == LAST
    assert days_after(LAST - datetime.timedelta(days=2), 1) == LAST - datetime.timedelta(days=1)
    assert days_after(datetime.date.min, 10**12) == LAST  # more days than a timedelta holds


@override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=3)
def test_the_dry_run_on_the_last_day_says_what_it_would_do(db):
    stale = sent_quote(LAST - datetime.timedelta(days=1))
    due = sent_quote(LAST)
    output = run("--dry-run", "--today", "9999-12-31")
    assert output.splitlines() == [
        f"Would expire {stale.number} (valid until 9999-12-30).",
        f"Would remind {due.number}: ada@example.com (valid until 9999-12-31).",
        "9999-12-31, dry run: would expire 1 quote, would send 1 reminder; nothing was changed.",
    ]
    assert mail.outbox == [] and not QuoteEmail.objects.exists()


@override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=3)
def test_the_run_on_the_last_day_expires_and_reminds(db):
    stale = sent_quote(LAST - datetime.timedelta(days=1))
    due = sent_quote(LAST)
    assert run("--today", "9999-12-31").splitlines() == [
        f"Expired {stale.number} (valid until 9999-12-30).",
        f"Reminded {due.number}: ada@example.com (valid until 9999-12-31).",
        "9999-12-31: expired 1 quote, sent 1 reminder.",
    ]
    assert Quote.objects.get(pk=stale.pk).status == Quote.Status.EXPIRED
    assert Quote.objects.get(pk=due.pk).reminded_at is not None


def test_the_command_line_dry_run_on_the_last_day_exits_cleanly(db, capsys):
    execute_from_command_line(["manage.py", "expire_quotes", "--today", "9999-12-31", "--dry-run"])
    captured = capsys.readouterr()
    assert captured.out.endswith("would send 0 reminders; nothing was changed.\n")
    assert "Traceback" not in captured.err and "Error" not in captured.err


def test_a_reminder_window_of_a_billion_days_reaches_the_last_day(db):
    due = sent_quote(LAST)
    today = datetime.date(2026, 6, 15)
    assert list(quotes_to_remind(today, days=10**9)) == [due]
    with override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=10**9):
        assert [email.quote_id for email in remind_due_quotes(today)] == [due.pk]
