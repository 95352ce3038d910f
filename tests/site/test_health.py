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
    assert body["database"] == {"ok": True}
    assert body["worker"]["alive"] is False


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


@pytest.mark.slow
def test_database_down_gives_503_not_500(site_env, free_port):
    """A PostgreSQL URL where nothing listens stands for a database that went away."""
    import subprocess
    import sys

    env = {**site_env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port}/gone"}
    result = subprocess.run(
        [sys.executable, "-c", DATABASE_DOWN_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["health"] == [
        503,
        {"status": "unavailable", "database": {"ok": False}, "worker": None},
        "5",
    ]
    status, body, retry_after = outcome["api"]
    assert status == 503
    assert "database is unavailable" in body["detail"]
    assert retry_after == "5"
