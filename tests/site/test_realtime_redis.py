"""Real time through Redis, against the real system: uvicorn web processes, a ``process_tasks``
worker in a process of its own, python-socketio clients and a real Redis server.

Redis pub/sub ignores the db number in ``REDIS_URL``, so every test publishes on a channel of its
own (``REALTIME_CHANNEL``): tests running in parallel on one Redis never see each other's events.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import socketio

from suites import processes as children

pytestmark = [pytest.mark.redis, pytest.mark.slow]

TIMEOUT = 60  # seconds any one awaited event or answer may take (a busy 2-CPU host is slow)
# After Redis comes back, the web process's listener retries after 1, 2, 4, 8... seconds
# (python-socketio's AsyncRedisManager): a few doublings fit in this, with room for a slow host.
RECONNECT_TIMEOUT = 90
# Redis stays down at least this long: the listener's retries fail a few times (1 s, 2 s, 4 s
# apart) rather than finding it back at the first one.
OUTAGE_SECONDS = 6
PASSWORD = "live-site-password"  # what the live_site fixture's create_users sets
DOCUMENT_EVENTS = ["document.queued", "document.rendering", "document.done"]


def shared_redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_env(url: str) -> dict[str, str]:
    return {"REDIS_URL": url, "REALTIME_CHANNEL": f"betterform-test-{uuid.uuid4().hex}"}


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def subscribers(url: str, channel: str) -> int:
    """How many connections listen on ``channel``: one per web process once it listens."""
    with redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as client:
        try:
            return dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)
        except redis.ConnectionError:
            return 0


def wait_for_listeners(env: dict[str, str], count: int, timeout: float = TIMEOUT) -> None:
    """A web process subscribes after its first client connects, in the background: an event
    published before that is lost, so wait for ``count`` web processes to listen."""
    url, channel = env["REDIS_URL"], env["REALTIME_CHANNEL"]
    wait_until(
        lambda: subscribers(url, channel) == count, f"{count} listener(s) on {channel}", timeout
    )


class Listener:
    """A real ``socketio.Client`` that records every event it receives, in order."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(
            base_url, auth={"token": token}, transports=["websocket"], wait_timeout=TIMEOUT
        )

    def _record(self, event: str, data: Any = None) -> None:
        with self.changed:
            self.events.append((event, data))
            self.changed.notify_all()

    def about(self, document_id: int) -> list[tuple[str, Any]]:
        return [
            (event, data)
            for event, data in list(self.events)
            if event.startswith("document.") and data.get("id") == document_id
        ]

    def wait_for(self, document_id: int, event: str, timeout: float = TIMEOUT) -> bool:
        """True once ``event`` arrived for the document; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while event not in [name for name, _ in self.about(document_id)]:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def document_events(self, document_id: int) -> list[tuple[str, Any]]:
        """The document's events up to ``document.done``; fails with what did arrive."""
        arrived = self.wait_for(document_id, "document.done")
        assert arrived, f"{self.base_url}: no document.done for {document_id}: {self.events}"
        return self.about(document_id)

    def disconnect(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def listen() -> Iterator[Callable[[str, str], Listener]]:
    """``listen(base_url, token)`` connects a client; all are disconnected afterwards."""
    connected: list[Listener] = []

    def connect(base_url: str, token: str) -> Listener:
        connected.append(Listener(base_url, token))
        return connected[-1]

    yield connect
    for listener in connected:
        listener.disconnect()


def api(base_url: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT)


def request_report(client: httpx.Client) -> int:
    """POST a report with a context of its own (an identical one would answer its twin)."""
    sample = files("createpdf") / "document_templates" / "report.json"
    context = {**json.loads(sample.read_text()), "title": f"Report {uuid.uuid4().hex[:8]}"}
    response = client.post("/api/pdf/documents/", json={"template": "report", "context": context})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def wait_until_rendered(client: httpx.Client, document_id: int) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def done() -> bool:
        found.update(client.get(f"/api/pdf/documents/{document_id}/").json())
        assert found["status"] != "failed", found
        return found["status"] == "done"

    wait_until(done, f"document {document_id} to be rendered")
    return found


def assert_rendered_with_events(listener: Listener, client: httpx.Client, document_id: int):
    events = listener.document_events(document_id)
    assert [name for name, _ in events] == DOCUMENT_EVENTS, events
    done = events[-1][1]
    assert done["download_url"] == f"/api/pdf/documents/{document_id}/download/", done
    download = client.get(done["download_url"])
    assert download.status_code == 200, download.text
    assert download.content.startswith(b"%PDF-")


def start_web(site: Any, port: int) -> str:
    """Another uvicorn on the site's database and Redis channel; its base URL."""
    process = site.spawn(
        "-m",
        "uvicorn",
        "betterform_site.asgi:application",
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    )
    base_url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, f"uvicorn exited: {site.logs()}"
        try:
            return httpx.get(f"{base_url}/healthz", timeout=2).status_code in (200, 503)
        except httpx.HTTPError:
            return False

    wait_until(up, f"uvicorn on port {port}", timeout=60)
    return base_url


class RedisServer:
    """A ``redis-server`` of this test's own, on a port of its own, which it may kill."""

    def __init__(self, directory: Path) -> None:
        self.port = unused_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = children.spawn(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self.answers, f"redis-server on port {self.port}", timeout=15)
        return self

    def answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, (
            self.directory / "redis.log"
        ).read_text()
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash would; the server can be started again on the same port."""
        if self.process is not None:
            children.kill(self.process)
        self.process = None

    def keys(self, pattern: str) -> list[bytes]:
        with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
            return client.keys(pattern)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("the Redis outage test starts a redis-server of its own; none is installed")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory).start()
    yield server
    server.kill()


def test_worker_events_reach_the_client_in_order_through_redis(live_site, listen):
    env = redis_env(shared_redis_url())
    site = live_site(env=env)
    tokens = site.create_users("alice")
    site.start_worker()
    alice = listen(site.base_url, tokens["alice"])
    wait_for_listeners(env, 1)

    with api(site.base_url, tokens["alice"]) as client:
        document_id = request_report(client)
        assert_rendered_with_events(alice, client, document_id)


def test_an_event_from_any_process_reaches_clients_on_every_web_process(live_site, listen):
    env = redis_env(shared_redis_url())
    site = live_site(env=env)
    tokens = site.create_users("alice")
    other_url = start_web(site, unused_port())
    site.start_worker()
    on_first = listen(site.base_url, tokens["alice"])
    on_other = listen(other_url, tokens["alice"])
    wait_for_listeners(env, 2)

    # Requested on the first web process (queued comes from there), rendered by the worker.
    with api(site.base_url, tokens["alice"]) as client:
        first_id = request_report(client)
        assert_rendered_with_events(on_other, client, first_id)
        assert_rendered_with_events(on_first, client, first_id)
    # And the other way round: requested on the other web process.
    with api(other_url, tokens["alice"]) as client:
        other_id = request_report(client)
        assert_rendered_with_events(on_first, client, other_id)
        assert_rendered_with_events(on_other, client, other_id)


def test_the_site_keeps_working_while_redis_is_down_and_events_resume_after(
    private_redis, live_site, listen
):
    # Development settings: the cache (throttle counters) lives in this Redis too.
    env = {**redis_env(private_redis.url), "DJANGO_ENV": "development"}
    site = live_site(env=env)
    tokens = site.create_users("alice")
    site.start_worker()
    alice = listen(site.base_url, tokens["alice"])
    wait_for_listeners(env, 1)
    login = {"username": "alice", "password": PASSWORD}

    with api(site.base_url, tokens["alice"]) as client, api(site.base_url) as anonymous:
        assert anonymous.post("/api/auth/token/login/", json=login).status_code == 200
        assert private_redis.keys("*throttle_login*"), "the throttle counters are not in Redis"
        assert_rendered_with_events(alice, client, request_report(client))

        private_redis.kill()
        killed_at = time.monotonic()
        during_outage = request_report(client)
        listed = client.get("/api/pdf/documents/")
        assert listed.status_code == 200, listed.text
        assert during_outage in [document["id"] for document in listed.json()["results"]]
        logged_in = anonymous.post("/api/auth/token/login/", json=login)
        assert logged_in.status_code == 200, logged_in.text
        assert logged_in.json()["auth_token"]
        wait_until_rendered(client, during_outage)
        assert client.get(f"/api/pdf/documents/{during_outage}/download/").status_code == 200
        assert alice.client.connected, "the Redis outage cut the client's WebSocket"
        late = listen(site.base_url, tokens["alice"])  # connecting needs no Redis either
        time.sleep(max(0.0, killed_at + OUTAGE_SECONDS - time.monotonic()))

        private_redis.start()
        wait_for_listeners(env, 1, timeout=RECONNECT_TIMEOUT)
        probe = None
        deadline = time.monotonic() + RECONNECT_TIMEOUT
        while probe is None:
            assert time.monotonic() < deadline, f"no event after Redis came back: {site.logs()}"
            document_id = request_report(client)
            probe = document_id if alice.wait_for(document_id, "document.queued", 3) else None
        assert_rendered_with_events(alice, client, probe)
        assert_rendered_with_events(late, client, probe)
        assert anonymous.post("/api/auth/token/login/", json=login).status_code == 200
        assert private_redis.keys("*throttle_login*"), "the cache did not go back to Redis"
