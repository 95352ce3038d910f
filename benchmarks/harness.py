"""Measuring helpers shared by the benchmark modules."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    """``subject`` took ``ratio`` times as long as ``baseline`` (per operation)."""

    name: str
    subject_seconds: float
    baseline_seconds: float
    max_ratio: float | None = None  # the bar; None reports without judging
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.subject_seconds / self.baseline_seconds

    @property
    def passed(self) -> bool:
        return self.max_ratio is None or self.ratio <= self.max_ratio


def per_call(function: Callable[[], object], *, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def compare(
    name: str,
    subject: Callable[[], object],
    baseline: Callable[[], object],
    *,
    calls: int = 200,
    baseline_calls: int | None = None,
    rounds: int = 5,
    max_ratio: float | None = None,
    note: str = "",
) -> Comparison:
    """Interleave rounds of subject and baseline (so drift hits both) and keep the medians.

    ``baseline_calls`` (default: ``calls``) lets a much slower baseline run fewer calls a round.
    """
    subject(), baseline()  # warm up
    subject_times, baseline_times = [], []
    for _ in range(rounds):
        subject_times.append(per_call(subject, calls=calls))
        baseline_times.append(per_call(baseline, calls=baseline_calls or calls))
    return Comparison(
        name,
        statistics.median(subject_times),
        statistics.median(baseline_times),
        max_ratio,
        note,
    )
