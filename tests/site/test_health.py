"""/healthz reports the database and worker liveness; a lost database answers 503."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from betterform_site.models import WorkerHeartbeat


def _heartbeat(seconds_ago: float) -> WorkerHeartbeat:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=f"host:{int(seconds_ago)}",
        hostname="host",
        pid=1,
        started_at=seen,
        last_seen=seen,
    )


@pytest.mark.django_db
def test_without_a_worker_the_site_is_degraded_but_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["worker"]["alive"] is False


@pytest.mark.django_db
def test_healthz_shows_a_pool_only_where_there_is_one(client, settings):
    """SQLite, or PostgreSQL with DATABASE_POOL=false: no ``pool`` key (what PostgreSQL's pool
    shows is in ``test_database_pool``)."""
    database = client.get("/healthz").json()["database"]
    if "pool" in settings.DATABASES["default"].get("OPTIONS", {}):
        assert set(database) == {"ok", "pool"} and database["ok"] is True
    else:
        assert database == {"ok": True}


@pytest.mark.django_db
def test_a_fresh_heartbeat_means_the_worker_is_alive(client):
    _heartbeat(seconds_ago=2)
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["worker"]["alive"] is True
    assert body["worker"]["workers"] == 1
    assert body["monday"] == {
        "stalled_events": 0,
        "stalled_since": None,
        "refused_deliveries": 0,
    }


@pytest.mark.django_db
def test_monday_events_whose_worker_died_make_the_site_degraded(client):
    from monday_integration.models import WebhookEvent

    _heartbeat(seconds_ago=2)
    expired = timezone.now() - timedelta(seconds=30)
    for number, expires in enumerate([expired, timezone.now() + timedelta(seconds=60)]):
        WebhookEvent.objects.create(
            trigger_uuid=f"t-{number}",
            board_id="1",
            item_id="2",
            event_type="update_column_value",
            payload={},
            status="processing",
            lease_expires_at=expires,
        )
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["monday"] == {
        "stalled_events": 1,
        "stalled_since": expired.isoformat(),
        "refused_deliveries": 0,
    }


@pytest.mark.django_db
def test_a_stale_heartbeat_does_not_count(client, settings):
    _heartbeat(seconds_ago=settings.WORKER_STALE_AFTER + 5)
    body = client.get("/healthz").json()
    assert body["worker"]["alive"] is False
    assert body["worker"]["last_seen"] is not None


DATABASE_DOWN_PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client()
health = client.get("/healthz")
api = client.get("/api/auth/users/me/", HTTP_AUTHORIZATION="Token abc")
print(json.dumps({
    "health": [health.status_code, health.json(), health.headers.get("Retry-After")],
    "api": [api.status_code, api.json(), api.headers.get("Retry-After")],
}))
"""


def _probe_a_database_that_is_gone(site_env, port: int, **env: str) -> dict:
    import subprocess
    import sys

    url = f"postgres://postgres@127.0.0.1:{port}/gone"
    result = subprocess.run(
        [sys.executable, "-c", DATABASE_DOWN_PROBE],
        env={**site_env, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    status, body, retry_after = outcome["api"]
    assert status == 503
    assert "database is unavailable" in body["detail"]
    assert retry_after == "5"
    return outcome


@pytest.mark.slow
def test_database_down_gives_503_not_500(site_env, free_port):
    """A PostgreSQL URL where nothing listens stands for a database that went away."""
    outcome = _probe_a_database_that_is_gone(site_env, free_port, DATABASE_POOL="false")
    assert outcome["health"] == [
        503,
        {"status": "unavailable", "database": {"ok": False}, "worker": None},
        "5",
    ]


@pytest.mark.slow
def test_database_down_with_the_pool_gives_503_after_the_pool_timeout(site_env, free_port):
    """With the pool a request waits DATABASE_POOL_TIMEOUT for a connection, then gets the
    same 503; /healthz shows the empty pool and its failed connection attempts."""
    outcome = _probe_a_database_that_is_gone(site_env, free_port, DATABASE_POOL_TIMEOUT="1.5")
    status, body, retry_after = outcome["health"]
    assert (status, body["status"], body["worker"], retry_after) == (503, "unavailable", None, "5")
    pool = body["database"]["pool"]
    assert body["database"]["ok"] is False
    assert pool["available"] == 0 and pool["errors"] == 1, pool
    assert pool["connection_errors"] >= 1, pool


@pytest.mark.django_db
def test_healthz_asks_the_database_twice(client, django_assert_num_queries):
    """Polled by load balancers and the benchmarks: workers in one query, monday in one."""
    _heartbeat(seconds_ago=2)
    with django_assert_num_queries(2):
        assert client.get("/healthz").status_code == 200
