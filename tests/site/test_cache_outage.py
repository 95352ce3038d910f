"""With ``REDIS_URL`` set and Redis unreachable, the API keeps answering: the cache (django-redis
with ``IGNORE_EXCEPTIONS``) behaves as empty, so throttled endpoints answer instead of failing
with 500, and the real-time publisher drops its events instead of failing the request.

Nothing listens on the Redis port these tests use: they need no Redis server.
"""

from __future__ import annotations

import json
import logging
import runpy
import socket
import time
import uuid
from importlib.resources import files
from pathlib import Path

import httpx
import pytest
from django.core.cache import caches

import betterform_site.settings

PASSWORD = "correct-horse-battery-staple"
LIVE_SITE_PASSWORD = "live-site-password"  # what the live_site fixture's create_users sets
CACHE_COMPONENT = Path(betterform_site.settings.__file__).parent / "components" / "cache.py"


@pytest.fixture
def dead_redis_url() -> str:
    """A port nothing listens on: bound, then closed (not ``free_port``, which ``live_site``
    gives uvicorn)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


@pytest.fixture
def unreachable_redis_cache(settings, monkeypatch, dead_redis_url: str) -> None:
    """The cache exactly as ``settings/components/cache.py`` builds it for ``REDIS_URL``."""
    monkeypatch.setenv("REDIS_URL", dead_redis_url)
    component = runpy.run_path(str(CACHE_COMPONENT))
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = component["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"]
    settings.CACHES = component["CACHES"]  # pytest-django's settings reset the cache handlers


@pytest.mark.django_db
def test_throttled_endpoints_answer_while_the_cache_redis_is_unreachable(
    unreachable_redis_cache, api_client, django_user_model, caplog
):
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    django_user_model.objects.create_user("erin", "erin@example.com", PASSWORD)
    credentials = {"username": "erin", "password": PASSWORD}

    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        # Token login: the login (10/minute) and anonymous throttles.
        login = api_client.post("/api/auth/token/login/", credentials)
        assert login.status_code == 200, login.content
        wrong = api_client.post("/api/auth/token/login/", {**credentials, "password": "nope"})
        assert wrong.status_code == 400, wrong.content
        # The user throttle, on two apps' endpoints.
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['auth_token']}")
        me = api_client.get("/api/auth/users/me/")
        assert me.status_code == 200, me.content
        assert me.json()["username"] == "erin"
        assert api_client.get("/api/pdf/documents/").status_code == 200
    # A refused connection fails at once: no request waits for Redis.
    assert time.monotonic() - started < 10

    ignored = [record for record in caplog.records if record.name == "django_redis.cache"]
    assert ignored, "the cache never tried Redis: the test did not cut it off"


@pytest.mark.django_db
def test_without_redis_throttling_fails_open_rather_than_refusing(
    unreachable_redis_cache, api_client, django_user_model
):
    """The trade-off ``components/cache.py`` states: no counters until Redis is back."""
    django_user_model.objects.create_user("erin", "erin@example.com", PASSWORD)
    credentials = {"username": "erin", "password": PASSWORD}

    answers = [api_client.post("/api/auth/token/login/", credentials) for _ in range(12)]

    assert [answer.status_code for answer in answers] == [200] * 12  # the rate is 10/minute


@pytest.mark.slow
def test_a_site_started_without_redis_serves_the_api_and_renders(live_site, dead_redis_url):
    """The development settings with ``REDIS_URL`` set (cache and real time through Redis),
    Redis down from the start: the web process and the worker start and do their work."""
    env = {
        "DJANGO_ENV": "development",
        "REDIS_URL": dead_redis_url,
        "REALTIME_CHANNEL": f"betterform-test-{uuid.uuid4().hex}",
    }
    site = live_site(env=env)
    tokens = site.create_users("alice")
    site.start_worker()
    sample = files("createpdf") / "document_templates" / "report.json"
    context = {**json.loads(sample.read_text()), "title": "Rendered without Redis"}
    login = {"username": "alice", "password": LIVE_SITE_PASSWORD}

    with httpx.Client(base_url=site.base_url, timeout=30) as client:
        logged_in = client.post("/api/auth/token/login/", json=login)
        assert logged_in.status_code == 200, logged_in.text
        client.headers["Authorization"] = f"Token {tokens['alice']}"
        requested = client.post(
            "/api/pdf/documents/", json={"template": "report", "context": context}
        )
        assert requested.status_code == 202, requested.text
        document_url = f"/api/pdf/documents/{requested.json()['id']}/"
        listed = client.get("/api/pdf/documents/")
        assert listed.status_code == 200, listed.text

        deadline = time.monotonic() + 60
        while (status := client.get(document_url).json()["status"]) != "done":
            assert status != "failed" and time.monotonic() < deadline, site.logs()
            time.sleep(0.2)
        assert client.get(f"{document_url}download/").status_code == 200
