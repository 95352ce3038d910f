"""Real worker processes against the fake monday, over real HTTP, with monday slow (every
call takes 1.5 s, as when its rate limits ask us to wait) and a job lease of three seconds,
several times shorter than one sync (about eight calls).

- Two workers: the second never starts the job the first is running (the first renews its
  lease), so the item gets exactly one PDF and one "ready" update.
- kill -9 of the worker mid-sync: the other worker takes the job over once the lease runs out
  and finishes it; the item still gets exactly one PDF and one "ready" update.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from monday_integration.testing import FakeMonday, build_demo_board
from suites import processes as children

pytestmark = pytest.mark.slow

LEASE_SECONDS = 3
SLOW_SECONDS = 1.5

SETUP = """
from django.contrib.auth import get_user_model
from django.db import transaction
from monday_integration import demo, operations
from monday_integration.models import BoardMapping
from monday_integration.tasks import process_event_task
owner = get_user_model().objects.create_user("owner")
fields = demo._mapping_fields("{board}", demo.ensure_demo_form(owner))
mapping = BoardMapping.objects.create(**fields, owner=owner)
with transaction.atomic():
    event = operations._synthetic_event(mapping, "{item}", "manual")
    process_event_task(event.pk)
print(event.pk)
"""


@pytest.fixture
def fake():
    with FakeMonday(retry_interval=0.05) as server:
        yield server


@pytest.fixture
def queued_event(fake, manage):
    """The demo board mapped in the workers' database, and one sync queued for an item."""
    demo = build_demo_board(fake)
    assert manage("migrate", "--noinput").returncode == 0
    item_id = str(demo["items"][0])
    setup = manage("shell", "-v", "0", "-c", SETUP.format(board=demo["board_id"], item=item_id))
    assert setup.returncode == 0, setup.stderr
    return int(setup.stdout.strip()), item_id


@pytest.fixture
def start_worker(fake, site_env, tmp_path):
    env = {
        **site_env,
        "MONDAY_API_URL": fake.url,
        "MONDAY_API_TOKEN": fake.token,
        "WORKER_MAX_RUN_TIME": str(LEASE_SECONDS),
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        command = [sys.executable, "-m", "betterform_site", "process_tasks", "--sleep", "0.1"]
        log = tmp_path / f"worker-{len(started)}.log"
        started.append(children.spawn(command, log=log, env=env))  # a process group of its own
        return started[-1]

    yield start
    for log in sorted(tmp_path.glob("worker-*.log")):  # shown by pytest when a test failed
        print(f"--- {log.name}\n{log.read_text()[-3000:]}")
    children.stop(*started, grace=30)


def _event_reader(site_env, event_id: int):
    database = site_env["DATABASE_URL"].removeprefix("sqlite:///")

    def read() -> tuple[str, str, int]:
        with sqlite3.connect(database, timeout=20) as connection:
            return connection.execute(
                "SELECT status, stage, attempts FROM monday_integration_webhookevent WHERE id = ?",
                (event_id,),
            ).fetchone()

    return read


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


def _assert_one_pdf_and_one_ready_update(fake, item_id: str) -> None:
    item = fake.item(item_id)
    uploads = [r for r in fake.requests if "add_file_to_column" in r.fields]
    assert len({r.idempotency_key for r in uploads}) == 1, "one upload, however often sent"
    assert len(item.files) == 1, item.files
    assert len([u for u in item.updates if "is ready" in u.body]) == 1, item.updates
    assert item.label("status") == "Quote ready"


def test_two_workers_and_a_slow_monday_give_one_pdf_and_one_update(
    fake, queued_event, start_worker, site_env
):
    event_id, item_id = queued_event
    read = _event_reader(site_env, event_id)
    fake.faults.slow(SLOW_SECONDS, times=None)
    start_worker()
    start_worker()
    _wait_for(lambda: read()[0] in ("done", "failed"), timeout=120)
    status, _, attempts = read()
    assert (status, attempts) == ("done", 1)
    _assert_one_pdf_and_one_ready_update(fake, item_id)


def test_a_worker_killed_mid_sync_is_taken_over_and_the_sync_completes_once(
    fake, queued_event, start_worker, site_env
):
    event_id, item_id = queued_event
    read = _event_reader(site_env, event_id)
    fake.faults.slow(SLOW_SECONDS, times=None)
    first = start_worker()
    _wait_for(lambda: read()[1] == "upload", timeout=120)
    time.sleep(SLOW_SECONDS / 2)  # the upload is on its way to monday
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert read()[0] == "processing"

    start_worker()
    _wait_for(lambda: read()[0] in ("done", "failed"), timeout=120)
    status, _, attempts = read()
    assert (status, attempts) == ("done", 2)
    _assert_one_pdf_and_one_ready_update(fake, item_id)
