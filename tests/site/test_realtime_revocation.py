"""Access that ends while a client is connected, against the real system: uvicorn, real
``socketio.Client``s, and the changes made from other processes (the REST API's logout, the
admin's logout, a ``manage.py shell``), with events through the database outbox and Redis.

A client whose grant ends receives ``access.revoked`` ``{"reason", "message"}`` and is
disconnected; one whose grant holds keeps receiving.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from typing import Any

import httpx
import pytest
import redis
import socketio

pytestmark = pytest.mark.slow

TIMEOUT = 30  # seconds any one awaited answer may take
PASSWORD = "live-site-password"  # what the live_site fixture's create_users sets
LINE = {"description": "Cabinets", "quantity": "2", "unit_price": "1250.00", "tax_rate": "21"}
# Django signals make every web process re-check at once; the periodic re-check is made too
# slow to matter here, so only the signals can pass these tests.
SIGNALS_ONLY = {"REALTIME_ACCESS_RECHECK": "600"}
SIGNAL_BOUND = 10  # seconds: outbox poll or Redis, plus a busy 2-core host
RECHECK = 1  # seconds between periodic re-checks in the test without signals


class Listener:
    """A real ``socketio.Client`` that records its events and when it was disconnected."""

    def __init__(self, base_url: str, name: str, **kwargs: Any) -> None:
        self.name = name
        self.events: list[tuple[str, Any]] = []
        self.disconnected = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.on("disconnect", self._gone)
        kwargs.setdefault("transports", ["websocket"])
        self.client.connect(base_url, wait_timeout=TIMEOUT, **kwargs)

    def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))

    def _gone(self, *args: Any) -> None:
        self.disconnected.set()

    def revoked_for(self, timeout: float) -> str:
        """The ``access.revoked`` reason, once the server has also disconnected the client."""
        assert self.disconnected.wait(timeout), f"{self.name} still connected: {self.events}"
        revoked = [data for event, data in self.events if event == "access.revoked"]
        assert len(revoked) == 1, f"{self.name}: {self.events}"
        assert self.events[-1][0] == "access.revoked", "an event after access.revoked"
        assert set(revoked[0]) == {"reason", "message"}
        return revoked[0]["reason"]

    def call(self, name: str, data: Any = None) -> Any:
        return self.client.call(name, data, timeout=TIMEOUT)

    def disconnect(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def connected() -> Any:
    listeners: list[Listener] = []

    def connect(base_url: str, name: str, **kwargs: Any) -> Listener:
        listeners.append(Listener(base_url, name, **kwargs))
        return listeners[-1]

    yield connect
    for listener in listeners:
        listener.disconnect()


def admin_browser(base_url: str, username: str) -> httpx.Client:
    """An httpx client logged in through the admin login form (CSRF included)."""
    browser = httpx.Client(base_url=base_url, timeout=TIMEOUT)
    page = browser.get("/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    dashboard = browser.post(
        "/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD},
        headers={"Referer": f"{base_url}/admin/login/"},
        follow_redirects=True,
    )
    assert "Operations dashboard" in dashboard.text  # the admin's index_title, dashboard.text
    return browser


def admin_logout(browser: httpx.Client, base_url: str) -> None:
    page = browser.get("/admin/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    logged_out = browser.post(
        "/admin/logout/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base_url}/admin/"},
    )
    assert logged_out.status_code == 200, logged_out.text
    assert "Logged out" in logged_out.text


def api(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=TIMEOUT
    )


def shell(manage: Any, env: dict[str, str], code: str) -> None:
    """Python in a ``manage.py shell`` process of its own (another process than the server)."""
    prelude = (
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "User = get_user_model()\n"
    )
    result = manage("shell", "-v", "0", "-c", prelude + code, env=env)
    assert result.returncode == 0, result.stderr


def wait_for_redis_listener(env: dict[str, str]) -> None:
    """The web process subscribes after its first client connects; a message before is lost."""
    if "REDIS_URL" not in env:
        return
    channel = env["REALTIME_CHANNEL"]
    with redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=1) as client:
        deadline = time.monotonic() + TIMEOUT
        while dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) < 1:
            assert time.monotonic() < deadline, f"nobody listens on {channel}"
            time.sleep(0.1)


@pytest.fixture(params=["outbox", pytest.param("redis", marks=pytest.mark.redis)])
def transport_env(request) -> dict[str, str]:
    if request.param == "outbox":
        return {}
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    return {"REDIS_URL": url, "REALTIME_CHANNEL": f"betterform-test-{uuid.uuid4().hex}"}


def test_every_way_a_grant_ends_through_django_disconnects_the_client_with_its_reason(
    live_site, manage, connected, transport_env
):
    env = {**transport_env, **SIGNALS_ONLY}
    site = live_site(env=env)
    names = ("alice", "bob", "carol", "dave", "erin", "frank")
    tokens = site.create_users(*names, staff=("boss", "chief"))
    chief_browser = admin_browser(site.base_url, "chief")
    url = site.base_url

    clients = {name: connected(url, name, auth={"token": tokens[name]}) for name in tokens}
    chief = connected(
        url, "chief", headers={"Cookie": f"sessionid={chief_browser.cookies['sessionid']}"}
    )
    wait_for_redis_listener(env)
    with api(url, tokens["alice"]) as alice_api:
        created = alice_api.post("/api/quotes/", json={"title": "Kitchen", "lines": [LINE]})
        assert created.status_code == 201, created.text
    quote = {"type": "quote", "id": created.json()["id"]}
    assert clients["alice"].call("state", quote)["ok"] is True
    assert clients["boss"].call("subscribe", quote)["ok"] is True

    with api(url, tokens["alice"]) as alice_api:  # the REST API's logout (djoser)
        assert alice_api.post("/api/auth/token/logout/").status_code == 204
    admin_logout(chief_browser, url)  # the admin's logout: the session cookie
    shell(  # and from another process than the server's
        manage,
        env,
        "bob = User.objects.get(username='bob'); bob.is_active = False; bob.save()\n"
        "User.objects.get(username='carol').delete()\n"
        "Token.objects.filter(user__username='dave').delete()\n"
        "boss = User.objects.get(username='boss'); boss.is_staff = False; boss.save()\n"
        "frank = User.objects.get(username='frank'); frank.first_name = 'F'; frank.save()\n",
    )

    assert clients["alice"].revoked_for(SIGNAL_BOUND) == "token-revoked", site.logs()
    assert chief.revoked_for(SIGNAL_BOUND) == "session-ended"
    assert clients["bob"].revoked_for(SIGNAL_BOUND) == "account-inactive"
    assert clients["carol"].revoked_for(SIGNAL_BOUND) == "account-deleted"
    assert clients["dave"].revoked_for(SIGNAL_BOUND) == "token-revoked"
    assert clients["boss"].revoked_for(SIGNAL_BOUND) == "staff-changed"
    # a change that ends nothing (frank), or another user's, leaves a client connected
    for name in ("erin", "frank"):
        assert clients[name].client.connected, name
        assert clients[name].call("state", quote)["ok"] is False  # alice's: not theirs
        assert [event for event, _ in clients[name].events] == []

    # the revoked credentials connect no more; the quote's events reach nobody revoked
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(url, "alice again", auth={"token": tokens["alice"]})
    with api(url, tokens["boss"]) as boss_api:  # boss reconnects with what a rep may see
        assert boss_api.get(f"/api/quotes/{quote['id']}/").status_code == 404
    boss = connected(url, "boss again", auth={"token": tokens["boss"]})
    assert boss.call("state", quote)["ok"] is False


def test_a_lookup_is_refused_as_soon_as_the_grant_has_ended_even_without_a_signal(
    live_site, manage, connected
):
    site = live_site(env=SIGNALS_ONLY)
    tokens = site.create_users("alice")
    alice = connected(site.base_url, "alice", auth={"token": tokens["alice"]})
    with api(site.base_url, tokens["alice"]) as alice_api:
        created = alice_api.post("/api/quotes/", json={"title": "Kitchen", "lines": [LINE]})
        assert created.status_code == 201, created.text
    quote = {"type": "quote", "id": created.json()["id"]}
    assert alice.call("state", quote)["ok"] is True

    # raw SQL: no Django signal, and the periodic re-check is minutes away
    shell(
        manage,
        {},
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('DELETE FROM authtoken_token')\n",
    )
    refused = alice.call("state", quote)
    assert refused == {
        "ok": False,
        "error": "the token was revoked (logged out or deleted): log in again for a new one",
    }
    assert alice.revoked_for(SIGNAL_BOUND) == "token-revoked"


def test_grants_ended_behind_djangos_back_are_found_by_the_periodic_recheck(
    live_site, manage, connected
):
    site = live_site(env={"REALTIME_ACCESS_RECHECK": str(RECHECK)})
    tokens = site.create_users("bob", "dave", "erin", staff=("boss", "chief"))
    chief_browser = admin_browser(site.base_url, "chief")
    url = site.base_url
    clients = {name: connected(url, name, auth={"token": tokens[name]}) for name in tokens}
    chief = connected(
        url, "chief", headers={"Cookie": f"sessionid={chief_browser.cookies['sessionid']}"}
    )

    # update() and raw SQL send no signal
    shell(
        manage,
        {},
        "from django.contrib.sessions.models import Session\n"
        "from django.db import connection\n"
        "User.objects.filter(username='bob').update(is_active=False)\n"
        "User.objects.filter(username='boss').update(is_staff=False)\n"
        "Session.objects.all()._raw_delete(Session.objects.db)\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('DELETE FROM authtoken_token WHERE user_id = "
        "(SELECT id FROM auth_user WHERE username = %s)', ['dave'])\n",
    )
    bound = RECHECK + SIGNAL_BOUND
    assert clients["bob"].revoked_for(bound) == "account-inactive", site.logs()
    assert clients["boss"].revoked_for(bound) == "staff-changed"
    assert clients["dave"].revoked_for(bound) == "token-revoked"
    assert chief.revoked_for(bound) == "session-ended"
    time.sleep(2 * RECHECK)  # a few more re-checks: the one whose grant holds stays
    assert clients["erin"].client.connected
    assert clients["erin"].events == []
