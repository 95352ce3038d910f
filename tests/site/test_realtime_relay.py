"""Without Redis each web process relays the ``RealtimeEvent`` outbox (``realtime.relay``):
every row once, in id order, to its rooms only; old rows are pruned.

A real uvicorn serves the site's ASGI app (Django + Socket.IO) in a thread of this test
process, on the test database, and real python-socketio clients connect to it.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
import uvicorn
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application
from django.db import connection, connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from betterform import services as quotes
from betterform_site.models import RealtimeEvent
from betterform_site.realtime import relay
from betterform_site.realtime.messages import Message
from betterform_site.realtime.publishers import DatabasePublisher, get_publisher
from betterform_site.realtime.server import mount

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TIMEOUT = 15  # seconds for any one event to arrive
QUIET = 1.5  # seconds (several polls) in which nothing more may arrive


class Site:
    """``server.mount(Django)`` served by uvicorn on a thread with its own event loop."""

    def __init__(self, port: int) -> None:
        self.app = mount(get_asgi_application())
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def database_relay(self) -> relay.DatabaseRelay:
        return self.app.engineio_server.namespace_handlers["/"].relay

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.server.serve()

    def start(self) -> Site:
        self.thread.start()
        deadline = time.monotonic() + TIMEOUT
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Close the database connections the server's threads opened (a PostgreSQL test
        database cannot be dropped while they live), then stop uvicorn and the relay."""
        if self.thread.is_alive() and self.loop is not None:
            closing = sync_to_async(connections.close_all)()  # the thread-sensitive one
            asyncio.run_coroutine_threadsafe(closing, self.loop).result(TIMEOUT)
        self.server.should_exit = True
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "uvicorn did not stop"
        self.database_relay.executor.submit(connections.close_all).result(TIMEOUT)
        self.database_relay.executor.shutdown()


