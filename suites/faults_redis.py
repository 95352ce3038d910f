"""Scenario ``redis``: a private Redis (cache and real-time channel) killed and restarted.

While it is down the REST API answers (login, listing, requesting a document) and the worker
renders; the Socket.IO client stays connected; once Redis is back the web process listens
again and the client receives events again.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import socketio

from suites.faults_common import (
    Row,
    api,
    keep_logs,
    note,
    private_redis,
    request_report,
    wait_rendered,
    wait_until,
)
from suites.live import PASSWORD, System, running_system

NAME = "redis"
OUTAGE_SECONDS = 6  # the listener's reconnect retries fail a few times before Redis is back
RECONNECT_BAR = 60  # seconds after the restart by which events arrive again
DOCUMENT_EVENTS = ["document.queued", "document.rendering", "document.done"]


class Listener:
    """A python-socketio client that records every event it receives."""

    def __init__(self, base_url: str, token: str) -> None:
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(base_url, auth={"token": token}, transports=["websocket"])

    def _record(self, event: str, data: Any = None) -> None:
        with self.changed:
            self.events.append((event, data))
            self.changed.notify_all()

    def names(self, document_id: int) -> list[str]:
        return [
            name
            for name, data in list(self.events)
            if name.startswith("document.")
            and isinstance(data, dict)
            and data.get("id") == document_id
        ]

    def wait_for(self, document_id: int, event: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while event not in self.names(document_id):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True


def run(_options) -> list[Row]:
    channel = f"betterform-faults-{uuid.uuid4().hex}"
    with private_redis() as redis_server:
        # Development settings: the cache (throttle counters) lives in this Redis too.
        env = {
            "REDIS_URL": redis_server.url,
            "REALTIME_CHANNEL": channel,
            "DJANGO_ENV": "development",
        }
        with running_system(env=env, web_workers=1) as system:
            try:
                return _outage(system, redis_server, channel)
            finally:
                keep_logs(system, NAME)


def _outage(system: System, redis_server, channel: str) -> list[Row]:
    listener = Listener(system.base_url, system.principals["tokens"]["rep_a"])
    login = {"username": "rep_a", "password": PASSWORD}
    try:
        wait_until(lambda: redis_server.subscribers(channel) == 1, "the web process to listen", 60)
        with api(system, "rep_a") as client, api(system, "anonymous") as anonymous:
            before = request_report(client)
            wait_rendered(client, before)
            events_before = listener.wait_for(before, "document.done", 30)

            note(NAME, "system up, events flow; killing Redis")
            redis_server.kill()
            killed = time.monotonic()
            during = request_report(client)
            listed = client.get("/api/pdf/documents/")
            logged_in = anonymous.post("/api/auth/token/login/", json=login)
            document = wait_rendered(client, during)
            rendered_in = time.monotonic() - killed
            download = client.get(f"/api/pdf/documents/{during}/download/")
            connected = listener.client.connected
            time.sleep(max(0.0, killed + OUTAGE_SECONDS - time.monotonic()))

            note(NAME, "restarting Redis")
            redis_server.start()
            restarted = time.monotonic()
            probe, probes = None, 0
            while probe is None and time.monotonic() < restarted + RECONNECT_BAR:
                probes += 1
                candidate = request_report(client)
                probe = candidate if listener.wait_for(candidate, "document.queued", 3) else None
            resumed = time.monotonic() - restarted
            probe_events = []
            if probe is not None:
                listener.wait_for(probe, "document.done", 60)
                probe_events = listener.names(probe)
    finally:
        listener.client.disconnect()
    return [
        Row(NAME, "events before the outage", ", ".join(listener.names(before)), events_before),
        Row(
            NAME,
            "REST API while Redis is down",
            f"request 202, list {listed.status_code}, login {logged_in.status_code}",
            listed.status_code == 200
            and during in [d["id"] for d in listed.json()["results"]]
            and logged_in.status_code == 200,
        ),
        Row(
            NAME,
            "worker renders while Redis is down",
            f"document {document['status']} {rendered_in:.1f} s after the kill, "
            f"download {download.status_code}",
            document["status"] == "done" and download.status_code == 200,
        ),
        Row(NAME, "Socket.IO client stays connected", f"connected {connected}", connected),
        Row(
            NAME,
            "events resume after the restart",
            f"first event {resumed:.1f} s after the restart ({probes} probe documents, bar "
            f"{RECONNECT_BAR} s); probe events: {', '.join(probe_events) or 'none'}",
            probe is not None and probe_events == DOCUMENT_EVENTS,
        ),
    ]
