"""Expiry and reminders (``betterform.expiry``) and the ``expire_quotes`` command run by cron."""

from __future__ import annotations

import datetime
import io
import socket
from decimal import Decimal as D
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from betterform import services
from betterform.expiry import expire_due_quotes, remind_due_quotes
from betterform.models import Quote, QuoteAnswer, QuoteEmail
from betterform.signals import quote_expired

TODAY = datetime.date(2026, 6, 15)
LINES = [{"description": "Cabinets", "quantity": D("2"), "unit_price": D("1250.00")}]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    """Each test its own media: parallel test processes number their documents alike, and
    a shared folder would let one overwrite another's PDF of the same name."""
    settings.MEDIA_ROOT = tmp_path


def make_quote(owner: Any = None, *, days: int, status: str = "sent", **fields: Any) -> Quote:
    """A quote valid until ``TODAY + days``, stored with ``status`` (and ``fields``) as is."""
    fields.setdefault("customer_email", "ada@example.com")
    quote = services.create_quote(
        owner=owner, lines=LINES, valid_until=TODAY + datetime.timedelta(days=days)
    )
    Quote.objects.filter(pk=quote.pk).update(status=status, **fields)
    quote.refresh_from_db()
    return quote


def statuses(*quotes: Quote) -> list[str]:
    return [Quote.objects.get(pk=quote.pk).status for quote in quotes]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def expired_signals() -> Any:
    received: list[Quote] = []

    def receive(sender: Any, quote: Quote, **kwargs: Any) -> None:
        received.append(quote)

    quote_expired.connect(receive)
    yield received
    quote_expired.disconnect(receive)


def test_unanswered_offered_quotes_past_their_validity_expire(
    db, expired_signals, django_capture_on_commit_callbacks
):
    sent_past = make_quote(days=-1)
    viewed_draft = make_quote(days=-3, status="draft", first_viewed_at=timezone.now())
    unseen_draft = make_quote(days=-3, status="draft")
    sent_today = make_quote(days=0)  # valid through today
    answered = make_quote(days=-1)
    QuoteAnswer.objects.create(quote=answered, decision="declined", answered_at=timezone.now())
    accepted = make_quote(days=-1, status="accepted")

    with django_capture_on_commit_callbacks() as callbacks:
        expired = expire_due_quotes(TODAY)
    assert [quote.pk for quote in expired] == [viewed_draft.pk, sent_past.pk]
    assert expired_signals == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(quote.pk for quote in expired_signals) == sorted([viewed_draft.pk, sent_past.pk])
    assert statuses(sent_past, viewed_draft, unseen_draft, sent_today, answered, accepted) == [
        "expired", "expired", "draft", "sent", "sent", "accepted",
    ]  # fmt: skip
    with pytest.raises(services.QuoteLocked, match="expired"):
        services.update_quote(sent_past, title="Changed")


def test_expiry_is_idempotent(db, expired_signals, django_capture_on_commit_callbacks):
    quote = make_quote(days=-1)
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_due_quotes(TODAY) == [quote]
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_due_quotes(TODAY) == []
    assert expired_signals == [quote]


def test_reminders_go_once_to_sent_quotes_about_to_expire(db):
    due = make_quote(days=3)
    due_today = make_quote(days=0)
    later = make_quote(days=4)
    past = make_quote(days=-1)
    draft = make_quote(days=1, status="draft")
    answered = make_quote(days=1)
    QuoteAnswer.objects.create(quote=answered, decision="accepted", answered_at=timezone.now())
    no_email = make_quote(days=1, customer_email="")

    with override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=3):
        reminders = remind_due_quotes(TODAY)
        assert [email.quote_id for email in reminders] == [due_today.pk, due.pk]
        assert {message.to[0] for message in mail.outbox} == {"ada@example.com"}
        assert len(mail.outbox) == 2
        assert remind_due_quotes(TODAY) == []  # once per quote
    assert len(mail.outbox) == 2
    assert QuoteEmail.objects.filter(kind="reminder").count() == 2
    for quote in (later, past, draft, answered, no_email):
        quote.refresh_from_db()
        assert quote.reminded_at is None
    due.refresh_from_db()
    assert due.reminded_at is not None and due.status == "sent"


def test_reminder_days_zero_sends_none_and_the_argument_overrides(db):
    quote = make_quote(days=2)
    with override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=0):
        assert remind_due_quotes(TODAY) == []
    assert remind_due_quotes(TODAY, days=1) == []
    assert [email.quote_id for email in remind_due_quotes(TODAY, days=2)] == [quote.pk]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("expire_quotes", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=3)
def test_the_command_expires_then_reminds_and_says_so(db):
    stale = make_quote(days=-2)
    due = make_quote(days=2)
    output, _ = run("--today", TODAY.isoformat())
    assert output.splitlines() == [
        f"Expired {stale.number} (valid until 2026-06-13).",
        f"Reminded {due.number}: ada@example.com (valid until 2026-06-17).",
        "2026-06-15: expired 1 quote, sent 1 reminder.",
    ]
    assert statuses(stale, due) == ["expired", "sent"]
    output, _ = run("--today", TODAY.isoformat())
    assert output == "2026-06-15: expired 0 quotes, sent 0 reminders.\n"


@override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=3)
def test_the_dry_run_changes_nothing(db):
    stale = make_quote(days=-2)
    due = make_quote(days=2)
    output, _ = run("--dry-run", "--today", TODAY.isoformat())
    assert output.splitlines() == [
        f"Would expire {stale.number} (valid until 2026-06-13).",
        f"Would remind {due.number}: ada@example.com (valid until 2026-06-17).",
        "2026-06-15, dry run: would expire 1 quote, would send 1 reminder; nothing was changed.",
    ]
    assert statuses(stale, due) == ["sent", "sent"]
    assert mail.outbox == [] and not QuoteEmail.objects.exists()


def test_a_bad_today_exits_non_zero_with_what_to_write(db, capsys):
    with pytest.raises(CommandError, match=r"--today must be a date written YYYY-MM-DD"):
        run("--today", "15/06/2026")
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "expire_quotes", "--today", "tomorrow"])
    assert exited.value.code != 0
    assert "--today must be a date written YYYY-MM-DD (e.g. 2026-05-31), not 'tomorrow'" in (
        capsys.readouterr().err
    )


@override_settings(BETTERFORM_QUOTE_REMINDER_DAYS=3)
def test_a_reminder_the_mail_server_refuses_is_reported_and_tried_again(db):
    due = make_quote(days=2)
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": closed_port(), "EMAIL_TIMEOUT": 5}  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with override_settings(**smtp), pytest.raises(CommandError, match="could not be sent"):
        call_command("expire_quotes", "--today", TODAY.isoformat(), stdout=out, stderr=err)
    assert f"No reminder for {due.number}: The e-mail with quote" in err.getvalue()
    due.refresh_from_db()
    assert due.reminded_at is None and not QuoteEmail.objects.exists()
    output, _ = run("--today", TODAY.isoformat())  # the mail server is back
    assert f"Reminded {due.number}" in output
