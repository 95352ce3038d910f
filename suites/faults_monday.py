"""Scenario ``monday``: the fake monday.com answers 429, then 500, then slowly, for
``--fault-seconds``, while its demo items are flipped to "Quote requested" (signed webhooks).

After the faults are cleared every event ends ``done`` (or ``ignored``: not a trigger), or
``failed`` and is replayed through the staff API until it is done; every delivered
``triggerUuid`` is one stored event (none lost, none doubled).
"""

from __future__ import annotations

import secrets
import time
from collections import Counter

import httpx

from monday_integration.testing import FakeMonday, build_demo_board
from suites.faults_common import Row, api, keep_logs, note, wait_until
from suites.live import System, running_system

NAME = "monday"
DRAIN_SECONDS = 180  # after the faults: every event settles within this
TRIGGER = "Quote requested"
# Every status an event can rest in: our own label changes come back from monday as
# ``own_write`` once the token's user is known (connecting the demo board learns it).
RESTING = {"done", "ignored", "own_write"}
SETTLED = RESTING | {"failed"}
CONNECT = """
from django.contrib.auth import get_user_model
from monday_integration.client import MondayClient
from monday_integration.demo import connect_demo_board
with MondayClient(max_retries=2) as client:
    mapping = connect_demo_board(%r, client, owner=get_user_model().objects.get(username="staff"))
print(mapping.pk)
"""


def phases(fake: FakeMonday) -> list[tuple[str, object]]:
    """Each fault, switched on for a third of the fault time (every request, until cleared)."""
    return [
        ("429", lambda: fake.faults.rate_limit(None, retry_in_seconds=2, form="http429")),
        ("500", lambda: fake.faults.server_error(None, status=500)),
        ("slow 2 s", lambda: fake.faults.slow(2.0, None)),
    ]


def run(options) -> list[Row]:
    secret = secrets.token_urlsafe(24)
    with FakeMonday(token=secrets.token_hex(16), signing_secret=secret, retry_interval=1.0) as fake:
        demo = build_demo_board(fake)
        env = {
            "MONDAY_API_URL": fake.url,
            "MONDAY_API_TOKEN": fake.token,
            "MONDAY_SIGNING_SECRET": secret,
        }
        # Three workers: a sync that meets a fault waits out its retries while others go on.
        with running_system(env=env, web_workers=1, task_workers=3) as system:
            try:
                return _faulty_minute(system, fake, demo, options.fault_seconds)
            finally:
                keep_logs(system, NAME)


def _faulty_minute(system: System, fake: FakeMonday, demo: dict, seconds: float) -> list[Row]:
    note(NAME, "system up; connecting the demo board")
    system.manage("shell", "-v", "0", "-c", CONNECT % system.base_url)
    status_column, items = demo["columns"]["status"], demo["items"]
    flips = 0
    started = time.monotonic()
    requests_before = len(fake.requests)
    for name, switch_on in phases(fake):
        note(NAME, f"fault {name}; flipping {len(items)} items")
        fake.faults.clear()
        switch_on()
        for item in items:
            fake.set_status(item, status_column, "Working on it")
            fake.set_status(item, status_column, TRIGGER)
            flips += 1
            time.sleep(seconds / 3 / len(items))
    fake.faults.clear()
    faulty_requests = len(fake.requests) - requests_before
    cleared = time.monotonic()
    note(NAME, "faults cleared; waiting for the events to settle")

    with api(system, "staff") as staff:
        settled = wait_until(
            lambda: _settled(staff), "every monday event to settle", DRAIN_SECONDS, step=1
        )
        drained = time.monotonic() - cleared
        first = Counter(event["status"] for event in settled)
        failed = [event for event in settled if event["status"] == "failed"]
        note(NAME, f"replaying {len(failed)} failed events")
        replays = [staff.post(f"/api/monday/events/{e['id']}/replay/").status_code for e in failed]
        final = wait_until(lambda: _settled(staff), "the replays to settle", DRAIN_SECONDS, step=1)
    fake.wait_for_idle(timeout=30)
    note(NAME, "settled; stopping the system")
    last = Counter(event["status"] for event in final)
    stored = Counter(event["trigger_uuid"] for event in final)
    delivered = {d.trigger_uuid for d in fake.deliveries if d.ok}
    attempted = {d.trigger_uuid for d in fake.deliveries}
    triggers = [event for event in final if _label(event["payload"]) == TRIGGER]
    signed = sum(
        (d.headers.get("Authorization") or d.headers.get("authorization") or "").count(".") == 2
        for d in fake.deliveries
    )
    labels = Counter(fake.item(item).label(status_column) for item in items)
    errors = Counter(e["error"].split(":")[0][:60] for e in failed)
    return [
        Row(
            NAME,
            "signed webhooks during the fault minute",
            f"{flips} trigger flips over {cleared - started:.0f} s (429, 500, slow), "
            f"{faulty_requests} API requests met the faults, {len(fake.deliveries)} deliveries "
            f"of {len(attempted)} triggerUuids ({signed} signed), "
            f"{sum(not d.ok for d in fake.deliveries)} not 2xx",
            flips == 3 * len(items) and delivered == attempted and signed == len(fake.deliveries),
        ),
        Row(
            NAME,
            "none lost, none doubled (by triggerUuid)",
            f"{len(delivered)} delivered, {len(stored)} stored, "
            f"{len(delivered - set(stored))} missing, "
            f"{sum(n > 1 for n in stored.values())} doubled",
            delivered == set(stored) and all(n == 1 for n in stored.values()),
        ),
        Row(
            NAME,
            "every event settles after the faults clear",
            f"settled {drained:.0f} s after clearing: {_counts(first)}; failed because: "
            f"{_counts(errors)}",
            True,
        ),
        Row(
            NAME,
            "failed events replayed through the API end done",
            f"{len(failed)} replayed ({_counts(Counter(replays))}); now {_counts(last)}; "
            f"{len(triggers)} trigger events",
            all(code == 202 for code in replays)
            and set(last) <= RESTING
            and all(e["status"] == "done" for e in triggers)
            and len(triggers) >= flips,
        ),
        Row(
            NAME,
            "our own label changes come back recognised, never processed",
            f"{last.get('own_write', 0)} own writes, {last.get('ignored', 0)} ignored",
            last.get("own_write", 0) > 0,
        ),
        Row(
            NAME,
            "items end with the quote",
            f"item labels: {_counts(labels)}",
            labels == Counter({"Quote ready": len(items)}),
        ),
    ]


def _label(payload: dict) -> str | None:
    """The status label a delivered event set, if it is a status change."""
    value = (payload.get("event") or {}).get("value")
    label = value.get("label") if isinstance(value, dict) else None
    return label.get("text") if isinstance(label, dict) else None


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key}: {n}" for key, n in sorted(counter.items(), key=str)) or "-"


def _settled(client: httpx.Client) -> list[dict] | None:
    """Every stored event when none is still received or processing, else None."""
    events, url = [], "/api/monday/events/?page_size=100"
    while url:
        page = client.get(url)
        page.raise_for_status()
        body = page.json()
        events += body["results"]
        url = body["next"]
    return events if events and all(e["status"] in SETTLED for e in events) else None
