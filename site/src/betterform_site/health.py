"""``/healthz``: is the database reachable, is a worker alive, are monday syncs stuck?

503 only when the database is down (the site cannot serve); a missing worker, monday events
whose worker died mid-sync (``stalled``: processing, lease run out), or monday deliveries
refused for their signature in the last 24 hours (``refused``: answered 401, not accepted
since) are reported as ``degraded`` with 200, because the web process itself can still
answer requests.

With PostgreSQL's connection pool on, ``database.pool`` gives the answering process's pool
(each uvicorn worker and task worker has its own): see ``pool_status``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.functions import Now
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from betterform_site.middleware import RETRY_AFTER_SECONDS
from betterform_site.models import WorkerHeartbeat
from betterform_site.prepared import PreparedAggregate
from betterform_site.workers import status_of, worker_aggregates
from monday_integration.models import WebhookEvent, trouble_aggregates

REFUSED_WINDOW = timedelta(hours=24)

# Our names for psycopg_pool's ``get_stats()`` keys; the counters run since the process started.
# https://www.psycopg.org/psycopg3/docs/advanced/pool.html#pool-stats
POOL_STATS = {
    "min": "pool_min",  # configured size
    "max": "pool_max",
    "size": "pool_size",  # connections open or being opened, in use or not
    "available": "pool_available",  # idle in the pool now
    "waiting": "requests_waiting",  # requests waiting for a connection now
    "requests": "requests_num",  # connections asked for
    "queued": "requests_queued",  # of those, how many had to wait
    "wait_ms": "requests_wait_ms",  # total time spent waiting
    "errors": "requests_errors",  # requests that got no connection (timeout)
    "connection_errors": "connections_errors",  # failed attempts to connect to PostgreSQL
    "connections_lost": "connections_lost",  # found broken by the check and replaced
}


# Compiled once per process (``prepared``): built anew, the two aggregates cost about four
# times their SQL. Times are the database's ``Now()``, so the SQL never changes.
_workers = PreparedAggregate(
    lambda: WorkerHeartbeat.objects.all(),
    lambda: worker_aggregates(Now()),
    key=lambda: settings.WORKER_STALE_AFTER,
)
_troubles = PreparedAggregate(
    lambda: WebhookEvent.objects.trouble_rows(Now(), Now() - REFUSED_WINDOW),
    lambda: trouble_aggregates(Now(), Now() - REFUSED_WINDOW),
)


def monday_status() -> dict[str, object]:
    troubles = _troubles()
    since = troubles["stalled_since"]
    return {
        "stalled_events": troubles["stalled_events"],
        "stalled_since": since.isoformat() if since else None,
        "refused_deliveries": troubles["refused_deliveries"],
    }


def pool_status() -> dict[str, int] | None:
    """This process's connection pool, ``{"min": 2, "max": 10, "size": 3, "available": 2,
    "waiting": 0, ...}`` (keys: ``POOL_STATS``), or None without a pool (SQLite, or
    ``DATABASE_POOL=false``). Reads counters only: never waits, never touches the database."""
    pool = getattr(connection, "pool", None)  # only PostgreSQL's wrapper has one
    if pool is None:
        return None
    stats = pool.get_stats()
    return {name: int(stats.get(key, 0)) for name, key in POOL_STATS.items()}


def database_status(ok: bool) -> dict[str, object]:
    """``{"ok": ...}``, plus ``"pool"`` when the connections come from a pool."""
    status: dict[str, object] = {"ok": ok}
    pool = pool_status()
    if pool is not None:
        status["pool"] = pool
    return status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Two queries (workers, monday events): a load balancer polls it often."""
    try:
        worker = status_of(_workers())
        monday = monday_status()
    except DatabaseError:
        response = JsonResponse(
            {"status": "unavailable", "database": database_status(False), "worker": None},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    healthy = worker.alive and not monday["stalled_events"] and not monday["refused_deliveries"]
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": database_status(True),
            "worker": worker.as_dict(),
            "monday": monday,
        }
    )
