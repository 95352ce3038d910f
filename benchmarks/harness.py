"""Measuring helpers shared by the benchmark modules."""

from __future__ import annotations

import operator
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
    # Set by compare(paired=True): the median of the rounds' own subject/baseline ratios.
    paired_ratio: float | None = None

    @property
    def ratio(self) -> float:
        if self.paired_ratio is not None:
            return self.paired_ratio
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
    paired: bool = False,
) -> Comparison:
    """Interleave rounds of subject and baseline (so drift hits both) and keep the medians.

    ``baseline_calls`` (default: ``calls``) lets a much slower baseline run fewer calls a round.
    ``paired`` judges the median of each round's subject/baseline ratio instead of the ratio of
    the medians: steadier for slow operations on a host whose speed drifts between rounds.
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
        statistics.median(map(operator.truediv, subject_times, baseline_times)) if paired else None,
    )


@dataclass(frozen=True)
class Figure:
    """A measured quantity reported as is (``events/s``, ``p99 ms``) rather than as a ratio;
    ``max_value`` / ``min_value`` are its optional bar, in ``unit``."""

    name: str
    value: float
    unit: str
    max_value: float | None = None
    min_value: float | None = None
    note: str = ""

    @property
    def bar(self) -> str:
        bars = [f"<={self.max_value:g}{self.unit}"] if self.max_value is not None else []
        bars += [f">={self.min_value:g}{self.unit}"] if self.min_value is not None else []
        return " ".join(bars) or "-"

    @property
    def passed(self) -> bool:
        return (self.max_value is None or self.value <= self.max_value) and (
            self.min_value is None or self.value >= self.min_value
        )
