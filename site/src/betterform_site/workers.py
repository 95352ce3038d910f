"""Worker liveness: a heartbeat thread each worker runs, and the status ``/healthz`` reports.

django-background-tasks records nothing while a worker idles, so a worker writes its own
``WorkerHeartbeat`` row on a timer and removes it when it stops cleanly.

The same thread renews the locks of the tasks this worker runs. The library lets any worker
take a task whose lock is older than ``MAX_RUN_TIME``, alive or not its first worker, so a
job that waits on monday for a minute would be started twice; renewed, the lock is a lease
that only a dead worker loses.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from background_task.models import Task
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Aggregate, Count, Max, Q
from django.db.models.expressions import Combinable
from django.utils import timezone

from betterform_site.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerStatus:
    alive: bool
    workers: int
    last_seen: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "alive": self.alive,
            "workers": self.workers,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }


def worker_status(now: datetime | Combinable | None = None) -> WorkerStatus:
    """Live workers (a heartbeat younger than ``WORKER_STALE_AFTER`` at ``now``, by default
    this moment), in one query: /healthz is polled often."""
    found = WorkerHeartbeat.objects.aggregate(**worker_aggregates(now or timezone.now()))
    return status_of(found)


def worker_aggregates(now: datetime | Combinable) -> dict[str, Aggregate]:
    """``worker_status``'s aggregates over ``WorkerHeartbeat``; ``now`` may be ``Now()``."""
    fresh = Q(last_seen__gte=now - timedelta(seconds=settings.WORKER_STALE_AFTER))
    return {"workers": Count("pk", filter=fresh), "last_seen": Max("last_seen")}


def status_of(found: dict[str, Any]) -> WorkerStatus:
    """The ``WorkerStatus`` of ``worker_aggregates``' results."""
    return WorkerStatus(found["workers"] > 0, found["workers"], found["last_seen"])


def worker_name() -> str:
    """What this worker writes in a task's ``locked_by``: process id, host and a random part.
    Process ids repeat: in containers every worker may be PID 1, and a container restarted
    keeps its hostname, so without the random part a new worker would renew the locks of the
    dead one it replaced, and its jobs would never be taken over."""
    return f"{os.getpid()}@{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"[:64]


class Heartbeat:
    """Refresh this process's heartbeat row every ``WORKER_HEARTBEAT_SECONDS`` in a thread,
    and renew the locks of the tasks it holds (``locked_by``) often enough that they never
    expire while it lives: at least three times per ``MAX_RUN_TIME``."""

    def __init__(self, interval: float | None = None, locked_by: str | None = None) -> None:
        self.interval = interval or min(
            settings.WORKER_HEARTBEAT_SECONDS, settings.MAX_RUN_TIME / 3
        )
        self.locked_by = locked_by
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self.beat()
        self._thread.start()
        return self

    def beat(self) -> None:
        try:
            if self.locked_by:
                Task.objects.filter(locked_by=self.locked_by).update(locked_at=timezone.now())
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={
                    "hostname": socket.gethostname(),
                    "pid": os.getpid(),
                    "started_at": self.started_at,
                    "last_seen": timezone.now(),
                },
            )
        except DatabaseError:
            logger.warning("worker heartbeat not written: the database is unavailable")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("worker heartbeat not removed: the database is unavailable")

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.beat()
                # Hand the connection back (to the pool, or closed) between beats: one a
                # database restart broke is then replaced, not reused for every later beat.
                close_old_connections()
        finally:
            connection.close()  # this thread's own connection
