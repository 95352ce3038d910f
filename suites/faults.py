"""``nox -s faults``: the real system under failures, each scenario printed as rows.

- ``worker``: a task worker SIGKILLed mid-render; the document completes exactly once.
- ``postgres``: a private PostgreSQL stopped for a few seconds under load: 503s, no 500s, no
  hangs, recovery, and no acknowledged write lost.
- ``redis``: a private Redis killed: the REST API and the worker carry on; Socket.IO events
  resume once it is back.
- ``monday``: the fake monday.com answering 429, 500 and slowly while webhooks arrive: every
  event ends done (replaying the failed ones), none lost.
- ``slow-monday``: two workers, monday slow, a job lease shorter than one sync, one worker
  SIGKILLed mid-sync: every sync done once, one PDF and one update per item.

``python -m suites.faults [--only NAME] [--fault-seconds 60] [--jobs 4]``; exit 1 when any
row fails. The scenarios share nothing (each has its own database, Redis, fake monday and
ports), so by default they run side by side: starting a system (migrations) takes most of a
scenario's time on a busy host. ``--jobs 1`` runs them one after the other.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from suites import faults_leases, faults_monday, faults_postgres, faults_redis, faults_worker
from suites.faults_common import LOG_ROOT, Row

SCENARIOS = {
    module.NAME: module.run
    for module in (faults_worker, faults_postgres, faults_redis, faults_monday, faults_leases)
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m suites.faults", description=__doc__)
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument(
        "--fault-seconds",
        type=float,
        default=60.0,
        help="How long the fake monday.com misbehaves (monday scenario).",
    )
    parser.add_argument("--jobs", type=int, default=4, help="Scenarios run at once (4).")
    return parser.parse_args(argv)


def print_rows(rows: list[Row]) -> None:
    widths = [max(len(getattr(row, name)) for row in rows) for name in ("scenario", "check")]
    for row in rows:
        verdict = "pass" if row.ok else "FAIL"
        print(
            f"{row.scenario:<{widths[0]}}  {row.check:<{widths[1]}}  {verdict}  {row.figures}",
            flush=True,
        )


def run_one(name: str, options: argparse.Namespace) -> list[Row]:
    began = time.monotonic()
    print(f"-- {name}: starting", flush=True)
    try:
        found = SCENARIOS[name](options)
    except Exception as error:  # a broken scenario is a failed row
        traceback.print_exc()
        found = [Row(name, "scenario ran to the end", f"{type(error).__name__}: {error}", False)]
    found.append(Row(name, "runtime", f"{time.monotonic() - began:.0f} s", True))
    print(f"-- {name}: finished; process logs in {LOG_ROOT / name}", flush=True)
    print_rows(found)
    return found


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    started = time.monotonic()
    names = options.only or list(SCENARIOS)
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        results = list(pool.map(lambda name: run_one(name, options), names))
    rows = [row for found in results for row in found]
    print(f"\n== faults: {time.monotonic() - started:.0f} s")
    print_rows(rows)
    failed = [row for row in rows if not row.ok]
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
