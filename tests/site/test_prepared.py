"""PreparedAggregate: compiled once, run as SQL afterwards, answering what the ORM answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max, Q
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betterform_site.models import WorkerHeartbeat
from betterform_site.prepared import PreparedAggregate

pytestmark = pytest.mark.django_db


def _heartbeat(name: str, seconds_ago: float) -> None:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=name, hostname="h", pid=1, started_at=seen, last_seen=seen
    )


class Counting:
    """A ``PreparedAggregate`` over heartbeats that counts how often it was built."""

    def __init__(self, window: list[int] | None = None) -> None:
        self.builds = 0
        self.window = window or [30]
        self.prepared = PreparedAggregate(self.build, self.aggregates, key=lambda: self.window[0])

    def build(self):
        self.builds += 1
        return WorkerHeartbeat.objects.all()

    def aggregates(self):
        fresh = Q(last_seen__gte=Now() - timedelta(seconds=self.window[0]))
        return {"fresh": Count("pk", filter=fresh), "last_seen": Max("last_seen")}


def test_later_calls_send_the_recorded_sql_without_building_the_query():
    counting = Counting()
    assert counting.prepared() == {"fresh": 0, "last_seen": None}
    with CaptureQueriesContext(connection) as first:
        counting.prepared()
    assert counting.builds == 1
    assert len(first.captured_queries) == 1


def test_each_call_reads_the_rows_as_they_are_now():
    counting = Counting()
    counting.prepared()
    _heartbeat("fresh", seconds_ago=1)
    _heartbeat("stale", seconds_ago=300)
    found = counting.prepared()
    assert found["fresh"] == 1
    # Converted as the ORM converts it (SQLite sends text): an aware datetime.
    assert found == WorkerHeartbeat.objects.aggregate(**counting.aggregates())
    assert found["last_seen"].tzinfo is not None


def test_the_database_clock_is_read_at_each_call():
    counting = Counting()
    _heartbeat("young", seconds_ago=28)
    assert counting.prepared()["fresh"] == 1
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(seconds=31))
    assert counting.prepared()["fresh"] == 0


def test_a_new_key_compiles_again():
    window = [30]
    counting = Counting(window)
    _heartbeat("a minute ago", seconds_ago=60)
    assert counting.prepared()["fresh"] == 0
    window[0] = 120
    assert counting.prepared()["fresh"] == 1
    assert counting.builds == 2


def test_an_aggregate_the_orm_answers_without_sql_is_left_to_the_orm():
    """``pk__in=[]`` is answered empty without a query: nothing to record, so every call
    goes through the ORM."""
    prepared = PreparedAggregate(
        lambda: WorkerHeartbeat.objects.filter(pk__in=[]), lambda: {"n": Count("pk")}
    )
    assert prepared() == {"n": 0}
    _heartbeat("any", seconds_ago=1)
    assert prepared() == {"n": 0}
