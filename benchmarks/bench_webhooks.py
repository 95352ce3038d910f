"""monday webhook ingest: how fast a delivery is acknowledged, stored and scheduled.

In this process, through Django's test ``Client`` (the site's URLs, middleware and DRF, no
network), ``N`` distinct trigger events are POSTed one after another to a board mapping's webhook
URL and each request is timed. Every event must end as one ``received`` ``WebhookEvent`` row with
its ``process_event_task`` queued before the answer goes out (both happen inside the request).
The baseline is a bare Django view doing one INSERT (a ``WorkerHeartbeat`` row with a unique
``worker_id``) through the same client, URLconf and middleware, with a body of the same size.
Subject and baseline requests alternate in ``ROUNDS`` rounds, so drift hits both.

Rows:

1. ingest vs bare INSERT: ratio of the mean per-request times (informational).
2. throughput: events stored and scheduled per second, one sequential sender.
3. ack latency p50, and p99 with a bar of 50 ms on SQLite: monday wants a fast answer and
   retries what it does not get (MONDAY.md).
4. 20 deliveries of one event (monday's duplicates and retries), done for ``DUPLICATE_EVENTS``
   events: ack p99 over all of them, same bar; each event stays one row and one task.

SQLite by default (``python -m benchmarks`` makes a temporary file database). On PostgreSQL::

    createdb -h 127.0.0.1 -U postgres betterform_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/betterform_bench \\
        python -m benchmarks -k webhooks

On a kept database the bench works on a form, board mapping and heartbeat ids of its own and
deletes its rows (events, their tasks, heartbeats) afterwards.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import statistics
import time
import types
import uuid
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import Comparison, Figure

N = 300
ROUNDS = 5
WARMUP = 10
DUPLICATES = 20
DUPLICATE_EVENTS = 5
P99_BAR_MS = 50.0
SCHEMA = {
    "sections": [{"title": "Job", "fields": [{"key": "area", "label": "Area", "type": "number"}]}]
}


def run() -> list[Comparison | Figure]:
    from django.test import override_settings

    bench = WebhookBench()
    task_logger = logging.getLogger("background_task")
    level = task_logger.level
    task_logger.setLevel(logging.WARNING)
    try:
        with override_settings(ROOT_URLCONF=bench.urlconf()):
            return bench.results()
    finally:
        task_logger.setLevel(level)
        bench.cleanup()


def percentile(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


@dataclass(frozen=True)
class Timed:
    seconds: float
    response: Any


class WebhookBench:
    def __init__(self) -> None:
        from django.test import Client

        from betterform import services as forms
        from betterform.models import Form
        from monday_integration.models import BoardMapping

        tag = uuid.uuid4().hex[:12]
        self.tag = tag
        self.board_id = str(int(tag, 16) % 10**10 + 10**10)  # 11 digits, like monday's ids
        self.form = forms.save_form(
            Form(name="Bench webhooks", slug=f"bench-hooks-{tag}", schema=SCHEMA)
        )
        self.mapping = BoardMapping.objects.create(
            name=f"Bench webhooks {tag}",
            board_id=self.board_id,
            form=self.form,
            trigger_column_id="status",
            status_column_id="status",
        )
        self.url = f"/api/monday/webhooks/{self.mapping.webhook_secret}/"
        self.client = Client()
        self.items = itertools.count(1)
        self.heartbeats = itertools.count(1)
        self.event_ids: set[int] = set()

    # -- what is measured ------------------------------------------------------------------

    def urlconf(self) -> types.ModuleType:
        from django.http import JsonResponse
        from django.urls import path
        from django.utils import timezone

        import betterform_site.urls
        from betterform_site.models import WorkerHeartbeat

        def bare_insert(request):
            now = timezone.now()
            row = WorkerHeartbeat.objects.create(
                worker_id=f"bench-hooks-{self.tag}-{next(self.heartbeats)}",
                hostname="bench",
                pid=os.getpid(),
                started_at=now,
                last_seen=now,
            )
            return JsonResponse({"id": row.pk})

        urlconf = types.ModuleType("bench_webhooks_urls")
        urlconf.urlpatterns = [path("bare/insert/", bare_insert), *betterform_site.urls.urlpatterns]
        return urlconf

    def body(self, trigger_uuid: str) -> bytes:
        """A trigger as monday delivers it (a status column set to the trigger label)."""
        item_id = 9_000_000_000 + next(self.items)
        label = {"index": 3, "text": "Quote requested", "style": {"color": "#fdab3d"}}
        return json.dumps(
            {
                "event": {
                    "app": "monday",
                    "type": "update_column_value",
                    "triggerTime": "2026-11-23T10:00:00.000Z",
                    "subscriptionId": 412345678,
                    "userId": 40000002,
                    "originalTriggerUuid": None,
                    "boardId": int(self.board_id),
                    "groupId": "topics",
                    "pulseId": item_id,
                    "pulseName": f"Deal {item_id}",
                    "columnId": "status",
                    "columnType": "color",
                    "columnTitle": "Status",
                    "value": {"label": {**label, "is_done": False}, "post_id": None},
                    "previousValue": {
                        "label": {"index": 0, "text": "Working on it", "is_done": False},
                        "post_id": None,
                    },
                    "changedAt": 1795428000.123,
                    "isTopGroup": True,
                    "triggerUuid": trigger_uuid,
                }
            }
        ).encode()

    def post(self, path: str, body: bytes) -> Timed:
        start = time.perf_counter()
        response = self.client.post(path, body, content_type="application/json")
        return Timed(time.perf_counter() - start, response)

    def deliver(self, body: bytes, *, duplicate: bool) -> Timed:
        timed = self.post(self.url, body)
        answer = timed.response.json()
        assert timed.response.status_code == 200, (timed.response.status_code, answer)
        assert answer["status"] == "received" and answer["duplicate"] is duplicate, answer
        self.event_ids.add(answer["event"])
        return timed

    def insert(self, body: bytes) -> Timed:
        timed = self.post("/bare/insert/", body)
        assert timed.response.status_code == 200, timed.response.status_code
        return timed

    # -- the rows --------------------------------------------------------------------------

    def results(self) -> list[Comparison | Figure]:
        database = _database()
        bar = P99_BAR_MS if database.startswith("sqlite") else None
        for _ in range(WARMUP):
            body = self.body(uuid.uuid4().hex)
            self.deliver(body, duplicate=False)
            self.insert(body)

        ingest, bare, uuids = [], [], []
        for _ in range(ROUNDS):
            bodies = []
            for _ in range(N // ROUNDS):
                uuids.append(uuid.uuid4().hex)
                bodies.append(self.body(uuids[-1]))
            ingest += [self.deliver(body, duplicate=False).seconds for body in bodies]
            bare += [self.insert(body).seconds for body in bodies]
        self.check_stored_and_scheduled(uuids)

        duplicates = []
        for _ in range(DUPLICATE_EVENTS):
            trigger_uuid = uuid.uuid4().hex
            body = self.body(trigger_uuid)
            duplicates += [
                self.deliver(body, duplicate=copy > 0).seconds for copy in range(DUPLICATES)
            ]
            self.check_stored_and_scheduled([trigger_uuid])

        per_request, bare_per_request = statistics.fmean(ingest), statistics.fmean(bare)
        on = f"{database}; {len(ingest)} requests, one sequential sender, Django test Client"
        return [
            Comparison(
                "monday webhook ingest vs bare INSERT view (per request)",
                per_request,
                bare_per_request,
                note=f"informational; {on}; every event stored (received) and its task queued "
                "before the answer",
            ),
            Figure(
                "monday webhook ingest throughput (events/s)",
                len(ingest) / sum(ingest),
                "/s",
                note=f"{on}; bare INSERT view: {len(bare) / sum(bare):.0f}/s",
            ),
            Figure("monday webhook ack p50", percentile(ingest, 50) * 1e3, "ms"),
            Figure(
                "monday webhook ack p99",
                percentile(ingest, 99) * 1e3,
                "ms",
                max_value=bar,
                note=_bar_note(bar, database)
                + f"; max {max(ingest) * 1e3:.3f}ms; bare INSERT view p99 "
                f"{percentile(bare, 99) * 1e3:.3f}ms",
            ),
            Figure(
                f"monday webhook ack p99, {DUPLICATES} deliveries of one event",
                percentile(duplicates, 99) * 1e3,
                "ms",
                max_value=bar,
                note=f"{DUPLICATE_EVENTS} events x {DUPLICATES} sequential deliveries (the first "
                f"stores, {DUPLICATES - 1} answer duplicate), each event one row and one task; "
                f"p50 {percentile(duplicates, 50) * 1e3:.3f}ms; {_bar_note(bar, database)}",
            ),
        ]

    def check_stored_and_scheduled(self, trigger_uuids: list[str]) -> None:
        from monday_integration.models import WebhookEvent

        events = dict(
            WebhookEvent.objects.filter(trigger_uuid__in=trigger_uuids).values_list("pk", "status")
        )
        assert len(events) == len(trigger_uuids), (len(events), len(trigger_uuids))
        assert set(events.values()) == {"received"}, set(events.values())
        queued = self.queued_event_ids()
        scheduled = [queued.count(pk) for pk in events]
        assert scheduled == [1] * len(events), f"{scheduled.count(0)} events were not scheduled"

    @staticmethod
    def queued_event_ids() -> list[int]:
        from background_task.models import Task

        from monday_integration.tasks import QUEUE

        params = Task.objects.filter(
            queue=QUEUE, task_name__endswith="process_event_task"
        ).values_list("task_params", flat=True)
        return [json.loads(raw)[0][0] for raw in params]

    def cleanup(self) -> None:
        from background_task.models import Task

        from betterform_site.models import WorkerHeartbeat
        from monday_integration.models import WebhookEvent
        from monday_integration.tasks import QUEUE

        ours = {json.dumps(([pk], {}), sort_keys=True) for pk in self.event_ids}
        for task in Task.objects.filter(queue=QUEUE).only("pk", "task_params"):
            if task.task_params in ours:
                task.delete()
        WebhookEvent.objects.filter(mapping=self.mapping).delete()
        self.mapping.delete()
        self.form.delete()
        WorkerHeartbeat.objects.filter(worker_id__startswith=f"bench-hooks-{self.tag}-").delete()


def _bar_note(bar: float | None, database: str) -> str:
    if bar is not None:
        return f"bar: p99 <= {bar:g} ms on SQLite (monday wants a fast answer)"
    return f"the {P99_BAR_MS:g} ms bar applies on SQLite; reported only on {database}"


def _database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            return f"sqlite {connection.Database.sqlite_version} ({cursor.fetchone()[0]})"
    return connection.vendor
