"""Scenario ``worker``: SIGKILL the task worker mid-render; the document still ends ``done``
exactly once, after the task lock (``WORKER_MAX_RUN_TIME``) expires, with one file."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

from suites.faults_common import (
    Row,
    api,
    document_status,
    keep_logs,
    note,
    wait_rendered,
    wait_until,
)
from suites.live import running_system

NAME = "worker"
LOCK_SECONDS = 5  # WORKER_MAX_RUN_TIME: a dead worker's task is run again after this
PAGES = 48  # under CREATEPDF_MAX_PAGES (50); a few seconds of WeasyPrint to kill the worker in
SLOW_TEMPLATE = (
    "{% for n in range(pages) %}<section style='break-after: page'><h1>Page {{ n }}</h1>"
    "{% for i in range(14) %}<p>{{ filler }} {{ i }}</p>{% endfor %}</section>{% endfor %}"
)


def run(_options) -> list[Row]:
    rows: list[Row] = []
    env = {"WORKER_MAX_RUN_TIME": str(LOCK_SECONDS)}
    with running_system(env=env, web_workers=1, task_workers=1) as system:
        try:
            rows += _kill_mid_render(system)
        finally:
            keep_logs(system, NAME)
    return rows


def _kill_mid_render(system) -> list[Row]:
    note(NAME, "system up; requesting a slow document")
    with api(system, "staff") as staff, api(system, "rep_a") as rep:
        created = staff.post(
            "/api/pdf/templates/",
            json={"slug": "fault-slow", "name": "Slow (faults suite)", "html": SLOW_TEMPLATE},
        )
        created.raise_for_status()
        context = {"pages": PAGES, "filler": "lorem ipsum dolor sit amet " * 3}
        answer = rep.post(
            "/api/pdf/documents/", json={"template": "fault-slow", "context": context}
        )
        answer.raise_for_status()
        document_id = answer.json()["id"]

        worker = system.processes[-1]
        wait_until(
            lambda: document_status(rep, document_id)["status"] == "rendering",
            "the render to start",
            60,
            step=0.05,
        )
        time.sleep(0.5)  # well inside the render, not at its first instruction
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = time.monotonic()
        after_kill = document_status(rep, document_id)
        note(NAME, f"worker killed while {after_kill['status']}; starting another")
        system.start_worker()
        document = wait_rendered(rep, document_id, timeout=120)
        resumed = time.monotonic() - killed_at
        listed = rep.get("/api/pdf/documents/").json()
        download = rep.get(f"/api/pdf/documents/{document_id}/download/")

    media = Path(system.env["BETTERFORM_DATA_DIR"], "test-media")
    stored = [path for path in media.rglob("*") if path.is_file()]
    sha = hashlib.sha256(stored[0].read_bytes()).hexdigest() if len(stored) == 1 else ""
    return [
        Row(
            NAME,
            "killed while rendering (not done yet)",
            f"status at kill {after_kill['status']}",
            after_kill["status"] == "rendering",
        ),
        Row(
            NAME,
            "the next worker finishes it after the lock expiry",
            f"done {resumed:.1f} s after SIGKILL (lock {LOCK_SECONDS} s), "
            f"attempts {document['attempts']}, pages {document['pages']}",
            document["status"] == "done"
            and resumed >= LOCK_SECONDS
            and document["attempts"] >= 2
            and document["pages"] == PAGES,
        ),
        Row(
            NAME,
            "exactly once: one document, one file, the file is the download",
            f"documents {listed['count']}, files {len(stored)}, "
            f"download {download.status_code} {len(download.content)} B",
            listed["count"] == 1
            and len(stored) == 1
            and download.status_code == 200
            and sha == document["sha256"] == hashlib.sha256(download.content).hexdigest(),
        ),
    ]
