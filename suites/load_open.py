"""The open loop: the mix started on a fixed schedule whatever the answers, at stepped rates.

At each offered rate (operations a second) one operation of the mix (``load_mix.one``, the same
weights as the closed loop) is due every ``1/rate`` s for ``seconds``, each for the next client's
principal in turn, and starts when due even if earlier ones are still waiting. A request's time
runs from when it was due (``load_mix.DUE``), so it includes any queue in the client or the
server: a closed loop slows its clients down when the server falls behind and hides that queue
(coordinated omission); an open loop does not. The step's operations all end before the next
step starts; the steps stop after the first whose p99 crosses the bar.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from suites.load_mix import DUE, Load, one
from suites.load_report import Record, pct
from suites.load_setup import Principal


@dataclass
class Step:
    """One rate's figures: ``records`` as ``Load.records``; ``wall`` in seconds, from the first
    due time to the last answer; ``lag`` the latest the scheduler started an operation (s)."""

    offered: float
    operations: int
    records: list[tuple[str, int, float]]
    wall: float
    lag: float

    @property
    def achieved(self) -> float:
        """Answered operations a second (req/s), over ``wall``."""
        return self.operations / self.wall if self.wall else 0.0

    def p(self, q: int) -> float:
        """The q-th percentile of the requests' times, from when each was due (ms)."""
        return pct([seconds for _, status, seconds in self.records if status], q)

    @property
    def errors(self) -> int:
        """Answers >= 500 and requests with no answer."""
        return sum(status == 0 or status >= 500 for _, status, _ in self.records)


async def step(load: Load, who: list[Principal], rate: float, seconds: float) -> Step:
    """``rate * seconds`` operations, one due every ``1/rate`` s; returns when all have ended."""
    first = len(load.records)
    count = round(rate * seconds)
    tasks: set[asyncio.Task] = set()
    lag = 0.0
    start = time.perf_counter()
    for n in range(count):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag = max(lag, -delay)
        DUE.set(due)  # copied into the task's context: its requests are timed from here
        task = asyncio.create_task(one(load, who[n % len(who)]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    DUE.set(None)
    while tasks:
        await asyncio.wait(set(tasks))
    wall = time.perf_counter() - start
    return Step(rate, count, load.records[first:], wall, lag)


async def open_loop(
    load: Load, who: list[Principal], rates: list[float], seconds: float, p99_bar_ms: float
) -> list[Step]:
    """The steps in ``rates`` order, up to and including the first whose p99 is over the bar."""
    steps: list[Step] = []
    for rate in rates:
        steps.append(await step(load, who, rate, seconds))
        if steps[-1].p(99) > p99_bar_ms:
            break
    return steps


def crossing(steps: list[Step], p99_bar_ms: float) -> tuple[float | None, float | None]:
    """(the last offered rate under the bar before it was crossed, the first rate over it);
    None for a side the steps did not reach."""
    below = above = None
    for s in steps:
        if s.p(99) > p99_bar_ms:
            above = s.offered
            break
        below = s.offered
    return below, above


def split(steps: list[Step], p99_bar_ms: float) -> tuple[list[Record], list[Record]]:
    """(the requests of the steps under the bar, those of the step that crossed it). Past the
    crossing the system is over capacity by definition: its errors are printed, not failed."""
    under = [r for s in steps if s.p(99) <= p99_bar_ms for r in s.records]
    over = [r for s in steps if s.p(99) > p99_bar_ms for r in s.records]
    return under, over


def default_rates(closed_rps: float) -> list[float]:
    """Open-loop rates (req/s): by 25 from half ``closed_rps`` rounded down (at least 25), a
    low rate for reference then up through the closed loop's throughput, where p99 crosses."""
    start = max(25, int(closed_rps / 2 // 25) * 25)
    return [float(start + 25 * n) for n in range(40)]


def report(steps: list[Step], p99_bar_ms: float, seconds: float) -> str:
    """The steps' table and the crossing, as printed."""
    lines = [
        f"open loop: the same mix at a fixed offered rate, {seconds:.0f} s a step, "
        "times from when each request was due",
        f"{'offered/s':>10}{'achieved/s':>11}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>7}{'(429)':>6}{'lag ms':>8}",
    ]
    for s in steps:
        throttled = sum(status == 429 for _, status, _ in s.records)
        lines.append(
            f"{s.offered:>10.0f}{s.achieved:>11.1f}{len(s.records):>9}{s.p(50):>9.1f}"
            f"{s.p(99):>9.1f}{s.errors:>7}{throttled:>6}{s.lag * 1000:>8.1f}"
        )
    failed = Counter(
        status for s in steps for _, status, _ in s.records if status == 0 or status >= 500
    )
    if failed:
        lines.append(f"errors by status (0: no answer): {dict(sorted(failed.items()))}")
    below, above = crossing(steps, p99_bar_ms)
    bar = f"{p99_bar_ms / 1000:g} s"
    if not steps:
        lines.append("no rates offered")
    elif above is None:
        lines.append(f"p99 stayed under {bar} up to {below:.0f} req/s offered (not crossed)")
    elif below is None:
        lines.append(f"p99 crossed {bar} at the first step, {above:.0f} req/s offered")
    else:
        lines.append(
            f"p99 crosses {bar} between {below:.0f} and {above:.0f} req/s offered "
            f"(first over: {above:.0f} req/s)"
        )
    return "\n".join(lines)
