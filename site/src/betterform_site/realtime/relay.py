"""Without Redis: each web process polls the ``RealtimeEvent`` outbox and delivers new rows.

The poll looks back a few seconds and remembers what it delivered, instead of keeping only the
highest id: on PostgreSQL a row with a lower id can commit after a higher one, and a bare
cursor would skip it. Old rows are deleted as the relay goes.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from betterform_site.realtime.revocation import CHANGED

logger = logging.getLogger(__name__)

LOOKBACK = datetime.timedelta(seconds=5)
PRUNE_EVERY = datetime.timedelta(seconds=60)


def fetch_since(since: datetime.datetime) -> list[tuple[int, str, Any, list[str], Any]]:
    from betterform_site.models import RealtimeEvent

    rows = RealtimeEvent.objects.filter(created_at__gte=since).order_by("id")
    return list(rows.values_list("id", "event", "data", "rooms", "created_at"))


def prune(before: datetime.datetime) -> int:
    from betterform_site.models import RealtimeEvent

    return RealtimeEvent.objects.filter(created_at__lt=before).delete()[0]


class DatabaseRelay:
    """Started by the first connection of a web process; runs until the process exits."""

    def __init__(self) -> None:
        self.task: Any = None
        # Called with a ``revocation.CHANGED`` row's data instead of delivering it.
        self.on_access_changed: Any = None
        # One thread, one database connection, kept between polls (closed after an error).
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="realtime-relay")

    def ensure_running(self, server: Any) -> None:
        if self.task is None:
            self.task = server.start_background_task(self.run, server)

    async def _call(self, function: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _with_reconnect, function, *args)

    async def run(self, server: Any) -> None:
        interval = settings.REALTIME_POLL_INTERVAL
        retention = datetime.timedelta(seconds=settings.REALTIME_OUTBOX_RETENTION)
        started = timezone.now()
        delivered: dict[int, datetime.datetime] = {}
        last_prune = started
        while True:
            now = timezone.now()
            try:
                rows = await self._call(fetch_since, max(started, now - LOOKBACK))
                for row_id, event, data, rooms, created_at in rows:
                    if row_id not in delivered:
                        delivered[row_id] = created_at
                        if event == CHANGED:
                            if self.on_access_changed is not None:
                                await self.on_access_changed(data)
                        elif rooms:  # emit(to=[]) would reach every client
                            await server.emit(event, data, to=rooms)
                delivered = {k: v for k, v in delivered.items() if v >= now - 2 * LOOKBACK}
                if now - last_prune > PRUNE_EVERY:
                    last_prune = now
                    await self._call(prune, now - retention)
            except DatabaseError:
                logger.warning("the real-time relay cannot read the outbox; retrying")
            except Exception:
                logger.exception("the real-time relay failed a poll; retrying")
            await asyncio.sleep(interval)


def _with_reconnect(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except DatabaseError:
        connection.close()  # a broken connection is replaced on the next poll
        raise
