"""A lean HTTP/1.1 load generator for ``bench_http``: keep-alive connections on asyncio.

Why not httpx: on this 2-core machine the client shares the CPU with the server, and an
``httpx.AsyncClient`` spends several times the CPU a request that this one does (``bench_http``
measures both and prints the share), which both steals from the server and squeezes every
ratio towards 1. This client writes prepared request bytes and reads each answer by its
``Content-Length`` (or chunks); nothing else.

``drive(...)`` runs one target for ``seconds``:

- closed loop (``rate=None``): each of ``connections`` sends its next request as soon as the
  previous answer is in (throughput at that concurrency);
- open loop (``rate`` requests/s): requests are due at fixed intervals, whichever connection is
  free sends the next one, and a request's latency counts from when it was due, so time spent
  waiting for a free connection is not hidden (no coordinated omission). A server that falls
  behind gets what fell due until ``LATE`` seconds past the end, no more.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

try:  # uvicorn[standard] brings it; a plain asyncio loop works too, slower
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


LATE = 2.0  # seconds past its time an open loop still sends what fell due


@dataclass
class Run:
    """What one target did: latencies in seconds, answers by status, bodies kept on request."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of this process's CPU during the run

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, percent: int) -> float:
        """Milliseconds; ``percent`` in 1-99."""
        quantiles = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return quantiles[percent - 1] * 1e3

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked = None, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if length is not None:
            return status, await self.reader.readexactly(length)
        if not chunked:
            raise RuntimeError(f"an answer with neither Content-Length nor chunks: {head!r}")
        body = b""
        while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
            body += (await self.reader.readexactly(size + 2))[:-2]
        await self.reader.readuntil(b"\r\n")
        return status, body


def request_bytes(
    method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _drive(
    run: Run,
    port: int,
    make: Callable[[int], bytes],
    connections: int,
    seconds: float,
    rate: float | None,
    keep_bodies: bool,
) -> None:
    opened = [
        _Connection(*await asyncio.open_connection("127.0.0.1", port)) for _ in range(connections)
    ]
    counter = iter(range(10**12))
    start = time.perf_counter()
    deadline = start + seconds
    cpu = time.process_time()

    async def worker(connection: _Connection) -> None:
        while True:
            number = next(counter)
            due = start + number / rate if rate else time.perf_counter()
            if due >= deadline or time.perf_counter() > deadline + LATE:
                return  # an overloaded open loop stops LATE seconds after its time
            if rate and (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            status, body = await connection.request(make(number))
            run.latencies.append(time.perf_counter() - due)
            run.statuses[status] += 1
            if keep_bodies or status != 200:
                run.bodies.append(body)

    try:
        await asyncio.gather(*(worker(connection) for connection in opened))
    finally:
        run.seconds = time.perf_counter() - start
        run.client_cpu = time.process_time() - cpu
        for connection in opened:
            connection.writer.close()


def drive(
    name: str,
    port: int,
    make: Callable[[int], bytes],
    *,
    connections: int = 50,
    seconds: float = 4.0,
    rate: float | None = None,
    keep_bodies: bool = False,
) -> Run:
    """Run one target; ``make(n)`` gives the ``n``-th request's bytes (``request_bytes``)."""
    run = Run(name)
    factory = uvloop.new_event_loop if uvloop is not None else None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_drive(run, port, make, connections, seconds, rate, keep_bodies))
    return run
