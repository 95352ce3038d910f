"""Scenario ``postgres``: a private PostgreSQL stopped for a few seconds under load.

A few clients create and list quotes while the database is stopped (``pg_ctl stop -m fast``)
and started again: answers during the outage are 503 with ``Retry-After`` (never 500, never a
hang), answers recover after it, and every quote acknowledged with 201 exists afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import httpx

from suites.faults_common import Row, api, keep_logs, note, private_postgres, wait_until
from suites.live import System, running_system

NAME = "postgres"
CLIENTS = 4
BEFORE_SECONDS = 3  # load before the stop
# Several DATABASE_POOL_TIMEOUTs (2 s): with the pool a request waits that long for a connection
# before its 503, and the checks below count the requests that start and end inside the outage.
OUTAGE_SECONDS = 8
AFTER_SECONDS = 12  # load after the start
RECOVERY_BAR = 10  # seconds after the start by which every answer is 2xx again
HANG_BAR = 5.0  # no answer may take longer, outage or not
LINE = {"description": "Cabinets", "quantity": "2", "unit_price": "1250.00", "tax_rate": "21"}


@dataclass
class Call:
    kind: str  # "write", "read" or "health"
    start: float
    end: float
    status: int  # 0: no answer (timeout, connection error)
    retry_after: str | None = None
    created: int | None = None
    body: str = ""


def run(_options) -> list[Row]:
    with private_postgres() as cluster:
        url = cluster.create_database("faults")
        env = {"DATABASE_URL": url, "WORKER_HEARTBEAT_SECONDS": "1", "WORKER_STALE_AFTER": "10"}
        # "sqlite" only keeps running_system from making a database on POSTGRES_URL: the
        # DATABASE_URL above (the private cluster) wins.
        with running_system(database="sqlite", env=env, web_workers=2) as system:
            try:
                return _outage(system, cluster)
            finally:
                keep_logs(system, NAME)


def _outage(system: System, cluster) -> list[Row]:
    calls: list[Call] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client, args=(system, calls, stop, n), daemon=True)
        for n in range(CLIENTS)
    ]
    threads.append(threading.Thread(target=_health, args=(system, calls, stop), daemon=True))
    for thread in threads:
        thread.start()
    note(NAME, f"system up; {CLIENTS} clients and a /healthz probe running")
    time.sleep(BEFORE_SECONDS)
    stopping = time.monotonic()
    cluster.stop()
    down = time.monotonic()
    note(NAME, "PostgreSQL stopped")
    time.sleep(OUTAGE_SECONDS)
    starting = time.monotonic()
    cluster.start()
    up = time.monotonic()
    note(NAME, "PostgreSQL started")
    time.sleep(AFTER_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    requests = [call for call in calls if call.kind != "health"]
    health = [call for call in calls if call.kind == "health"]
    outage = [call for call in requests if call.start >= down and call.end <= starting]
    bad = [
        call for call in calls if call.status == 0 or (call.status >= 500 and call.status != 503)
    ]
    slowest = max(call.end - call.start for call in calls)
    unavailable = [call for call in calls if call.status == 503]
    without_retry_after = [c for c in unavailable if not c.retry_after and c.kind != "health"]
    first_ok = min((c.end for c in requests if c.start >= up and c.status < 300), default=None)
    late = [call for call in requests if call.start >= up + RECOVERY_BAR]
    late_bad = [call for call in late if call.status >= 300]
    health_down = [c for c in health if c.start >= down and c.end <= starting]
    acknowledged = [call.created for call in calls if call.created is not None]
    lost, worker_alive = _check_after(system, acknowledged)
    after = [call for call in requests if call.start >= up]
    last_503 = max((c.end - up for c in after if c.status == 503), default=0.0)
    recovery = f"{first_ok - up:.1f} s" if first_ok is not None else "never"
    return [
        Row(
            NAME,
            "load through the outage: no 500, no hang",
            f"{len(requests)} requests by {CLIENTS} clients, {len(unavailable)} x 503, "
            f"{len(bad)} x 5xx-other/no answer, slowest {slowest:.2f} s (bar {HANG_BAR:.0f} s); "
            f"stop took {down - stopping:.1f} s, start {up - starting:.1f} s",
            not bad and slowest <= HANG_BAR,
        ),
        Row(
            NAME,
            "requests while down are 503 with Retry-After",
            f"{len(outage)} while down: {_statuses(outage)}; "
            f"503 without Retry-After: {_statuses(without_retry_after, by='kind')}",
            bool(outage) and all(c.status == 503 for c in outage) and not without_retry_after,
        ),
        Row(
            NAME,
            "/healthz is 503 while down",
            f"{len(health_down)} probes while down: {_statuses(health_down)} "
            f"(Retry-After on {sum(bool(c.retry_after) for c in health_down)})",
            bool(health_down) and all(c.status == 503 for c in health_down),
        ),
        Row(
            NAME,
            "requests recover after the start",
            f"first 2xx {recovery} after the start; 503 after the start: "
            f"{sum(c.status == 503 for c in after)} (last at +{last_503:.1f} s); "
            f"{len(late)} requests from "
            f"+{RECOVERY_BAR} s: {_statuses(late)}",
            first_ok is not None and bool(late) and not late_bad,
        ),
        Row(
            NAME,
            "no acknowledged write lost",
            f"{len(acknowledged)} quotes answered 201, {len(lost)} missing after {lost[:5]}",
            bool(acknowledged) and not lost,
        ),
        Row(
            NAME,
            "the worker survives the outage",
            f"worker process {'running' if worker_alive[0] else 'exited'}, "
            f"/healthz worker alive: {worker_alive[1]}",
            all(worker_alive),
        ),
    ]


def _statuses(calls: list[Call], by: str = "status") -> str:
    """``"200: 3, 503: 9"``: how many calls per status (or per ``kind``)."""
    counts: dict = {}
    for call in calls:
        key = getattr(call, by) or "none"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key}: {n}" for key, n in sorted(counts.items(), key=str)) or "-"


def _client(system: System, calls: list[Call], stop: threading.Event, number: int) -> None:
    with api(system, "rep_a", timeout=HANG_BAR * 3) as client:
        while not stop.is_set():
            if number % 2 == 0 or len(calls) % 2 == 0:
                title = f"Fault {uuid.uuid4().hex[:10]}"
                calls.append(
                    _call(
                        client,
                        "write",
                        "POST",
                        "/api/quotes/",
                        json={"title": title, "lines": [LINE]},
                    )
                )
            else:
                calls.append(_call(client, "read", "GET", "/api/quotes/?page_size=5"))
            time.sleep(0.05)


def _health(system: System, calls: list[Call], stop: threading.Event) -> None:
    with httpx.Client(base_url=system.base_url, timeout=HANG_BAR * 3) as client:
        while not stop.is_set():
            calls.append(_call(client, "health", "GET", "/healthz"))
            time.sleep(0.25)


def _call(client: httpx.Client, kind: str, method: str, path: str, **kwargs) -> Call:
    start = time.monotonic()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        return Call(kind, start, time.monotonic(), 0, body=repr(error))
    end = time.monotonic()
    created = response.json()["id"] if kind == "write" and response.status_code == 201 else None
    return Call(
        kind,
        start,
        end,
        response.status_code,
        response.headers.get("Retry-After"),
        created,
        response.text[:200] if response.status_code >= 500 else "",
    )


def _check_after(system: System, acknowledged: list[int]) -> tuple[list[int], tuple[bool, bool]]:
    """The acknowledged quotes that are missing now, and whether the worker lived through."""
    with api(system, "rep_a") as client:
        lost = [n for n in acknowledged if client.get(f"/api/quotes/{n}/").status_code != 200]

        def alive() -> bool:
            answer = client.get("/healthz")
            return answer.status_code == 200 and answer.json()["worker"]["alive"]

        try:
            worker_seen = bool(wait_until(alive, "a live worker", 20, step=0.5))
        except TimeoutError:
            worker_seen = False
    worker = system.processes[-1]
    return lost, (worker.poll() is None, worker_seen)
