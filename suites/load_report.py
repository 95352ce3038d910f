"""The load's figures: percentiles, the closed loop's table by kind, and where the CPU went.

The client shares the machine with the server it measures, so the suite prints the client's own
CPU and the whole machine's: a client near one core, or a machine far from busy while latencies
grow, says the figures measure the harness rather than the system.
"""

from __future__ import annotations

import os
import resource
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

Record = tuple[str, int, float]  # (kind, HTTP status or 0 for no answer, seconds)


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (1..99) of ``values`` (seconds), in ms; 0.0 for no values."""
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def classes(statuses: list[int]) -> dict[str, int]:
    """Counts by class: ``2xx``, ``4xx``, ``429`` (among the 4xx), ``5xx``, ``err`` (no answer)."""
    return {
        "2xx": sum(200 <= s < 300 for s in statuses),
        "4xx": sum(400 <= s < 500 for s in statuses),
        "429": statuses.count(429),
        "5xx": sum(s >= 500 for s in statuses),
        "err": statuses.count(0),
    }


def table(records: list[Record], elapsed: float, kinds: Iterable[str]) -> dict[str, float]:
    """Print the figures per kind (in ``kinds`` order) and for all; returns the totals:
    ``classes`` plus ``requests``, ``rps`` (req/s over ``elapsed`` s), ``p50`` and ``p99`` (ms)."""
    by_kind: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for kind, status, seconds in records:
        by_kind[kind].append((status, seconds))
    rows = [(kind, by_kind[kind]) for kind in kinds if kind in by_kind]
    rows.append(("all", [(s, t) for _, s, t in records]))
    header = f"{'kind':<17}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'2xx':>7}{'4xx':>6}{'(429)':>7}{'5xx':>6}{'conn err':>9}")
    totals: dict[str, float] = {}
    for kind, items in rows:
        counts = classes([s for s, _ in items])
        latencies = [t for s, t in items if s]
        p50, p99 = pct(latencies, 50), pct(latencies, 99)
        print(
            f"{kind:<17}{len(items):>9}{len(items) / elapsed:>8.1f}{p50:>9.1f}{p99:>9.1f}"
            f"{counts['2xx']:>7}{counts['4xx']:>6}{counts['429']:>7}"
            f"{counts['5xx']:>6}{counts['err']:>9}"
        )
        if kind == "all":
            totals = {**counts, "requests": len(items), "rps": len(items) / elapsed}
            totals |= {"p50": p50, "p99": p99}
    return totals


def _machine_busy() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


@dataclass
class CpuMeter:
    """CPU used between ``start()`` and ``stop()``: this process's (the client's) and, on Linux,
    the whole machine's."""

    client: float = 0.0  # CPU seconds of this process
    machine: float | None = None  # busy share of all cores, 0..1
    cores: int = os.cpu_count() or 1

    def start(self) -> CpuMeter:
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._machine = _machine_busy()
        return self

    def stop(self) -> CpuMeter:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.client = (usage.ru_utime + usage.ru_stime) - (
            self._usage.ru_utime + self._usage.ru_stime
        )
        after = _machine_busy()
        if self._machine and after and after[1] > self._machine[1]:
            self.machine = (after[0] - self._machine[0]) / (after[1] - self._machine[1])
        return self

    def line(self, elapsed: float, requests: int) -> str:
        """``client CPU 12% of a core (0.9 ms a request); machine 97% busy (2 cores)``."""
        text = (
            f"client CPU {self.client / elapsed:.0%} of a core "
            f"({self.client / max(requests, 1) * 1000:.2f} ms a request)"
        )
        if self.machine is not None:
            text += f"; machine {self.machine:.0%} busy ({self.cores} cores)"
        return text
