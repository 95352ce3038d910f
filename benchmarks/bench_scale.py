"""Costs that grow with the data (issue 19): the same requests at 1x and 50x, on PostgreSQL.

``./dev bench -k scale``. Two databases of their own on the PostgreSQL server of
``POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/``), created empty and dropped
afterwards, each built and served by a worker process of its own (``scale_worker``), so both
sizes stay loaded and are measured in interleaved rounds:

- 1x: 1,000 quotes of 3-5 lines, 2,000 submissions with answers, 100 forms, 10 reps, about
  9.5k versions of history, 100 deleted quotes and 200 deleted submissions
  (``scale_build``); 50x: fifty times each, built with COPY.
- Every request of the issue's table, as staff or as a rep (``bench-rep-0``, who owns the
  oldest rows) through Django's test ``Client``: the deleted listings, recover, the
  case-insensitive email filter, a deep page (75% through) by page number (or the deepest
  page numbers reach, ``max_page_offset`` rows, when that is shallower) and by cursor (when
  the list answers a cursor ``next`` to ``?cursor=``; "not available" otherwise),
  search, the admin's search, form list and change lists, ordering by ``updated_at`` and
  ``total``, the quotes-summary report request, a rep's lists and the status filter.

Each row: the mean time of a request at 50x ("subject") and at 1x ("baseline") and the
growth, the median of each round's own 50x/1x ratio. Bar: ``MAX_GROWTH`` (1.5x) for 50 times
the data.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks.harness import Comparison, Figure

SCALES = tuple(int(s) for s in os.environ.get("BENCH_SCALE_SIZES", "1,50").split(","))
MAX_GROWTH = 1.5
ROUNDS = 5
ROUND_SECONDS = 0.15  # calls a round: about this long at 1x (1 to 20 calls)
SLOW = 1.5  # seconds a round at 50x past which 3 rounds are enough
RECOVER_CALLS = 2  # each recover brings back one deleted quote
ROOT = Path(__file__).resolve().parent.parent


def run() -> list[Comparison | Figure]:
    import psycopg

    server = urlsplit(os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/"))
    admin_url = urlunsplit(server._replace(path="/postgres"))
    names = {scale: f"betterform_bench_scale_{scale}x_{os.getpid()}" for scale in SCALES}
    try:
        admin = psycopg.connect(admin_url, autocommit=True)
    except psycopg.OperationalError as error:
        return [Figure("scale: PostgreSQL", 0, "", max_value=-1, note=f"not reachable: {error}")]
    workers: list[_Worker] = []
    try:
        for name in names.values():
            admin.execute(f'CREATE DATABASE "{name}"')
        with tempfile.TemporaryDirectory(prefix="betterform-bench-scale-") as data_dir:
            workers = [
                _Worker(scale, urlunsplit(server._replace(path=f"/{names[scale]}")), data_dir)
                for scale in SCALES
            ]
            ready = [worker.ready() for worker in workers]
            return _figures(ready) + [
                _measure(name, workers)
                if all(info["available"][name] for info in ready)
                else Figure(name[:58], 0, "", note="not available: see the build rows' notes")
                for name in ready[0]["available"]
            ]
    finally:
        for worker in workers:
            worker.stop()
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class _Worker:
    def __init__(self, scale: int, database_url: str, data_dir: str) -> None:
        self.scale = scale
        env = os.environ | {
            "DATABASE_URL": database_url,
            "DJANGO_ENV": os.environ.get("DJANGO_ENV", "test"),
            "BETTERFORM_DATA_DIR": str(Path(data_dir) / f"{scale}x"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  closed by stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.scale_worker", str(scale)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env,
            text=True, cwd=ROOT, bufsize=1,
        )  # fmt: skip

    def _answer(self) -> dict[str, Any]:
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            self.log.seek(0)
            raise RuntimeError(f"the {self.scale}x worker ended:\n{self.log.read()[-3000:]}")
        return json.loads(line)

    def ready(self) -> dict[str, Any]:
        return self._answer()

    def time(self, name: str, calls: int) -> float:
        assert self.process.stdin
        self.process.stdin.write(json.dumps({"name": name, "calls": calls}) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["seconds"]

    def stop(self) -> None:
        if self.process.poll() is None and self.process.stdin:
            try:
                self.process.stdin.write(json.dumps({"quit": True}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.log.close()


def _figures(ready: list[dict[str, Any]]) -> list[Figure]:
    rows = []
    for scale, info in zip(SCALES, ready, strict=True):
        note = (
            f"{info['quotes']:,} quotes, {info['submissions']:,} submissions live, "
            f"{info['versions']:,} versions; migrate {info['migrate_seconds']:.1f}s; "
            f"deletions: {info['deletions']}"
        )
        if info["notes"]:
            note += "; " + "; ".join(f"{k}: {v}" for k, v in info["notes"].items())
        rows.append(Figure(f"scale: build {scale}x (COPY, then VACUUM ANALYZE)",
                           info["build_seconds"], "s", note=note))  # fmt: skip
    return rows


def _measure(name: str, workers: list[_Worker]) -> Comparison | Figure:
    small, big = workers[0], workers[-1]
    label = name[:58]
    try:
        first_small, first_big = small.time(name, 1), big.time(name, 1)  # warm up
    except RuntimeError as error:
        return Figure(label, 0, "", max_value=-1, note=f"failed: {error}")
    recover = "recover" in name
    calls = RECOVER_CALLS if recover else max(1, min(20, round(ROUND_SECONDS / first_small)))
    rounds = ROUNDS if first_big * calls < SLOW else 3
    small_times, big_times = [], []
    try:
        for _ in range(rounds):
            small_times.append(small.time(name, calls))
            big_times.append(big.time(name, calls))
    except RuntimeError as error:
        return Figure(label, 0, "", max_value=-1, note=f"failed: {error}")
    growth = statistics.median(b / s for s, b in zip(small_times, big_times, strict=True))
    return Comparison(
        label,
        statistics.median(big_times),
        statistics.median(small_times),
        MAX_GROWTH,
        f"{big.scale}x vs {small.scale}x; growth: median of {rounds} rounds of {calls} call(s)",
        growth,
    )
