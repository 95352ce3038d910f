"""The API over real HTTP: uvicorn (2 workers), PostgreSQL, 50 keep-alive connections.

``./dev bench -k http``. A database of its own on the PostgreSQL server of ``POSTGRES_URL``
(default ``postgres://postgres@127.0.0.1:5432/``), created empty and dropped afterwards, holds
the scale bench's 1x data (``http_setup``: 10 reps, 1,000 quotes of 3-5 lines, 2,000
submissions). uvicorn serves the site with ``benchmarks.http_settings`` (the site's settings;
the URLconf adds the bare baselines of ``http_urls``); the database settings, its pool
included, are the site's, from the environment (the pool is on unless ``DATABASE_POOL=false``;
``REDIS_URL`` is dropped, so real time goes through the outbox table, as in CI). The client is
``http_load`` (asyncio, one process: an ``httpx.AsyncClient`` spent 1.7-4.7 ms of CPU a
request here, enough to halve the bare endpoints' throughput; the client row says what this
one took). ``BENCH_HTTP_ROUNDS`` and ``BENCH_HTTP_SECONDS`` change the rounds and their length.

1. ``GET /api/quotes/?page_size=10`` and ``GET /api/submissions/?page_size=10`` (requests spread
   over the 10 reps' tokens, each rep seeing their own rows) against a bare DRF ``ListAPIView``
   answering the same JSON (checked before timing), and ``GET /healthz`` against a bare view
   running the same SQL. ``ROUNDS`` rounds, each target ``SECONDS`` of closed-loop load, subject
   and bare alternating which goes first. Row: the median of the rounds' own bare/subject
   throughput ratios; bar: the subject at least ``MIN_SHARE`` (0.9x) of the bare throughput. The
   note gives both throughputs and p50/p99.
2. monday webhook ingest: trigger deliveries offered at ``WEBHOOK_RATE`` a second (open loop,
   up to 50 connections; every ``DUPLICATE_EVERY``-th re-sends an earlier one, as monday's
   retries do) for ``WEBHOOK_SECONDS``. Bars: at least ``WEBHOOK_RATE`` stored events a
   second and ack p99 <= ``P99_BAR_MS``; each event must be stored once, ``received``, with
   one task queued (checked in the database). Informational: the closed-loop peak at 50
   connections, and a bare one-INSERT view at the same offered rate.
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
from benchmarks.http_load import Run, drive, request_bytes
from benchmarks.http_server import Server

ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "3"))
WARMUP_SECONDS = 1.0
CONNECTIONS = 50
PAGE_SIZE = 10
MIN_SHARE = 0.9
WEBHOOK_RATE = 300.0
WEBHOOK_SECONDS = 6.0
DUPLICATE_EVERY = 10
P99_BAR_MS = 50.0
ROOT = Path(__file__).resolve().parent.parent
PAIRS = {  # name: (subject path, bare path)
    "quote list": (f"/api/quotes/?page_size={PAGE_SIZE}", f"/bare/quotes/?page_size={PAGE_SIZE}"),
    "submission list": (
        f"/api/submissions/?page_size={PAGE_SIZE}",
        f"/bare/submissions/?page_size={PAGE_SIZE}",
    ),
    "/healthz": ("/healthz", "/bare/healthz"),
}


def run() -> list[Comparison | Figure]:
    import psycopg

    server = urlsplit(os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/"))
    name = f"betterform_bench_http_{os.getpid()}"
    try:
        admin = psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True)
    except psycopg.OperationalError as error:
        return [Figure("http: PostgreSQL", 0, "", max_value=-1, note=f"not reachable: {error}")]
    url = urlunsplit(server._replace(path=f"/{name}"))
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        with tempfile.TemporaryDirectory(prefix="betterform-bench-http-") as data_dir:
            env = os.environ | {
                "DATABASE_URL": url,
                "DJANGO_ENV": os.environ.get("DJANGO_ENV", "test"),
                "DJANGO_SETTINGS_MODULE": "benchmarks.http_settings",
                "BETTERFORM_DATA_DIR": data_dir,
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            }
            env.pop("REDIS_URL", None)  # the site as CI runs it: real time through the table
            setup = subprocess.run(
                [sys.executable, "-m", "benchmarks.http_setup"],
                env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
            )  # fmt: skip
            if setup.returncode:
                raise RuntimeError(f"http_setup failed:\n{setup.stderr[-3000:]}")
            info = json.loads(setup.stdout.splitlines()[-1])
            with Server(env, cwd=ROOT, workers=2) as site:
                return HttpBench(site, info, url).results()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class HttpBench:
    def __init__(self, site: Server, info: dict[str, Any], database_url: str) -> None:
        self.site, self.info, self.database_url = site, info, database_url
        self.auth = [f"Token {info['tokens'][n % len(info['tokens'])]}" for n in range(50)]
        self.on = (
            f"uvicorn x2, PostgreSQL, {CONNECTIONS} connections, {info['quotes']:,} quotes, "
            f"{info['submissions']:,} submissions, pool {'on' if info['pool'] else 'off'}"
        )

    def get(self, path: str) -> Any:
        """``make`` for ``drive``: the ``n``-th request is the ``n % 50``-th connection's rep."""
        prepared = [request_bytes("GET", path, {"Authorization": auth}) for auth in self.auth]
        return lambda number: prepared[number % len(prepared)]

    def results(self) -> list[Comparison | Figure]:
        self.check_same_answers()
        return self.lists() + self.webhooks()

    def check_same_answers(self) -> None:
        import httpx

        headers = {"Authorization": self.auth[0]}
        with httpx.Client(base_url=f"http://127.0.0.1:{self.site.port}", headers=headers) as http:
            for name, (subject, bare) in PAIRS.items():
                first, second = (http.get(target) for target in (subject, bare))
                assert first.status_code == second.status_code == 200, (name, first, second)
                if name == "/healthz":
                    assert first.json().keys() == second.json().keys(), (first.text, second.text)
                else:
                    # The same JSON but for the path in the ``next`` link.
                    same = json.loads(second.text.replace("/bare/", "/api/"))
                    assert first.json() == same, f"{name}: the bare endpoint answers other JSON"
                    assert len(first.json()["results"]) == PAGE_SIZE, first.text

    def lists(self) -> list[Comparison | Figure]:
        port = self.site.port
        for subject, bare in PAIRS.values():  # warm up both workers' code paths and caches
            for target in (subject, bare):
                drive("warm up", port, self.get(target), seconds=WARMUP_SECONDS)
        runs: dict[str, list[tuple[Run, Run]]] = {name: [] for name in PAIRS}
        usage = self.site.usage()
        for round_number in range(ROUNDS):
            for name, (subject, bare) in PAIRS.items():
                order = [subject, bare] if round_number % 2 == 0 else [bare, subject]
                done = {path: drive(path, port, self.get(path), seconds=SECONDS) for path in order}
                for run in done.values():
                    assert run.errors == 0, (run.name, run.statuses, run.bodies[:3])
                runs[name].append((done[subject], done[bare]))
        usage = self.site.usage(since=usage)
        rows: list[Comparison | Figure] = []
        for name, pairs in runs.items():
            subject = statistics.median(s.throughput for s, _ in pairs)
            bare = statistics.median(b.throughput for _, b in pairs)
            ratio = statistics.median(b.throughput / s.throughput for s, b in pairs)
            path = PAIRS[name][0]
            rows.append(
                Comparison(
                    f"HTTP {path} vs bare {'view, same SQL' if 'health' in name else 'DRF'}",
                    1 / subject,
                    1 / bare,
                    round(1 / MIN_SHARE, 4),
                    f"{subject:.0f} req/s (p50 {_p(pairs, 0, 50)}, p99 {_p(pairs, 0, 99)}) vs "
                    f"bare {bare:.0f} req/s (p50 {_p(pairs, 1, 50)}, p99 {_p(pairs, 1, 99)}); "
                    f"bar: >= {MIN_SHARE}x bare throughput; median of {ROUNDS} rounds of "
                    f"{SECONDS:g}s each; {self.on}",
                    ratio,
                )
            )
        every = [run for pairs in runs.values() for pair in pairs for run in pair]
        rows.append(self.client_row(every, usage))
        return rows

    def client_row(self, runs: list[Run], usage: dict[str, float]) -> Figure:
        wall = sum(run.seconds for run in runs)
        client = sum(run.client_cpu for run in runs)
        requests = sum(len(run.latencies) for run in runs)
        return Figure(
            "HTTP bench client: CPU share of one core",
            client / wall,
            "",
            note=f"{client / requests * 1e6:.0f} us of client CPU a request; cores used during "
            f"the list rounds: {_cores(usage, client, wall)}",
        )

    def webhooks(self) -> list[Figure]:
        from benchmarks.http_webhooks import Deliveries

        deliveries = Deliveries(self.info["webhook_path"], self.info["board_id"], DUPLICATE_EVERY)
        port = self.site.port
        drive("warm up", port, deliveries.make("warm"), seconds=WARMUP_SECONDS, rate=WEBHOOK_RATE)
        usage = self.site.usage()
        offered = drive(
            "webhooks", port, deliveries.make("open"), seconds=WEBHOOK_SECONDS,
            rate=WEBHOOK_RATE, keep_bodies=True,
        )  # fmt: skip
        usage = self.site.usage(since=usage)
        peak = drive("webhooks", port, deliveries.make("peak"), seconds=SECONDS, keep_bodies=True)
        bare_make = lambda number: request_bytes("POST", "/bare/insert/", body=b"{}")  # noqa: E731
        bare = drive("bare insert", port, bare_make, seconds=SECONDS, rate=WEBHOOK_RATE)
        stored = deliveries.check(self.database_url, {"open": offered, "peak": peak})
        p99, delivered = offered.percentile(99), len(offered.latencies)
        return [
            Figure(
                "monday webhook ingest over HTTP: stored events/s",
                stored["open"] / offered.seconds,
                "/s",
                min_value=WEBHOOK_RATE,
                note=f"{WEBHOOK_RATE:g}/s offered for {WEBHOOK_SECONDS:g}s (open loop), 1 in "
                f"{DUPLICATE_EVERY} a duplicate; {stored['open']} events each stored once, "
                f"received, one task queued; {self.on}; cores: "
                f"{_cores(usage, offered.client_cpu, offered.seconds)}; CPU a delivery: "
                f"uvicorn {usage['uvicorn'] / delivered * 1e3:.2f}ms, postgres "
                f"{usage['postgres'] / delivered * 1e3:.2f}ms",
            ),
            Figure(
                "monday webhook ingest over HTTP: ack p99",
                p99,
                "ms",
                max_value=P99_BAR_MS,
                note=f"p50 {offered.percentile(50):.1f}ms, max "
                f"{max(offered.latencies) * 1e3:.1f}ms at {WEBHOOK_RATE:g}/s; bare one-INSERT "
                "view at the same rate: p50 "
                f"{bare.percentile(50):.1f}ms, p99 {bare.percentile(99):.1f}ms",
            ),
            Figure(
                "monday webhook ingest over HTTP: closed-loop peak",
                stored["peak"] / peak.seconds,
                "/s",
                note=f"informational: {CONNECTIONS} connections sending back to back; p50 "
                f"{peak.percentile(50):.1f}ms, p99 {peak.percentile(99):.1f}ms",
            ),
        ]


def _cores(usage: dict[str, float], client: float, wall: float) -> str:
    """Where the machine's 2 cores went: uvicorn, PostgreSQL (all its databases), this client,
    and anything else running meanwhile (other processes make the figures noisier)."""
    others = usage["machine"] - usage["uvicorn"] - usage["postgres"] - client
    parts = {"uvicorn": usage["uvicorn"], "postgres": usage["postgres"], "client": client}
    parts["others"] = max(others, 0.0)
    return ", ".join(f"{who} {seconds / wall:.2f}" for who, seconds in parts.items()) + " of 2"


def _p(pairs: list[tuple[Run, Run]], which: int, percent: int) -> str:
    return f"{statistics.median(pair[which].percentile(percent) for pair in pairs):.0f}ms"
