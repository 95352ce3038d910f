"""Real time against the real system: uvicorn serving Socket.IO, a ``process_tasks`` worker in a
process of its own, and python-socketio clients; events travel through the database outbox.

Each test starts one live site and groups the checks that can share it.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from typing import Any

import httpx
import pypdf
import pytest
import socketio

pytestmark = pytest.mark.slow

TIMEOUT = 30  # seconds any one awaited event or answer may take
PASSWORD = "live-site-password"  # what the live_site fixture's create_users sets
LINE = {"description": "Cabinets", "quantity": "2", "unit_price": "1250.00", "tax_rate": "21"}

Event = tuple[str, dict[str, Any]]


class Listener:
    """A real ``socketio.Client`` that records every event it receives, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.client = socketio.Client(reconnection=False)
        self.events: list[Event] = []
        self.connect_errors: list[Any] = []
        self.changed = threading.Condition()
        self.client.on("*", self._record)
        self.client.on("connect_error", self._refused)

    def _record(self, event: str, data: Any = None) -> None:
        with self.changed:
            self.events.append((event, data))
            self.changed.notify_all()

    def _refused(self, data: Any = None) -> None:
        self.connect_errors.append(data)

    def connect(self, base_url: str, **kwargs: Any) -> Listener:
        self.client.connect(base_url, wait_timeout=TIMEOUT, **kwargs)
        return self

    def call(self, name: str, data: Any = None) -> Any:
        return self.client.call(name, data, timeout=TIMEOUT)

    def wait_for(self, found: Callable[[list[Event]], bool], what: str) -> list[Event]:
        """Wait until ``found(events)`` holds; fails after ``TIMEOUT`` with what arrived."""
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while not found(self.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name} never got {what}; got {self.events}")
                self.changed.wait(left)
            return list(self.events)

    def about(self, kind: str, object_id: int) -> list[str]:
        """The names of the ``kind`` events received for one object, in order."""
        return [
            event
            for event, data in list(self.events)
            if event.startswith(f"{kind}.") and data.get("id") == object_id
        ]

    def wait_for_event(self, name: str, object_id: int) -> dict[str, Any]:
        events = self.wait_for(
            lambda events: any(e == name and d.get("id") == object_id for e, d in events),
            f"{name} for {object_id}",
        )
        return next(d for e, d in events if e == name and d.get("id") == object_id)

    def settle(self) -> None:
        """A round trip: an event emitted to this client before the answer arrives first
        (one socket, one queue), so what has not arrived by now was never sent."""
        self.call("state", None)

    def disconnect(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@contextmanager
def listeners(base_url: str, **auths: Any) -> Iterator[dict[str, Listener]]:
    """Connected listeners: ``name=token`` (a DRF token) or ``name={connect kwargs}``."""
    connected: dict[str, Listener] = {}
    try:
        for name, auth in auths.items():
            kwargs = auth if isinstance(auth, dict) else {"auth": {"token": auth}}
            connected[name] = Listener(name).connect(base_url, **kwargs)
        yield connected
    finally:
        for listener in connected.values():
            listener.disconnect()


def refusal(base_url: str, **kwargs: Any) -> Any:
    """What the server answers a connect it refuses (the ``connect_error`` data)."""
    listener = Listener("refused")
    with pytest.raises(socketio.exceptions.ConnectionError):
        listener.connect(base_url, **kwargs)
    listener.disconnect()
    assert listener.connect_errors, "refused without a connect_error"
    return listener.connect_errors[-1]


def api(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=TIMEOUT
    )


def report_context(title: str) -> dict[str, Any]:
    """The packaged "report" template's sample context with a title of our own."""
    sample = files("createpdf") / "document_templates" / "report.json"
    return {**json.loads(sample.read_text()), "title": title}


def request_report(client: httpx.Client, context: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/pdf/documents/", json={"template": "report", "context": context})
    assert response.status_code == 202, response.text
    return response.json()


def session_cookie(base_url: str, username: str) -> str:
    """Log in through the admin login form (CSRF included); the session cookie's header."""
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as browser:
        page = browser.get("/admin/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        dashboard = browser.post(
            "/admin/login/?next=/admin/",
            data={"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD},
            headers={"Referer": f"{base_url}/admin/login/"},
            follow_redirects=True,
        )
        assert "Operations dashboard" in dashboard.text  # the admin's index_title, dashboard.text
        return f"sessionid={browser.cookies['sessionid']}"


def test_a_client_must_authenticate_and_follows_only_what_the_rest_api_shows_it(live_site):
    site = live_site()  # no worker: documents stay queued
    tokens = site.create_users("alice", "bob", staff=("boss",))

    anonymous = refusal(site.base_url)
    assert "authentication required" in anonymous["message"]
    assert "auth={'token': '<key>'}" in anonymous["message"]
    assert "/api/auth/token/login/" in anonymous["message"]
    wrong = refusal(site.base_url, auth={"token": "0" * 40})
    assert wrong["message"] == "invalid token: log in again to get a new one"
    not_an_object = refusal(site.base_url, auth=tokens["alice"])
    assert "auth must be an object such as {'token': '<key>'}" in not_an_object["message"]

    with (
        api(site.base_url, tokens["alice"]) as alice_api,
        api(site.base_url, tokens["bob"]) as bob_api,
    ):
        mine = request_report(alice_api, report_context("Alice's report"))
        theirs = request_report(bob_api, report_context("Bob's report"))

    with listeners(site.base_url, **tokens) as connected:
        alice, boss = connected["alice"], connected["boss"]
        own = alice.call("subscribe", {"type": "document", "id": mine["id"]})
        assert own["ok"] is True
        assert own["room"] == f"document:{mine['id']}"
        assert own["state"]["event"] == "document.queued"
        assert own["state"]["data"]["id"] == mine["id"]
        assert own["state"]["data"]["status"] == "queued"
        assert own["state"]["data"]["download_url"] is None
        # state answers the same without joining; an id may come as a string, as in a URL
        assert alice.call("state", {"type": "document", "id": str(mine["id"])}) == own

        foreign = {"type": "document", "id": theirs["id"]}
        refused = {"ok": False, "error": f"no document {theirs['id']} that you can see"}
        assert alice.call("subscribe", foreign) == refused
        assert alice.call("state", foreign) == refused
        staff = boss.call("subscribe", foreign)
        assert staff["ok"] is True
        assert staff["state"]["event"] == "document.queued"
        assert staff["state"]["data"]["id"] == theirs["id"]

        missing = alice.call("subscribe", {"type": "document", "id": 999999})
        assert missing == {"ok": False, "error": "no document 999999 that you can see"}
        monday = alice.call("subscribe", {"type": "monday-event", "id": 1})
        assert monday == {"ok": False, "error": "no monday-event 1 that you can see"}

        example = "send an object such as {'type': 'document', 'id': 12}"
        invalid = [
            ("document", example),
            (None, example),
            ({"type": "invoice", "id": 1}, "type must be one of document, quote, monday-event"),
            ({"type": "document", "id": "twelve"}, "id must be an integer"),
            ({"type": "document", "id": True}, "id must be an integer"),
            ({"type": "document", "id": 1.5}, "id must be an integer"),
            ({"type": "document"}, "id must be an integer"),
        ]
        for data, error in invalid:
            assert alice.call("subscribe", data) == {"ok": False, "error": error}, data

        unsubscribed = alice.call("unsubscribe", {"type": "document", "id": mine["id"]})
        assert unsubscribed == {"ok": True, "room": f"document:{mine['id']}"}


def test_a_worker_in_another_process_announces_each_document_step_to_its_owner_only(live_site):
    site = live_site()
    tokens = site.create_users("alice", "bob")
    site.start_worker()
    marker = uuid.uuid4().hex[:8]

    with (
        listeners(site.base_url, **tokens) as connected,
        api(site.base_url, tokens["alice"]) as alice_api,
        api(site.base_url, tokens["bob"]) as bob_api,
    ):
        alice, bob = connected["alice"], connected["bob"]
        mine = request_report(alice_api, report_context(f"Alice's report {marker}"))
        theirs = request_report(bob_api, report_context(f"Bob's report {marker}"))
        broken_context = report_context("No subtitle")
        del broken_context["subtitle"]
        broken = request_report(alice_api, broken_context)

        done = alice.wait_for_event("document.done", mine["id"])
        failed = alice.wait_for_event("document.failed", broken["id"])
        bob.wait_for_event("document.done", theirs["id"])
        alice.settle()
        bob.settle()

        assert alice.about("document", mine["id"]) == [
            "document.queued",
            "document.rendering",
            "document.done",
        ], site.logs()
        assert bob.about("document", theirs["id"]) == [
            "document.queued",
            "document.rendering",
            "document.done",
        ]
        assert alice.about("document", broken["id"]) == [
            "document.queued",
            "document.rendering",
            "document.failed",
        ]
        assert alice.about("document", theirs["id"]) == []
        assert bob.about("document", mine["id"]) == []
        assert bob.about("document", broken["id"]) == []

        assert done["status"] == "done"
        assert done["download_url"] == f"/api/pdf/documents/{mine['id']}/download/"
        assert done["pages"] >= 1
        pdf = alice_api.get(done["download_url"])
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages
        )
        assert f"Alice's report {marker}" in text
        assert bob_api.get(done["download_url"]).status_code == 404

        assert failed["status"] == "failed"
        assert failed["download_url"] is None
        assert f"line {_line_of('subtitle')}: 'subtitle' is undefined" in failed["error"]
        assert (
            alice_api.get(f"/api/pdf/documents/{broken['id']}/").json()["error"] == failed["error"]
        )


def test_a_staff_session_follows_other_users_documents_and_a_reconnect_catches_up(live_site):
    site = live_site()  # the worker starts while alice is away
    tokens = site.create_users("alice", staff=("boss",))
    cookie = session_cookie(site.base_url, "boss")

    expired = refusal(site.base_url, headers={"Cookie": "sessionid=logged-out"})
    assert expired["message"] == "the session has expired or was logged out: log in again"
    # a page elsewhere cannot ride on the browser's cookie, over either transport
    evil = {"Cookie": cookie, "Origin": "http://evil.example"}
    assert refusal(site.base_url, headers=evil, transports=["polling"]) == (
        "http://evil.example is not an accepted origin."
    )
    refusal(site.base_url, headers=evil, transports=["websocket"])
    with listeners(
        site.base_url, boss={"headers": {"Cookie": cookie}, "transports": ["websocket"]}
    ):
        pass  # the same cookie over the same transport, from the site's own origin

    with (
        listeners(site.base_url, boss={"headers": {"Cookie": cookie}}) as staff,
        api(site.base_url, tokens["alice"]) as alice_api,
    ):
        boss = staff["boss"]
        with listeners(site.base_url, alice=tokens["alice"]) as away:
            document = request_report(alice_api, report_context("Rendered while away"))
            away["alice"].wait_for_event("document.queued", document["id"])
        boss.wait_for_event("document.queued", document["id"])

        site.start_worker()
        done = boss.wait_for_event("document.done", document["id"])
        assert boss.about("document", document["id"]) == [
            "document.queued",
            "document.rendering",
            "document.done",
        ]

        with listeners(site.base_url, alice=tokens["alice"]) as back:
            caught_up = back["alice"].call("state", {"type": "document", "id": document["id"]})
        truth = alice_api.get(f"/api/pdf/documents/{document['id']}/").json()
        assert truth["status"] == "done"
        assert caught_up["ok"] is True
        assert caught_up["state"]["event"] == "document.done"
        assert caught_up["state"]["data"]["status"] == "done"
        assert caught_up["state"]["data"]["download_url"] == done["download_url"]
        assert truth["download_url"].endswith(done["download_url"])
        assert alice_api.get(done["download_url"]).content.startswith(b"%PDF-")


def test_quote_events_reach_the_rep_who_owns_it_and_staff_but_no_other_rep(live_site):
    site = live_site()
    tokens = site.create_users("alice", "bob", staff=("boss",))

    with (
        listeners(site.base_url, **tokens) as connected,
        api(site.base_url, tokens["alice"]) as rep,
    ):
        alice, bob, boss = connected["alice"], connected["bob"], connected["boss"]
        created = rep.post("/api/quotes/", json={"title": "Kitchen", "lines": [LINE]})
        assert created.status_code == 201, created.text
        quote = created.json()
        patched = rep.patch(f"/api/quotes/{quote['id']}/", json={"title": "Kitchen and hall"})
        assert patched.status_code == 200, patched.text

        for listener in (alice, boss):
            new = listener.wait_for_event("quote.created", quote["id"])
            assert new["number"] == quote["number"]
            assert new["title"] == "Kitchen"
            assert new["total"] == quote["total"] == "3025.00"
            changed = listener.wait_for_event("quote.updated", quote["id"])
            assert changed["title"] == "Kitchen and hall"
            assert changed["total"] == patched.json()["total"]
            listener.settle()
            # one event per request: creating does not also announce an update
            assert listener.about("quote", quote["id"]) == ["quote.created", "quote.updated"]
        bob.settle()
        assert [event for event, _ in bob.events if event.startswith("quote.")] == []

        target = {"type": "quote", "id": quote["id"]}
        assert bob.call("subscribe", target) == {
            "ok": False,
            "error": f"no quote {quote['id']} that you can see",
        }
        followed = boss.call("subscribe", target)
        assert followed["ok"] is True
        assert followed["state"]["data"]["title"] == "Kitchen and hall"
        assert followed["state"]["data"]["total"] == patched.json()["total"]


def _line_of(name: str) -> int:
    """The line of createpdf's packaged report template that first uses ``name``."""
    template = files("createpdf") / "document_templates" / "report.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    return next(
        number
        for number, line in enumerate(lines, 1)
        if "{{ " + name in line or f"if {name}" in line
    )
