"""The Socket.IO server, mounted beside Django in one ASGI app (``/socket.io/``).

Clients authenticate on connect and join their own room (``user:<id>``) and, for staff, the
``staff`` room. ``subscribe`` joins one object's room after the REST API's permission check and
answers with the object's current state; ``state`` only answers. A connection whose grant ends
(``revocation``) receives ``access.revoked`` and is disconnected. See the README's "Real time".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from betterform_site.realtime import access, messages, revocation
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
        self.grants: dict[str, revocation.Grant] = {}  # this process's connections
        self.rechecking: Any = None

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            grant = await _orm(revocation.admit)(environ, auth)
        except access.Refused as refused:
            raise socketio.exceptions.ConnectionRefusedError(str(refused)) from None
        except DatabaseError:
            logger.warning("Socket.IO connect refused: the database is unavailable")
            raise socketio.exceptions.ConnectionRefusedError(UNAVAILABLE) from None
        await self.save_session(sid, {"user_id": grant.user_id, "is_staff": grant.is_staff})
        self.grants[sid] = grant
        await self.enter_room(sid, messages.user_room(grant.user_id))
        if grant.is_staff:
            await self.enter_room(sid, messages.STAFF_ROOM)
        if self.relay is not None:
            self.relay.ensure_running(self.server)
        if self.rechecking is None:
            self.rechecking = self.server.start_background_task(self._recheck_every_few_seconds)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.grants.pop(sid, None)

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
        grant = self.grants.get(sid)
        if grant is None:  # revoked a moment ago; the disconnect is on its way
            return {"ok": False, "error": "this connection's access has ended: connect again"}
        try:
            ended = await _orm(revocation.ended)({sid: grant})
            state = None if ended else await _orm(access.current_state)(target, session["user_id"])
        except DatabaseError:
            logger.warning("Socket.IO %s lookup failed: the database is unavailable", target.kind)
            return {"ok": False, "error": UNAVAILABLE}
        if ended:
            # After this answer: a task runs once the handler has returned and its ack is sent.
            self.server.start_background_task(self._revoke, ended)
            return {"ok": False, "error": revocation.REASONS[ended[sid]]}
        if state is None:
            return {"ok": False, "error": f"no {target.kind} {target.object_id} that you can see"}
        return {"ok": True, "room": target.room, "state": state.as_state()}

    # --- grants that end while connected (``revocation``) ------------------------------------

    async def access_changed(self, data: Any) -> None:
        """Another process says these users' grants may have ended (``revocation.announce``):
        end the named logged-out sessions, re-check the rest of their connections now."""
        data = data if isinstance(data, dict) else {}
        user_ids, sessions = set(data.get("user_ids", ())), set(data.get("sessions", ()))
        mine = {sid: grant for sid, grant in self.grants.items() if grant.user_id in user_ids}
        logged_out = {sid: "session-ended" for sid, g in mine.items() if g.session_key in sessions}
        await self._revoke(logged_out)
        await self._recheck({sid: g for sid, g in mine.items() if sid not in logged_out})

    async def _recheck_every_few_seconds(self) -> None:
        while True:
            await asyncio.sleep(max(1, settings.REALTIME_ACCESS_RECHECK))
            try:
                await self._recheck(dict(self.grants))
            except Exception:  # the next round must still come
                logger.exception("Socket.IO grants not re-checked")

    async def _recheck(self, grants: dict[str, revocation.Grant]) -> None:
        if not grants:
            return
        try:
            ended = await _orm(revocation.ended)(grants)
        except DatabaseError:  # a client stays connected through an outage, as with Redis
            logger.warning("Socket.IO grants not re-checked: the database is unavailable")
            return
        await self._revoke(ended)

    async def _revoke(self, ended: dict[str, str]) -> None:
        """``access.revoked`` then a disconnect, on this process only (not through Redis:
        the event must come before the disconnect and reach the client during an outage)."""
        for sid, reason in ended.items():
            if self.grants.pop(sid, None) is None:
                continue  # gone already, or revoked by another check
            logger.info("Socket.IO access revoked (%s) for %s", reason, sid)
            await self.emit(
                revocation.REVOKED, revocation.revoked(reason), to=sid, ignore_queue=True
            )
            await self.server.disconnect(sid, namespace=self.namespace, ignore_queue=True)


class RedisManager(socketio.AsyncRedisManager):
    """``AsyncRedisManager`` that hands ``revocation.CHANGED`` to this process's namespace
    instead of delivering it (it names the user's room only to have a room)."""

    on_access_changed: Any = None

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("event") != revocation.CHANGED:
            await super()._handle_emit(message)
            return
        data = message.get("data")
        if isinstance(data, list) and len(data) == 1:  # emit() sends its arguments as a list
            data = data[0]
        if self.on_access_changed is not None:
            await self.on_access_changed(data)


def create_server() -> socketio.AsyncServer:
    """With ``REALTIME_REDIS_URL`` the processes share events through Redis; without it this
    process relays the database outbox."""
    url = settings.REALTIME_REDIS_URL
    manager = (
        RedisManager(
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
    namespace = EventsNamespace(relay=None if url else DatabaseRelay())
    server.register_namespace(namespace)
    (manager or namespace.relay).on_access_changed = namespace.access_changed
    return server


def mount(django_app: Any) -> socketio.ASGIApp:
    return socketio.ASGIApp(create_server(), other_asgi_app=django_app, socketio_path="socket.io")
