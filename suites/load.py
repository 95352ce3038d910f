"""``nox -s load``: the mix on uvicorn (2 workers) and PostgreSQL, closed then open loop.

    python -m suites.load [--duration 60] [--clients 50] [--rates 75,100,...] [--step 10]

Closed loop: each client has its own token and form and loops over a weighted mix
(``suites.load_mix``): API reads and writes, signed monday webhook deliveries (with deliberate
duplicates) and document requests, the next as soon as the last is answered. Open loop
(``suites.load_open``): the same mix started on a fixed schedule, stepped up in rate, until p99
crosses the bar; it prints the rate where that happens. Unless ``--rates`` names them, the rates
go up by 25 from half the closed loop's throughput, for at most ``--open-budget`` seconds.
Afterwards the task workers drain and the bars are checked: the closed loop's throughput and
p99 (issue 15: at least 4x the 27.9 requests a second measured before it, p99 under 1 s; a
miss prints MISS and fails the run only with ``--strict-speed``, as the issue is open); no 5xx,
no transport error and no 429 in the closed loop and in the open loop's steps under the p99 bar
(past it the system is over capacity: its errors are printed, not failed); every acknowledged
webhook event stored exactly once; every trigger event and every requested document done. Exit 1
when one is missed.

Throttling: each client has its own user token, so ``UserRateThrottle`` (3000/minute per user,
per uvicorn process) is never reached. API keys authenticate as the anonymous user, so their
requests count against ``AnonRateThrottle`` (120/minute per address, per process); the suite
paces them at 1/s and counts any 429 apart. Trigger events and documents are paced too (each
costs a PDF render in the workers, which share the machine with the load); a kind whose pace is
spent sends a list read instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict

import httpx

from suites.live import System, running_system
from suites.load_http import Client, new_event_loop
from suites.load_mix import WEIGHTS, Load, Pace, client
from suites.load_open import Step, default_rates, open_loop, split
from suites.load_open import report as open_report
from suites.load_report import CpuMeter, classes, table
from suites.load_setup import Monday, connect, principals

# Issue 15: 27.9 requests a second (p50 1.5 s, p99 5.5 s) before it; the bar is 4x that.
BEFORE_RPS = 27.9

EVENTS = """
import json
from monday_integration.models import WebhookEvent
from django.db.models import Count
rows = WebhookEvent.objects.filter(trigger_uuid__startswith="load-")
dupes = rows.values("trigger_uuid").annotate(n=Count("id")).filter(n__gt=1).count()
print(json.dumps({"dupes": dupes, "rows": {
    r.trigger_uuid: [r.id, r.status, r.error[:200]] for r in rows}}))
