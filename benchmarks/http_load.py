"""A lean HTTP/1.1 load generator for ``bench_http``: keep-alive connections on asyncio.

Why not httpx: on this 2-core machine the client shares the CPU with the server, and an
``httpx.AsyncClient`` spends several times the CPU a request that this one does (``bench_http``
measures both and prints the share), which both steals from the server and squeezes every
ratio towards 1. It sends prepared request bytes through the load suite's client
(``suites.load_http``: httptools on uvloop), so one HTTP client serves both.

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

from suites.load_http import Client, new_event_loop

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
    client = Client(f"http://127.0.0.1:{port}", max_connections=connections)
    counter = iter(range(10**12))
    start = time.perf_counter()
    deadline = start + seconds
    cpu = time.process_time()

    async def worker() -> None:
        while True:
            number = next(counter)
            due = start + number / rate if rate else time.perf_counter()
            if due >= deadline or time.perf_counter() > deadline + LATE:
                return  # an overloaded open loop stops LATE seconds after its time
            if rate and (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            response = await client.send(make(number))
            run.latencies.append(time.perf_counter() - due)
            run.statuses[response.status_code] += 1
            if keep_bodies or response.status_code != 200:
                run.bodies.append(response.content)

    async with client:
        try:
            await asyncio.gather(*(worker() for _ in range(connections)))
        finally:
            run.seconds = time.perf_counter() - start
            run.client_cpu = time.process_time() - cpu


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
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(_drive(run, port, make, connections, seconds, rate, keep_bodies))
    return run
