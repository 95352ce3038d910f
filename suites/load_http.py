"""The load's HTTP/1.1 client: keep-alive connections parsed by httptools, on uvloop when present.

Why not httpx: the load generator shares the 2-core machine with the server it measures, and
httpx's asyncio client spends about 3.7 ms of CPU a request (measured in ``./dev load``: 45% of a
core at 120 requests a second), a fifth of the machine taken from the server. This client does
what the load needs and no more, for a fraction of that: one request at a time on a connection,
idle connections reused for up to ``keepalive_expiry`` seconds (under uvicorn's 5 s
``timeout_keep_alive``, so a request never goes out on a connection the server is closing),
JSON bodies, no redirects, no retries. httptools and uvloop come with ``uvicorn[standard]``.

Errors: every failure to get a whole answer (refused, reset, closed early, timed out, or a
malformed answer) raises :class:`TransportError`, whose ``kind`` names it.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections import deque
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httptools


class TransportError(Exception):
    """No whole HTTP answer; ``kind`` is ``ConnectError``, ``ReadError``, ``Timeout`` or
    ``ProtocolError``."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class Response:
    """``status_code`` (int), ``content`` (bytes); ``json()`` decodes the body."""

    __slots__ = ("content", "status_code")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code, self.content = status_code, content

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class _Connection(asyncio.Protocol):
    """One TCP connection; ``send`` writes a request and returns a future for its Response."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.waiter: asyncio.Future[Response] | None = None
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(TransportError("ProtocolError", str(error)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(TransportError("ReadError", str(exc or "closed by the server")))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        response = Response(self.parser.get_status_code(), b"".join(self.body))
        self.body = []
        if not self.parser.should_keep_alive():
            self.close()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(response)
        self.waiter = None

    def _fail(self, error: TransportError) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.waiter = None

    def send(self, data: bytes) -> asyncio.Future[Response]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)  # type: ignore[union-attr]
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Client:
    """Requests to one ``base_url`` (``http://host:port``) over at most ``max_connections``
    connections; a request waiting for a free connection waits inside ``request``, so its
    measured time includes that wait. Use as ``async with Client(...) as http``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        max_connections: int = 100,
        keepalive_expiry: float = 2.0,
    ) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.host_header = f"{self.host}:{self.port}".encode()
        self.timeout, self.keepalive_expiry = timeout, keepalive_expiry
        self.idle: deque[_Connection] = deque()
        self.slots = asyncio.Semaphore(max_connections)
        self.opened = 0

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        while self.idle:
            self.idle.pop().close()

    def _encode(self, method: str, url: str, headers: Mapping[str, str] | None, json: Any) -> bytes:
        if "://" in url:  # an absolute URL on this server (a webhook's URL): its path
            parts = urlsplit(url)
            if (parts.hostname, parts.port or 80) != (self.host, self.port):
                raise ValueError(f"{url} is not on {self.host}:{self.port}")
            url = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {url} HTTP/1.1".encode(), b"Host: " + self.host_header]
        lines += [f"{name}: {value}".encode() for name, value in (headers or {}).items()]
        body = b""
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            lines.append(b"Content-Type: application/json")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()  # the most recently used: the least likely expired
            if not connection.closed and now - connection.idle_since < self.keepalive_expiry:
                return connection
            connection.close()
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except OSError as error:
            raise TransportError("ConnectError", str(error)) from error
        self.opened += 1
        return connection

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One request; ``url`` is a path on ``base_url`` or an absolute URL on the same host and
        port. Raises :class:`TransportError` (no whole answer) or ValueError (another server)."""
        return await self.send(self._encode(method, url, headers, json), f"{method} {url}")

    async def send(self, data: bytes, label: str = "request") -> Response:
        """A request already in bytes (a benchmark prepares them ahead, so building them costs
        the measured loop nothing); ``label`` names it in a timeout."""
        async with self.slots:
            connection = await self._connection()
            try:
                async with asyncio.timeout(self.timeout):
                    response = await connection.send(data)
            except TimeoutError:
                connection.close()
                raise TransportError("Timeout", label) from None
            except BaseException:
                connection.close()
                raise
            if not connection.closed:
                connection.idle_since = time.monotonic()
                self.idle.append(connection)
            return response


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (it is with uvicorn[standard]), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