"""


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m suites.load", description=__doc__)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds to let work finish")
    parser.add_argument("--triggers-per-second", type=float, default=1.0)
    parser.add_argument("--documents-per-second", type=float, default=1.0)
    parser.add_argument(
        "--min-rps", type=float, default=4 * BEFORE_RPS, help="closed-loop bar (4 x 27.9)"
    )
    parser.add_argument("--max-p99", type=float, default=1000.0, help="p99 bar in ms (1000)")
    parser.add_argument(
        "--strict-speed",
        action="store_true",
        help="fail the run when the throughput or p99 bar is missed (else MISS is printed)",
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [float(r) for r in text.split(",") if r.strip()],
        default=None,
        help="open-loop offered rates, req/s, comma-separated; '' for no open loop "
        "(default: by 25 from half the closed loop's throughput)",
    )
    parser.add_argument("--step", type=float, default=10.0, help="seconds per open-loop rate")
    parser.add_argument(
        "--open-budget", type=float, default=90.0, help="seconds of open loop at most (90)"
    )
    return parser.parse_args(argv)


async def run_load(
    system: System, monday: Monday, args: argparse.Namespace
) -> tuple[Load, CpuMeter, list[Step]]:
    """The closed loop, then the open loop; returns the load (its records start with the
    closed loop's, ``load.closed`` of them), the CPU during the closed loop and the steps."""
    board, tokens = connect(system, args.clients)
    who = principals(system, tokens, args.clients)
    # uvicorn closes a connection idle for 5 s: reuse one for 2 s at most. The open loop may
    # have many requests waiting at once; past the connections, they wait in the client (and
    # their time counts from when they were due).
    async with Client(system.base_url, timeout=60, max_connections=512) as http:
        load = Load(
            http,
            monday,
            board,
            system.headers("api_key"),
            system.headers("staff"),
            triggers=Pace(args.triggers_per_second),
            documents_pace=Pace(args.documents_per_second),
            api_key_pace=Pace(1.0),
        )
        cpu = CpuMeter().start()
        started = time.monotonic()
        deadline = started + args.duration
        await asyncio.gather(
            *(client(load, who[n % len(who)], deadline) for n in range(args.clients))
        )
        load.elapsed = time.monotonic() - started
        cpu.stop()
        load.closed = len(load.records)
        rates = default_rates(load.closed / load.elapsed) if args.rates is None else args.rates
        rates = rates[: max(0, int(args.open_budget // args.step))]
        steps = await open_loop(load, who, rates, args.step, args.max_p99)
    return load, cpu, steps


def count(http: httpx.Client, path: str, headers: dict[str, str]) -> int:
    response = http.get(path, headers=headers)
    response.raise_for_status()
    return response.json()["count"]


def drain(system: System, seconds: float) -> float:
    """Poll the REST API until no event or document is waiting or running; returns the time."""
    staff = system.headers("staff")
    started = time.monotonic()
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        while time.monotonic() - started < seconds:
            waiting = sum(
                count(http, f"{path}?status={status}&page_size=1", staff)
                for path, statuses in (
                    ("/api/monday/events/", ("received", "processing")),
                    ("/api/pdf/documents/", ("queued", "rendering")),
                )
                for status in statuses
            )
            if not waiting:
                break
            time.sleep(2)
    return time.monotonic() - started


def documents(system: System) -> dict[int, dict]:
    found: dict[int, dict] = {}
    url: str | None = "/api/pdf/documents/?page_size=100"
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        while url:
            response = http.get(url, headers=system.headers("staff"))
            response.raise_for_status()
            page = response.json()
            found.update({doc["id"]: doc for doc in page["results"]})
            url = page["next"]
    return found


def replay_failed(system: System, failed: list[int]) -> None:
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        for pk in failed:
            http.post(f"/api/monday/events/{pk}/replay/", headers=system.headers("staff"))


def bars(
    system: System,
    load: Load,
    totals: dict[str, float],
    steps: list[Step],
    args: argparse.Namespace,
) -> bool:
    """Drain the workers, print the checks; True when all pass. ``totals``: the closed loop's
    (``load_report.table``); the error checks count the closed loop's requests and the open
    loop's under the p99 bar (``load_open.split``)."""
    under, over = split(steps, args.max_p99)
    everything = classes([status for _, status, _ in load.records[: load.closed] + under])
    past = classes([status for _, status, _ in over])
    waited = drain(system, args.drain)
    events = json.loads(system.manage("shell", "-v", "0", "-c", EVENTS).splitlines()[-1])
    rows = events["rows"]
    failed = [rows[u][0] for u in load.acked if u in rows and rows[u][1] == "failed"]
    replayed = len(failed)
    if failed:
        replay_failed(system, failed)
        waited += drain(system, args.drain)
        events = json.loads(system.manage("shell", "-v", "0", "-c", EVENTS).splitlines()[-1])
        rows = events["rows"]
    docs = documents(system)
    lost = sorted(load.acked - rows.keys())
    unsent = sorted(rows.keys() - load.sent.keys())
    triggers = [u for u in load.acked if load.sent[u] == "trigger"]
    trigger_states = defaultdict(int)
    for u in triggers:
        trigger_states[rows[u][1] if u in rows else "missing"] += 1
    wrong_kind = [
        u for u in load.acked if u in rows and load.sent[u] == "ignored" and rows[u][1] != "ignored"
    ]
    doc_states: dict[str, int] = defaultdict(int)
    for pk in load.documents:
        doc_states[docs[pk]["status"] if pk in docs else "missing"] += 1
    undone_errors = {u: rows[u][2] for u in triggers if u in rows and rows[u][1] != "done"} | {
        pk: docs[pk]["error"]
        for pk in load.documents
        if pk in docs and docs[pk]["status"] != "done"
    }
    checks = [
        (
            f"closed-loop throughput >= {args.min_rps:.1f} req/s",
            totals["rps"] >= args.min_rps,
            f"{totals['rps']:.1f} req/s ({totals['rps'] / BEFORE_RPS:.1f}x {BEFORE_RPS})",
        ),
        (
            f"closed-loop p99 < {args.max_p99:.0f} ms",
            totals["p99"] < args.max_p99,
            f"p99 {totals['p99']:.0f} ms, p50 {totals['p50']:.0f} ms",
        ),
        (
            "no 5xx",
            everything["5xx"] == 0,
            f"{everything['5xx']} answers >= 500 (closed loop, open loop under the bar; "
            f"{past['5xx']} past it)",
        ),
        (
            "no transport errors",
            everything["err"] == 0,
            f"{everything['err']} (by kind, both loops: {dict(load.errors) or 'none'})",
        ),
        (
            "no 429",
            everything["429"] == 0,
            f"{everything['429']} throttled ({everything['4xx'] - everything['429']} other 4xx)",
        ),
        (
            "no lost webhook event",
            not lost,
            f"{len(load.acked)} acknowledged, {len(lost)} not stored",
        ),
        (
            "no duplicated webhook event",
            events["dupes"] == 0 and not unsent and not load.wrong_duplicate_flags,
            f"{load.resent} re-sent, {events['dupes']} uuids stored twice, "
            f"{len(load.wrong_duplicate_flags)} re-sends not answered duplicate",
        ),
        ("non-triggers ignored", not wrong_kind, f"{len(wrong_kind)} not ignored"),
        (
            "every trigger event done",
            set(trigger_states) <= {"done"},
            f"{dict(trigger_states)} of {len(triggers)} ({replayed} failed, then replayed)",
        ),
        (
            "every document done",
            set(doc_states) <= {"done"},
            f"{dict(doc_states)} of {len(load.documents)}",
        ),
    ]
    print(f"\nworkers drained in {waited:.1f} s (deadline {args.drain:.0f} s)")
    # The first two are issue 15's speed bars, still open: missed, they print MISS and fail
    # the run only with --strict-speed; the others are correctness and always fail it.
    speed = {name for name, _, _ in checks[:2]} if not args.strict_speed else set()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'MISS' if name in speed else 'FAIL'}  {name}: {detail}")
    for key, error in list(undone_errors.items())[:10]:
        print(f"  not done {key}: {error}")
    for failure in load.failures:
        print(f"  {failure}")
    return all(ok for name, ok, _ in checks if name not in speed)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    monday = Monday()
    # Django runs each in-flight request of an ASGI worker in a thread of its own, each with
    # its own connection: a worker serving half the clients needs a pool that large, or
    # requests queue for a connection and, past DATABASE_POOL_TIMEOUT, are answered 503 busy
    # (README, Configuration).
    pool = {"DATABASE_POOL_MAX_SIZE": str(args.clients // 2 + 1)}
    with running_system(web_workers=2, task_workers=2, env={**monday.env, **pool}) as system:
        monday.start(system)
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            load, cpu, steps = runner.run(run_load(system, monday, args))
        print(
            f"closed loop: {args.clients} clients for {load.elapsed:.1f} s on {system.base_url} "
            f"(uvicorn x2, task workers x2, PostgreSQL)\n"
        )
        totals = table(load.records[: load.closed], load.elapsed, WEIGHTS)
        print(cpu.line(load.elapsed, load.closed) + "\n")
        if steps:
            print(open_report(steps, args.max_p99, args.step) + "\n")
        try:
            ok = bars(system, load, totals, steps, args)
        except Exception:
            print(system.logs(), file=sys.stderr)
            raise
        if not ok:
            print(system.logs(), file=sys.stderr)
    print(f"runtime {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
