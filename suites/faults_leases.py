"""Scenario ``slow-monday``: two task workers, a job lease (``WORKER_MAX_RUN_TIME``) several
times shorter than one sync, and a fake monday.com that takes ``SLOW_SECONDS`` to answer every
call (as when its rate limits ask us to wait). Items are flipped to "Quote requested" over
signed webhooks, and one worker is SIGKILLed in the middle of a sync and replaced.

Every trigger ends ``done`` without a replay, and every item carries exactly one quote PDF and
one "Quote ... is ready" update: a live worker's job is never started twice (it renews its
lease), the killed worker's job is taken over once its lease runs out, and the effects it had
already made on monday are not made again (the event's effects ledger and derived
``Idempotency-Key`` headers).
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections import Counter

from monday_integration.testing import FakeMonday, build_demo_board
from suites.faults_common import Row, api, keep_logs, note, wait_until
from suites.faults_monday import CONNECT, TRIGGER, _counts, _label, _settled
from suites.live import System, running_system

NAME = "slow-monday"
LEASE_SECONDS = 3
SLOW_SECONDS = 1.5  # one sync makes about eight calls: four lease lengths at least
SETTLE_SECONDS = 300


def run(_options) -> list[Row]:
    secret = secrets.token_urlsafe(24)
    with FakeMonday(token=secrets.token_hex(16), signing_secret=secret, retry_interval=1.0) as fake:
        demo = build_demo_board(fake)
        env = {
            "MONDAY_API_URL": fake.url,
            "MONDAY_API_TOKEN": fake.token,
            "MONDAY_SIGNING_SECRET": secret,
            "WORKER_MAX_RUN_TIME": str(LEASE_SECONDS),
        }
        with running_system(env=env, web_workers=1, task_workers=2) as system:
            try:
                return _slow_syncs_and_a_kill(system, fake, demo)
            finally:
                keep_logs(system, NAME)


def _slow_syncs_and_a_kill(system: System, fake: FakeMonday, demo: dict) -> list[Row]:
    note(NAME, "system up; connecting the demo board")
    system.manage("shell", "-v", "0", "-c", CONNECT % system.base_url)
    status_column, file_column = demo["columns"]["status"], demo["columns"]["files"]
    items = demo["items"]
    fake.faults.slow(SLOW_SECONDS, None)
    note(NAME, f"monday answers in {SLOW_SECONDS} s; flipping {len(items)} items")
    for item in items:
        fake.set_status(item, status_column, TRIGGER)

    with api(system, "staff") as staff:
        # The upload takes one slow monday call: a worker is surely inside a sync then.
        syncing = wait_until(
            lambda: _at_stage(staff, "upload"), "a sync to reach its upload", 180, step=0.1
        )
        victim = _worker_holding(system, syncing)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.monotonic()
        note(NAME, f"killed a worker while event {syncing['id']} was syncing; starting another")
        system.start_worker()
        final = wait_until(lambda: _settled(staff), "every event to settle", SETTLE_SECONDS, 1)
        settled_after = time.monotonic() - killed_at
    fake.faults.clear()
    fake.wait_for_idle(timeout=30)

    triggers = [event for event in final if _label(event["payload"]) == TRIGGER]
    statuses = Counter(event["status"] for event in triggers)
    attempts = Counter(event["attempts"] for event in triggers)
    taken_over = next(e for e in final if e["id"] == syncing["id"])
    pdfs = Counter(len(_files(fake, item, file_column)) for item in items)
    ready = Counter(
        sum("is ready" in update.body for update in fake.item(item).updates) for item in items
    )
    labels = Counter(fake.item(item).label(status_column) for item in items)
    return [
        Row(
            NAME,
            "every trigger done, none replayed",
            f"{len(triggers)} triggers: {_counts(statuses)}; attempts {_counts(attempts)}; "
            f"settled {settled_after:.0f} s after the kill",
            statuses == Counter({"done": len(items)}) and len(triggers) == len(items),
        ),
        Row(
            NAME,
            "the killed worker's sync taken over and completed",
            f"event {taken_over['id']}: {taken_over['status']} after "
            f"{taken_over['attempts']} attempts",
            taken_over["status"] == "done" and taken_over["attempts"] == 2,
        ),
        Row(
            NAME,
            "one PDF and one 'ready' update per item",
            f"PDFs per item {_counts(pdfs)}; ready updates per item {_counts(ready)}; "
            f"labels {_counts(labels)}",
            pdfs == Counter({1: len(items)})
            and ready == Counter({1: len(items)})
            and labels == Counter({"Quote ready": len(items)}),
        ),
    ]


def _worker_holding(system: System, event: dict):
    """The worker process whose lease the event is under (``<host>:<pid>:<random>``)."""
    holder = event["leased_by"]
    pid = int(holder.split(":")[1])
    return next(p for p in system.processes if p.pid == pid)


def _at_stage(client, stage: str) -> dict | None:
    events = client.get("/api/monday/events/?status=processing&page_size=100").json()["results"]
    return next((event for event in events if event["stage"] == stage), None)


def _files(fake: FakeMonday, item: int, column: str) -> list:
    return (fake.item(item).value(column) or {}).get("files", [])
