"""Leases: a row one worker claims for a while and renews while its work goes on.

Every job queue that delivers at least once (django-background-tasks among them) starts a job
again when it believes the worker is dead: after ``BACKGROUND_TASK_MAX_RUN_TIME`` without the
task finishing, however alive the first worker is. A lease on the row the job works on (a
document to render, a monday event to sync) turns that second start into a no-op: it cannot
claim the row while the holder renews the lease, and it takes the row over once renewals stop
because the holder really died.

A model that takes leases has two fields, ``leased_by`` (a ``CharField`` of at least
``HOLDER_MAX_LENGTH``) and ``lease_expires_at`` (a nullable ``DateTimeField``)::

    lease = claim(Document, pk, available=Q(status="queued") | stalled(), seconds=60,
                  status="rendering")
    if lease is None:
        return  # a live worker holds it, or there is nothing to do
    with lease:  # a thread renews it every third of its length
        lease.check()  # before each external effect: raises LeaseLost once taken over
        ...
    lease.release(status="done")

This module lives in createpdf because createpdf is the app every other app of ours builds on;
it knows nothing about documents.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.db.models.expressions import Combinable
from django.utils import timezone

logger = logging.getLogger(__name__)

HOLDER_MAX_LENGTH = 100


class LeaseLost(Exception):
    """The lease expired and another worker took the row over: stop before the next effect."""


class HeldElsewhere(Exception):
    """Raised by a job that found its row under another worker's live lease: the queue runs
    the job again later, when the row is finished (nothing to do) or the holder has died (the
    lease ran out: take over). Returning instead would drop the job, and with it the only
    way a dead holder's work is taken over."""


def held_elsewhere(model: type[models.Model], pk: Any) -> bool:
    """True while row ``pk`` is leased by a worker that renews it."""
    return model._default_manager.filter(live(), pk=pk).exclude(leased_by="").exists()


def new_holder() -> str:
    """This worker's name for one claim: host, process id and a random part (two claims by
    one process, or two hosts with the same process id, never share a name)."""
    host = socket.gethostname()[:60]
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:HOLDER_MAX_LENGTH]


def stalled(now: datetime | Combinable | None = None) -> Q:
    """Rows whose lease has run out (or that never had one): claimable by anyone. ``now``
    may be the database's ``Now()``."""
    now = now or timezone.now()
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)


def live(now: datetime | None = None) -> Q:
    """Rows whose holder renewed the lease in time."""
    return Q(lease_expires_at__gte=now or timezone.now())


def claim(
    model: type[models.Model], pk: Any, *, available: Q, seconds: float, **fields: Any
) -> Lease | None:
    """Claim row ``pk`` if it matches ``available`` (evaluated in the same UPDATE, so two
    workers never both succeed), setting ``fields`` with it. ``None``: not claimable."""
    holder = new_holder()
    expires_at = timezone.now() + timedelta(seconds=seconds)
    updated = model._default_manager.filter(available, pk=pk).update(
        leased_by=holder, lease_expires_at=expires_at, **fields
    )
    return Lease(model, pk, holder, seconds) if updated else None


class Lease:
    """A claimed row. As a context manager, renews itself in a thread every ``seconds / 3``."""

    def __init__(self, model: type[models.Model], pk: Any, holder: str, seconds: float) -> None:
        self.model, self.pk, self.holder, self.seconds = model, pk, holder, seconds
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _mine(self) -> models.QuerySet:
        return self.model._default_manager.filter(pk=self.pk, leased_by=self.holder)

    def renew(self) -> bool:
        """Push the expiry ``seconds`` ahead; False (and ``lost``) when another worker holds
        the row now."""
        expires_at = timezone.now() + timedelta(seconds=self.seconds)
        if not self._mine().update(lease_expires_at=expires_at):
            self.lost = True
        return not self.lost

    def check(self) -> None:
        """Raise ``LeaseLost`` unless this worker still holds a live lease (one query)."""
        if self.lost or not self._mine().filter(live()).exists():
            self.lost = True
            raise LeaseLost(f"{self.model._meta.label} {self.pk}: lease lost to another worker")

    def fence(self) -> None:
        """Inside a transaction: hold this worker's row locked to its end, or raise
        ``LeaseLost``. A write made after it (a file) cannot interleave with another worker's
        claim nor with any other change of the row, which wait for the commit (PostgreSQL's
        row lock; SQLite's database write lock): a worker frozen past its lease finds it lost
        here, not after it rewrote what the new holder stored. Stop the renewal thread first
        (``stop``): it would wait for this lock."""
        expires_at = timezone.now() + timedelta(seconds=self.seconds)
        if self.lost or not self._mine().filter(live()).update(lease_expires_at=expires_at):
            self.lost = True
            raise LeaseLost(f"{self.model._meta.label} {self.pk}: lease lost to another worker")

    def release(self, **fields: Any) -> bool:
        """Clear the lease and set ``fields``; False when another worker holds it by now."""
        self.stop()
        return bool(self._mine().update(leased_by="", lease_expires_at=None, **fields))

    def __enter__(self) -> Lease:
        self._thread = threading.Thread(target=self._renew_until_stopped, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
            self._thread = None

    def _renew_until_stopped(self) -> None:
        try:
            while not self._stop.wait(self.seconds / 3):
                try:
                    if not self.renew():
                        logger.warning("%s %s: lease lost", self.model._meta.label, self.pk)
                        return
                except DatabaseError as error:  # the next renewal may get through
                    logger.warning("lease on %s %s not renewed: %s", self.model, self.pk, error)
                    # A connection a database restart broke would fail every later renewal:
                    # drop it, and the next one opens (or takes from the pool) a fresh one.
                    connection.close()
        finally:
            connection.close()  # this thread's own connection
