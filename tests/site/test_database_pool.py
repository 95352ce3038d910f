"""PostgreSQL connections come from Django's pool: sized from the environment, shown in
``/healthz``, and bounded on the server however many requests arrive at once.

The settings tests run on any database; the others need PostgreSQL (``postgresql`` marker,
deselected on SQLite) and start a real uvicorn on the test database.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time

import httpx
import psycopg
import pytest

from betterform_site.env import SettingsError, database_pool_options

POOL_ENV = ("DATABASE_POOL", "DATABASE_POOL_MIN_SIZE", "DATABASE_POOL_MAX_SIZE")


@pytest.fixture
def pool_env(monkeypatch):
    for name in (*POOL_ENV, "DATABASE_POOL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_pool_is_on_by_default_with_sizes_for_two_web_workers_and_a_task_worker(pool_env):
    assert database_pool_options() == {
        "min_size": 2,
        "max_size": 10,
        "timeout": 2.0,
        "reconnect_timeout": 5.0,
    }


def test_the_pool_is_sized_from_the_environment(pool_env):
    pool_env.setenv("DATABASE_POOL_MIN_SIZE", "1")
    pool_env.setenv("DATABASE_POOL_MAX_SIZE", "4")
    pool_env.setenv("DATABASE_POOL_TIMEOUT", "1.5")
    assert database_pool_options() == {
        "min_size": 1,
        "max_size": 4,
        "timeout": 1.5,
        "reconnect_timeout": 5.0,
    }


def test_a_minimum_above_ten_raises_the_default_maximum_with_it(pool_env):
    pool_env.setenv("DATABASE_POOL_MIN_SIZE", "12")
    assert database_pool_options()["max_size"] == 12


def test_database_pool_false_turns_the_pool_off(pool_env):
    pool_env.setenv("DATABASE_POOL", "false")
    assert database_pool_options() is None


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DATABASE_POOL_MIN_SIZE": "5", "DATABASE_POOL_MAX_SIZE": "2"}, "DATABASE_POOL_MAX_SIZE"),
        ({"DATABASE_POOL_MAX_SIZE": "0", "DATABASE_POOL_MIN_SIZE": "0"}, "DATABASE_POOL_MAX_SIZE"),
        ({"DATABASE_POOL_MIN_SIZE": "-1"}, "DATABASE_POOL_MIN_SIZE"),
        ({"DATABASE_POOL_TIMEOUT": "0"}, "DATABASE_POOL_TIMEOUT"),
        ({"DATABASE_POOL_TIMEOUT": "soon"}, "DATABASE_POOL_TIMEOUT"),
        ({"DATABASE_POOL": "maybe"}, "DATABASE_POOL"),
    ],
)
def test_a_pool_psycopg_would_refuse_stops_the_site_with_one_sentence(pool_env, env, names):
    for name, value in env.items():
        pool_env.setenv(name, value)
    with pytest.raises(SettingsError, match=names):
        database_pool_options()


SHOW_DATABASE = """
import json, django
django.setup()
from django.conf import settings
d = settings.DATABASES["default"]
print(json.dumps([d["CONN_MAX_AGE"], d["CONN_HEALTH_CHECKS"], d["OPTIONS"]]))
"""


@pytest.mark.parametrize(
    ("env", "options"),
    [
        (
            {"DATABASE_POOL_MAX_SIZE": "4"},
            {
                "application_name": "app",
                "pool": {"min_size": 2, "max_size": 4, "timeout": 2.0, "reconnect_timeout": 5.0},
            },
        ),
        ({"DATABASE_POOL": "off"}, {"application_name": "app"}),
    ],
)
def test_postgresql_settings_carry_the_pool_with_persistent_connections_off(site_env, env, options):
    """The URL's own options stay; CONN_MAX_AGE is 0 (Django refuses a pool otherwise) and
    health checks are on (Django then passes ``check=ConnectionPool.check_connection``)."""
    url = "postgres://postgres@127.0.0.1:5432/anything?application_name=app"
    result = subprocess.run(
        [sys.executable, "-c", SHOW_DATABASE],
        env={**site_env, **env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [0, True, options]


# --- on PostgreSQL --------------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db
def test_healthz_shows_this_process_pool(client, settings):
    from django.db import connection
    from psycopg_pool import ConnectionPool

    body = client.get("/healthz").json()
    pool = body["database"]["pool"]
    configured = settings.DATABASES["default"]["OPTIONS"]["pool"]
    assert (pool["min"], pool["max"]) == (configured["min_size"], configured["max_size"])
    assert pool["size"] >= 1 and pool["requests"] >= 1
    assert set(pool) == {
        "min", "max", "size", "available", "waiting", "requests", "queued", "wait_ms",
        "errors", "connection_errors", "connections_lost",
    }  # fmt: skip
    # What Django 5.2 gave psycopg_pool: connections are checked as they leave the pool.
    assert connection.pool._check == ConnectionPool.check_connection


def _pg_url(application_name: str) -> str:
    """The test database, as a DATABASE_URL for a site process of its own."""
    from django.db import connection

    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return (
        f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/"
        f"{s['NAME']}?application_name={application_name}"
    )


class Backends:
    """Counts, in a thread of its own, the server processes (``pg_stat_activity``) of one
    ``application_name`` every 20 ms; ``most`` is the highest count seen."""

    def __init__(self, application_name: str) -> None:
        from django.db import connection

        s = connection.settings_dict
        self.dsn = dict(
            dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
            host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, autocommit=True,
        )  # fmt: skip
        self.application_name = application_name
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def count(self) -> int:
        with psycopg.connect(**self.dsn) as conn:
            return self._count(conn)

    def _count(self, conn: psycopg.Connection) -> int:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        return conn.execute(sql, [self.application_name]).fetchone()[0]

    def terminate(self) -> int:
        """End every server process of the site, as a PostgreSQL restart does."""
        sql = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s"
        )
        with psycopg.connect(**self.dsn) as conn:
            return conn.execute(sql, [self.application_name]).fetchone()[0]

    def _run(self) -> None:
        with psycopg.connect(**self.dsn) as conn:
            while not self._stop.wait(0.02):
                self.most = max(self.most, self._count(conn))

    def __enter__(self) -> Backends:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


async def _burst(base_url: str, token: str, requests: int, concurrency: int) -> list[int]:
    """``requests`` GETs, ``concurrency`` in flight at once, alternating /healthz and the
    quote list; returns the statuses (0: no answer)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Token {token}"}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def one(n: int) -> int:
            path = "/healthz" if n % 2 else "/api/quotes/?page_size=5"
            async with gate:
                try:
                    return (await client.get(path, headers=headers)).status_code
                except httpx.HTTPError:
                    return 0

        return list(await asyncio.gather(*(one(n) for n in range(requests))))