class Listener:
    """A real ``socketio.Client`` recording every event it receives, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.client.on("*", self._record)

    def _record(self, event: str, data: Any = None) -> None:
        with self.changed:
            self.events.append((event, data))
            self.changed.notify_all()

    def numbers(self) -> list[int]:
        return [data["n"] for event, data in list(self.events) if event == "test.event"]

    def wait_for(self, found: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while not found():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name} never got {what}; got {self.events}")
                self.changed.wait(left)


@pytest.fixture(autouse=True)
def outbox(settings) -> Iterator[None]:
    """The database outbox and relay, even where the environment sets ``REDIS_URL`` (CI)."""
    settings.REALTIME_REDIS_URL = ""
    get_publisher.cache_clear()
    yield
    get_publisher.cache_clear()


@pytest.fixture
def site(transactional_db, free_port) -> Iterator[Site]:
    running = Site(free_port).start()
    yield running
    running.stop()


@pytest.fixture
def listen(site, django_user_model) -> Iterator[Callable[..., Listener]]:
    """``listen(name, staff=False)``: a user with a token and a client connected as them."""
    listeners: list[Listener] = []

    def connect(name: str, *, staff: bool = False) -> Listener:
        user = django_user_model.objects.create_user(name, is_staff=staff)
        listener = Listener(name)
        listener.user = user  # type: ignore[attr-defined]
        listener.client.connect(
            site.url, auth={"token": Token.objects.create(user=user).key}, wait_timeout=TIMEOUT
        )
        listeners.append(listener)
        return listener

    yield connect
    for listener in listeners:
        listener.client.disconnect()


def publish(n: int, *rooms: str) -> None:
    DatabasePublisher().publish(Message("test.event", {"n": n}, rooms))


def test_each_row_reaches_the_clients_in_its_rooms_once_in_id_order(listen):
    staff, rep = listen("staff", staff=True), listen("rep")
    rep_room = f"user:{rep.user.pk}"
    quote = quotes.create_quote(title="Kitchen", owner=rep.user)
    followed = staff.client.call("subscribe", {"type": "quote", "id": quote.pk}, timeout=TIMEOUT)
    assert followed["ok"], followed
    for listener in (staff, rep):  # quote.created is announced too; not this test's business
        listener.wait_for(lambda who=listener: "quote.created" in dict(who.events), "quote.created")
        listener.events.clear()

    publish(1, "staff")
    publish(2, rep_room, "staff", f"quote:{quote.pk}")  # staff is in two of these rooms
    publish(3, rep_room)
    for n in range(4, 13):
        publish(n, rep_room, "staff")
    publish(13, f"user:{staff.user.pk}")

    staff.wait_for(lambda: 13 in staff.numbers(), "event 13")
    rep.wait_for(lambda: 12 in rep.numbers(), "event 12")
    time.sleep(QUIET)  # later polls still see these rows (they look back): nothing twice
    assert staff.numbers() == [1, 2, *range(4, 13), 13]
    assert rep.numbers() == [2, 3, *range(4, 13)]
    assert {event for event, _ in staff.events + rep.events} == {"test.event"}


def test_events_the_apps_announce_reach_the_owner_through_the_relay(listen):
    rep, other = listen("rep"), listen("other")

    quote = quotes.create_quote(title="Kitchen", owner=rep.user)

    rep.wait_for(lambda: "quote.created" in dict(rep.events), "quote.created")
    assert dict(rep.events)["quote.created"]["id"] == quote.pk
    time.sleep(QUIET)
    assert other.events == []


def test_rows_written_before_the_relay_started_are_not_replayed(site, django_user_model):
    publish(1, "staff")  # e.g. a restart: these clients have reloaded the state instead
    time.sleep(0.05)
    staff = Listener("staff")
    user = django_user_model.objects.create_user("staff", is_staff=True)
    staff.client.connect(site.url, auth={"token": Token.objects.create(user=user).key})
    try:
        publish(2, "staff")
        staff.wait_for(lambda: 2 in staff.numbers(), "event 2")
        time.sleep(QUIET)
        assert staff.numbers() == [2]
    finally:
        staff.client.disconnect()


def test_a_row_that_commits_after_a_later_one_is_still_delivered(listen):
    """On PostgreSQL a lower id can become visible after a higher one was relayed."""
    staff = listen("staff", staff=True)
    time.sleep(1)  # both rows below are newer than the relay's start
    now = timezone.now()
    RealtimeEvent.objects.create(
        id=1000, event="test.event", data={"n": 2}, rooms=["staff"], created_at=now
    )
    staff.wait_for(lambda: 2 in staff.numbers(), "event 2")

    earlier = now - datetime.timedelta(milliseconds=500)
    RealtimeEvent.objects.create(
        id=999, event="test.event", data={"n": 1}, rooms=["staff"], created_at=earlier
    )

    staff.wait_for(lambda: 1 in staff.numbers(), "the late row")
    time.sleep(QUIET)
    assert staff.numbers() == [2, 1]


def test_rows_older_than_the_retention_are_pruned(listen, settings, monkeypatch):
    settings.REALTIME_OUTBOX_RETENTION = 60
    monkeypatch.setattr(relay, "PRUNE_EVERY", datetime.timedelta(0))
    now = timezone.now()
    old = [now - datetime.timedelta(seconds=age) for age in (3600, 61)]
    kept = [now - datetime.timedelta(seconds=age) for age in (59, 1)]
    for created_at in [*old, *kept]:
        RealtimeEvent.objects.create(event="old", data={}, rooms=["staff"], created_at=created_at)

    staff = listen("staff", staff=True)  # the relay starts with the first connection
    publish(1, "staff")
    staff.wait_for(lambda: 1 in staff.numbers(), "event 1")

    deadline = time.monotonic() + TIMEOUT
    while RealtimeEvent.objects.filter(created_at__in=old).exists():
        assert time.monotonic() < deadline, "old rows were not pruned"
        time.sleep(0.1)
    assert RealtimeEvent.objects.filter(created_at__in=kept).count() == 2
    assert RealtimeEvent.objects.filter(data__n=1).exists(), "a delivered row stays a while"
    assert staff.numbers() == [1], "pruned or not, old rows are never sent"


def test_the_relay_keeps_polling_while_the_outbox_is_unreadable(listen, caplog):
    staff = listen("staff", staff=True)
    publish(1, "staff")
    staff.wait_for(lambda: 1 in staff.numbers(), "event 1")
    table = RealtimeEvent._meta.db_table

    with caplog.at_level(logging.WARNING, "betterform_site.realtime.relay"):
        with connection.schema_editor() as editor:  # renamed, not dropped: ids carry on
            editor.alter_db_table(RealtimeEvent, table, f"{table}_away")
        try:
            deadline = time.monotonic() + TIMEOUT
            while "cannot read the outbox" not in caplog.text:
                assert time.monotonic() < deadline, "the relay never noticed the missing table"
                time.sleep(0.05)
        finally:
            with connection.schema_editor() as editor:
                editor.alter_db_table(RealtimeEvent, f"{table}_away", table)

    publish(2, "staff")
    staff.wait_for(lambda: 2 in staff.numbers(), "event 2, after the outage")
    assert staff.numbers() == [1, 2]


def test_a_row_without_rooms_reaches_nobody(listen):
    staff, rep = listen("staff", staff=True), listen("rep")

    publish(1)
    publish(2, "staff")

    staff.wait_for(lambda: 2 in staff.numbers(), "event 2")
    time.sleep(QUIET)
    assert rep.numbers() == []
    assert staff.numbers() == [2]
