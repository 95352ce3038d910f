"""The outbox publisher's writes: one statement outside a transaction, a savepoint inside one."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betterform_site.models import RealtimeEvent
from betterform_site.realtime.messages import Message
from betterform_site.realtime.publishers import DatabasePublisher

pytestmark = pytest.mark.django_db(transaction=True)


def test_outside_a_transaction_the_row_is_one_statement():
    """Every webhook delivery publishes after its commit: BEGIN and COMMIT around the INSERT
    were two more round trips to the database each time."""
    with CaptureQueriesContext(connection) as sent:
        DatabasePublisher().publish(Message("test.event", {"n": 1}, ("staff",)))
    assert [query["sql"].split()[0] for query in sent.captured_queries] == ["INSERT"]
    assert RealtimeEvent.objects.get().data == {"n": 1}


@pytest.mark.postgresql  # SQLite stores a too-long value; PostgreSQL refuses it in the statement
def test_inside_a_transaction_a_failed_write_leaves_the_callers_work(caplog):
    """The INSERT fails in the database (too long for ``event``): without the savepoint,
    PostgreSQL would abort the caller's whole transaction."""
    with transaction.atomic():
        RealtimeEvent.objects.create(
            event="kept", data={}, rooms=["staff"], created_at=timezone.now()
        )
        DatabasePublisher().publish(Message("x" * 101, {"n": 2}, ("staff",)))
        assert RealtimeEvent.objects.filter(event="kept").exists()  # the transaction works
    assert list(RealtimeEvent.objects.values_list("event", flat=True)) == ["kept"]
    assert "could not store xxx" in caplog.text
