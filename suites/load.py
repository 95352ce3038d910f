"""``nox -s load``: concurrent clients on uvicorn (2 workers) and PostgreSQL, then the bars.

    python -m suites.load [--duration 60] [--clients 50] [--drain 300]

Each client has its own token and form and loops over a weighted mix (``suites.load_mix``):
API reads and writes, signed monday webhook deliveries (with deliberate duplicates) and
document requests. Afterwards the task workers drain and the bars are checked: no 5xx and no
transport error; every acknowledged webhook event stored exactly once; every trigger event and
every requested document done. Exit 1 when one is missed.

Throttling: each client has its own user token, so ``UserRateThrottle`` (3000/minute per user,
per uvicorn process) is never reached. API keys authenticate as the anonymous user, so their
requests count against ``AnonRateThrottle`` (120/minute per address, per process); the suite
paces them at 1/s and counts any 429 apart. Trigger events and documents are paced too (each
costs a PDF render in the workers, which share the machine with the load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict

import httpx

from suites.live import System, running_system
from suites.load_mix import WEIGHTS, Load, Pace, client
from suites.load_setup import Monday, connect, principals

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
    return parser.parse_args(argv)


async def run_load(system: System, monday: Monday, args: argparse.Namespace) -> Load:
    board, tokens = connect(system, args.clients)
    who = principals(system, tokens, args.clients)
    # uvicorn closes a connection idle for 5 s; httpx's default expiry is also 5 s, so a
    # request could go out on a connection the server is closing at that moment.
    limits = httpx.Limits(
        max_connections=args.clients * 2,
        max_keepalive_connections=args.clients * 2,
        keepalive_expiry=2.0,
    )
    async with httpx.AsyncClient(base_url=system.base_url, timeout=60, limits=limits) as http:
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
        started = time.monotonic()
        deadline = started + args.duration
        await asyncio.gather(
            *(client(load, who[n % len(who)], deadline) for n in range(args.clients))
        )
        load.elapsed = time.monotonic() - started
    return load


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


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def table(load: Load) -> dict[str, int]:
    """Print the figures per kind; returns the totals by status class."""
    elapsed = load.elapsed
    by_kind: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for kind, status, seconds in load.records:
        by_kind[kind].append((status, seconds))
    rows = [(kind, by_kind[kind]) for kind in WEIGHTS if kind in by_kind]
    rows.append(("all", [(s, t) for _, s, t in load.records]))
    header = f"{'kind':<17}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'2xx':>7}{'4xx':>6}{'(429)':>7}{'5xx':>6}{'conn err':>9}")
    totals: dict[str, int] = {}
    for kind, items in rows:
        statuses = [s for s, _ in items]
        latencies = [t for s, t in items if s]
        classes = {
            "2xx": sum(200 <= s < 300 for s in statuses),
            "4xx": sum(400 <= s < 500 for s in statuses),
            "429": statuses.count(429),
            "5xx": sum(s >= 500 for s in statuses),
            "err": statuses.count(0),
        }
        print(
            f"{kind:<17}{len(items):>9}{len(items) / elapsed:>8.1f}"
            f"{pct(latencies, 50):>9.1f}{pct(latencies, 99):>9.1f}"
            f"{classes['2xx']:>7}{classes['4xx']:>6}{classes['429']:>7}"
            f"{classes['5xx']:>6}{classes['err']:>9}"
        )
        if kind == "all":
            totals = classes
    return totals


def bars(system: System, load: Load, args: argparse.Namespace) -> bool:
    totals = table(load)
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
        ("no 5xx", totals["5xx"] == 0, f"{totals['5xx']} answers >= 500"),
        (
            "no transport errors",
            totals["err"] == 0,
            f"{totals['err']} ({dict(load.errors) or 'none'})",
        ),
        (
            "no 429",
            totals["429"] == 0,
            f"{totals['429']} throttled ({totals['4xx'] - totals['429']} other 4xx)",
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
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    for key, error in list(undone_errors.items())[:10]:
        print(f"  not done {key}: {error}")
    return all(ok for _, ok, _ in checks)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    monday = Monday()
    with running_system(web_workers=2, task_workers=2, env=monday.env) as system:
        monday.start(system)
        load = asyncio.run(run_load(system, monday, args))
        print(
            f"load: {args.clients} clients for {load.elapsed:.1f} s on {system.base_url} "
            f"(uvicorn x2, task workers x2, PostgreSQL)\n"
        )
        try:
            ok = bars(system, load, args)
        except Exception:
            print(system.logs(), file=sys.stderr)
            raise
        if not ok:
            print(system.logs()[-8000:], file=sys.stderr)
    print(f"runtime {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