POOL = {"DATABASE_POOL_MIN_SIZE": "1", "DATABASE_POOL_MAX_SIZE": "3"}


def _settled_pool(base_url: str) -> dict[str, int]:
    """The pool as /healthz shows it once every finished request has handed its connection
    back (Django does that after the response is sent, so just after a burst a few may be on
    their way); the last reading after 5 s otherwise."""
    deadline = time.monotonic() + 5
    while True:
        pool = httpx.get(f"{base_url}/healthz").json()["database"]["pool"]
        if pool["available"] == pool["size"] - 1 or time.monotonic() > deadline:
            return pool
        time.sleep(0.1)


@pytest.mark.postgresql
@pytest.mark.slow
def test_a_pool_smaller_than_the_concurrency_serves_every_request(transactional_db, live_site):
    """40 requests at once on one uvicorn process whose pool holds 3 connections: every answer
    is a 200, the server never sees more than 3 of the site's connections, and none leaks
    (240 requests through 3 connections). Then a restart's worth of broken connections: the
    pool's check drops them and the next requests are all 200 again."""
    name = "betterform-pool-test"
    env = {**POOL, "DATABASE_POOL_TIMEOUT": "20", "DATABASE_URL": _pg_url(name)}
    site = live_site(env=env)
    token = site.create_users("alice")["alice"]
    with Backends(name) as backends:
        statuses = asyncio.run(_burst(site.base_url, token, requests=240, concurrency=40))
    assert sorted(set(statuses)) == [200], f"{statuses}\n{site.logs()}"
    assert 1 <= backends.most <= 3, f"{backends.most} connections for a pool of 3"
    pool = _settled_pool(site.base_url)
    assert pool["max"] == 3 and pool["queued"] > 0, pool  # requests did wait for a connection
    assert pool["errors"] == 0 and pool["waiting"] == 0, pool
    assert pool["available"] == pool["size"] - 1, pool  # only /healthz's own is out

    assert backends.terminate() >= 1
    statuses = asyncio.run(_burst(site.base_url, token, requests=40, concurrency=10))
    assert sorted(set(statuses)) == [200], f"{statuses}\n{site.logs()}"
    pool = httpx.get(f"{site.base_url}/healthz").json()["database"]["pool"]
    assert pool["connections_lost"] >= 1, pool


