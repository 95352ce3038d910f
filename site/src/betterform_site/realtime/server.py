"""The Socket.IO server, mounted beside Django in one ASGI app (``/socket.io/``).

Clients authenticate on connect and join their own room (``user:<id>``) and, for staff, the
``staff`` room. ``subscribe`` joins one object's room after the REST API's permission check and
answers with the object's current state; ``state`` only answers. See the README's "Real time".
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from betterform_site.realtime import access, messages
from betterform_site.realtime.relay import DatabaseRelay

logger = logging.getLogger(__name__)
UNAVAILABLE = "the server cannot reach its database right now; try again shortly"


def _orm(function: Any) -> Any:
    """``sync_to_async`` for ORM work outside a request. Django renews a broken or expired
    connection only around requests; doing the same here lets a database restart heal."""

    def call(*args: Any) -> Any:
        close_old_connections()
        try:
            return function(*args)
        finally:
            close_old_connections()

    return sync_to_async(call)


class EventsNamespace(socketio.AsyncNamespace):
    def __init__(self, relay: DatabaseRelay | None) -> None:
        super().__init__("/")
        self.relay = relay

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            user = await _orm(access.authenticate)(environ, auth)
        except access.Refused as refused:
            raise socketio.exceptions.ConnectionRefusedError(str(refused)) from None
        except DatabaseError:
            logger.warning("Socket.IO connect refused: the database is unavailable")
            raise socketio.exceptions.ConnectionRefusedError(UNAVAILABLE) from None
        await self.save_session(sid, {"user_id": user.pk, "is_staff": user.is_staff})
        await self.enter_room(sid, messages.user_room(user.pk))
        if user.is_staff:
            await self.enter_room(sid, messages.STAFF_ROOM)
        if self.relay is not None:
            self.relay.ensure_running(self.server)

    async def on_subscribe(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Follow one object: ``{"type": "document", "id": 12}``; answers with its state."""
        found = await self._lookup(sid, data)
        if "error" in found:
            return found
        await self.enter_room(sid, found["room"])
        return found

    async def on_unsubscribe(self, sid: str, data: Any = None) -> dict[str, Any]:
        try:
            target = access.Target.parse(data)
        except ValueError as error:
            return {"ok": False, "error": str(error)}
        await self.leave_room(sid, target.room)
        return {"ok": True, "room": target.room}

    async def on_state(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The object's current state without following it (after a reconnect, say)."""
        return await self._lookup(sid, data)

    async def _lookup(self, sid: str, data: Any) -> dict[str, Any]:
        try:
            target = access.Target.parse(data)
        except ValueError as error:
            return {"ok": False, "error": str(error)}
        session = await self.get_session(sid)
        try:
            state = await _orm(access.current_state)(target, session["user_id"])
        except DatabaseError:
            logger.warning("Socket.IO %s lookup failed: the database is unavailable", target.kind)
            return {"ok": False, "error": UNAVAILABLE}
        if state is None:
            return {"ok": False, "error": f"no {target.kind} {target.object_id} that you can see"}
        return {"ok": True, "room": target.room, "state": state.as_state()}


def create_server() -> socketio.AsyncServer:
    """With ``REALTIME_REDIS_URL`` the processes share events through Redis; without it this
    process relays the database outbox."""
    url = settings.REALTIME_REDIS_URL
    manager = (
        socketio.AsyncRedisManager(
            url,
            channel=settings.REALTIME_CHANNEL,
            # No read timeout: the listener waits on the channel for as long as it is idle;
            # keepalive notices a peer that vanished without closing the connection.
            redis_options={"socket_connect_timeout": 1, "socket_keepalive": True},
        )
        if url
        else None
    )
    server = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        # Browsers may connect from the site's own origin only (the default), plus any listed.
        cors_allowed_origins=settings.REALTIME_ALLOWED_ORIGINS or None,
        # Through Django's logging (one formatted line), not the libraries' own handlers.
        logger=logging.getLogger("socketio.server"),
        engineio_logger=logging.getLogger("engineio.server"),
    )
    server.register_namespace(EventsNamespace(relay=None if url else DatabaseRelay()))
    return server


def mount(django_app: Any) -> socketio.ASGIApp:
    return socketio.ASGIApp(create_server(), other_asgi_app=django_app, socketio_path="socket.io")
