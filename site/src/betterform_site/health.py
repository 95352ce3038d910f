"""``/healthz``: is the database reachable, is a worker alive, are monday syncs stuck?

503 only when the database is down (the site cannot serve); a missing worker, monday events
whose worker died mid-sync (``stalled``: processing, lease run out), or monday deliveries
refused for their signature in the last 24 hours (``refused``: answered 401, not accepted
since) are reported as ``degraded`` with 200, because the web process itself can still
answer requests.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from betterform_site.middleware import RETRY_AFTER_SECONDS
from betterform_site.workers import worker_status
from monday_integration.models import WebhookEvent

REFUSED_WINDOW = timedelta(hours=24)


def monday_status() -> dict[str, object]:
    stalled = WebhookEvent.objects.stalled()
    oldest = stalled.order_by("lease_expires_at").values_list("lease_expires_at", flat=True)
    since = oldest.first()
    return {
        "stalled_events": stalled.count(),
        "stalled_since": since.isoformat() if since else None,
        "refused_deliveries": WebhookEvent.objects.refused_since(
            timezone.now() - REFUSED_WINDOW
        ).count(),
    }


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    if not database_is_up():
        response = JsonResponse(
            {"status": "unavailable", "database": {"ok": False}, "worker": None}, status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    worker = worker_status()
    monday = monday_status()
    healthy = worker.alive and not monday["stalled_events"] and not monday["refused_deliveries"]
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": {"ok": True},
            "worker": worker.as_dict(),
            "monday": monday,
        }
    )