@pytest.mark.postgresql
@pytest.mark.slow
def test_the_task_worker_returns_its_connections_to_a_small_pool(transactional_db, live_site):
    """A worker with a pool of 2 (its loop and its heartbeat thread) runs more jobs than that
    and stays alive; its loop hands its connection back between jobs, so the pool never
    runs dry and the server never sees more than 2 of its connections."""
    from background_task.models import Task

    from createpdf.tasks import render_document_task

    name = "betterform-pool-worker"
    site = live_site(env={**POOL, "DATABASE_URL": _pg_url("betterform-pool-web")})
    for missing_document in range(900_001, 900_007):  # nothing to render: quick jobs
        render_document_task(missing_document)
    worker_env = {
        "DATABASE_URL": _pg_url(name),
        "DATABASE_POOL_MAX_SIZE": "2",
        "DATABASE_POOL_TIMEOUT": "2",
        "WORKER_HEARTBEAT_SECONDS": "1",
    }
    with Backends(name) as backends:
        site.spawn("-m", "betterform_site", "process_tasks", "--sleep", "0.1", env=worker_env)
        deadline = time.monotonic() + 60
        while Task.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        health = httpx.get(f"{site.base_url}/healthz").json()
    assert not Task.objects.exists(), site.logs()
    assert health["worker"]["alive"], health
    assert 1 <= backends.most <= 2, backends.most
    assert "couldn't get a connection" not in site.logs()


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_full_pool_is_a_busy_503_not_a_database_outage(rf):
    """Django wraps psycopg-pool's PoolTimeout in its OperationalError. With every connection
    of the pool taken, the answer says busy, retry in a second; a pool that cannot connect
    times out alike, and that one says the database is unavailable."""
    import psycopg_pool
    from django.db import OperationalError, connection

    from betterform_site.middleware import DatabaseUnavailableMiddleware

    def timed_out() -> OperationalError:
        try:
            try:
                raise psycopg_pool.PoolTimeout("couldn't get a connection after 2.00 sec")
            except psycopg_pool.PoolTimeout as timeout:
                raise OperationalError(str(timeout)) from timeout
        except OperationalError as wrapped:
            return wrapped

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    pool = connection.pool
    taken = []
    try:
        while pool.get_stats().get("pool_size", 0) < pool.max_size or pool.get_stats().get(
            "pool_available", 0
        ):
            taken.append(pool.getconn(timeout=5))
        busy = middleware.process_exception(rf.get("/api/quotes/"), timed_out())
    finally:
        for held in taken:
            pool.putconn(held)
    down = middleware.process_exception(rf.get("/api/quotes/"), OperationalError("refused"))

    assert busy.status_code == down.status_code == 503
    assert (busy["Retry-After"], down["Retry-After"]) == ("1", "5")
    assert json.loads(busy.content)["detail"] == "The server is busy; retry in a second."
    assert "database is unavailable" in json.loads(down.content)["detail"]
