"""How a process hands a message to the web processes that hold the connections.

Publishing never raises: an event is a convenience (the REST API is the truth), so a Redis or
database hiccup is logged and the render, sync or request that sent it carries on.
"""

from __future__ import annotations

import functools
import logging
from typing import Protocol

import socketio
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from betterform_site.realtime.messages import Message

logger = logging.getLogger(__name__)

# Fail fast when Redis is gone: a publish must not hold a request or a render for long.
REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


class Publisher(Protocol):
    def publish(self, message: Message) -> None: ...


class RedisPublisher:
    """socketio's write-only Redis manager: the web processes' ``AsyncRedisManager`` receives
    on the same channel and delivers to its own clients."""

    def __init__(self, url: str, channel: str) -> None:
        self.manager = socketio.RedisManager(
            url, channel=channel, write_only=True, redis_options=REDIS_OPTIONS
        )

    def publish(self, message: Message) -> None:
        try:
            self.manager.emit(message.event, message.data, room=list(message.rooms), namespace="/")
        except Exception:  # the manager logs Redis errors itself; anything else is ours
            logger.exception("could not publish %s through Redis", message.event)


class DatabasePublisher:
    """A row in the outbox; ``relay.DatabaseRelay`` in each web process delivers it."""

    def publish(self, message: Message) -> None:
        from django.db import DatabaseError, connection, transaction

        from betterform_site.models import RealtimeEvent

        row = RealtimeEvent(
            event=message.event, data=message.data, rooms=list(message.rooms),
            created_at=timezone.now(),
        )  # fmt: skip
        try:
            if connection.in_atomic_block:
                # A savepoint: a failed insert must not abort the caller's transaction.
                with transaction.atomic():
                    row.save(force_insert=True)
            else:
                # Autocommit: the INSERT alone, not BEGIN, INSERT, COMMIT (three round trips
                # after every webhook delivery, whose message is sent once it committed).
                row.save(force_insert=True)
        except DatabaseError:
            logger.exception("could not store %s in the outbox", message.event)


@functools.cache
def get_publisher() -> Publisher:
    """This process's publisher, chosen by ``REALTIME_REDIS_URL`` (``REDIS_URL``)."""
    if settings.REALTIME_REDIS_URL:
        return RedisPublisher(settings.REALTIME_REDIS_URL, settings.REALTIME_CHANNEL)
    return DatabasePublisher()


def publish(message: Message) -> None:
    if not message.rooms:  # Socket.IO reads "no room" as "every client"
        logger.error("%s names no rooms; not published", message.event)
        return
    get_publisher().publish(message)


@receiver(setting_changed)
def _forget_publisher(setting: str, **kwargs: object) -> None:
    if setting in {"REALTIME_REDIS_URL", "REALTIME_CHANNEL"}:
        get_publisher.cache_clear()
