"""What the fault scenarios share: the result row, waiting, and private Redis and PostgreSQL
servers that a scenario may stop and start without touching the shared ones."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import httpx

from suites import processes as children
from suites.live import System, free_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
LOG_ROOT = Path(tempfile.gettempdir(), "betterform-faults-logs")


@dataclass
class Row:
    """One printed line: what was checked, the figures measured, and whether the bar was met."""

    scenario: str
    check: str
    figures: str
    ok: bool


def note(scenario: str, message: str) -> None:
    """A progress line, timestamped, so a slow step shows where the time went."""
    print(f"   {time.strftime('%H:%M:%S')} {scenario}: {message}", flush=True)


def keep_logs(system: System, scenario: str) -> Path:
    """Copy the system's process logs out of its temporary folder, to read after the run."""
    target = LOG_ROOT / scenario
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(system.log_dir, target)
    return target


def wait_until(condition: Callable[[], object], what: str, timeout: float, step=0.1):
    """``condition()``'s first truthy value; ``TimeoutError`` naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def api(system: System, who: str, timeout: float = 30) -> httpx.Client:
    return httpx.Client(base_url=system.base_url, headers=system.headers(who), timeout=timeout)


def request_report(client: httpx.Client) -> int:
    """POST the packaged ``report`` template with a title of its own (no twin to answer)."""
    sample = files("createpdf") / "document_templates" / "report.json"
    context = {**json.loads(sample.read_text()), "title": f"Report {uuid.uuid4().hex[:8]}"}
    response = client.post("/api/pdf/documents/", json={"template": "report", "context": context})
    response.raise_for_status()
    return response.json()["id"]


def document_status(client: httpx.Client, document_id: int) -> dict:
    return client.get(f"/api/pdf/documents/{document_id}/").json()


def wait_rendered(client: httpx.Client, document_id: int, timeout: float = 90) -> dict:
    def done() -> dict | None:
        document = document_status(client, document_id)
        if document["status"] == "failed":
            raise AssertionError(f"document {document_id} failed: {document['error']}")
        return document if document["status"] == "done" else None

    return wait_until(done, f"document {document_id} to be done", timeout, step=0.2)


class RedisServer:
    """A ``redis-server`` of the scenario's own (no persistence) that it may kill and restart
    on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = children.spawn(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self.answers, f"redis-server on port {self.port}", 15)
        return self

    def answers(self) -> bool:
        import redis

        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False

    def subscribers(self, channel: str) -> int:
        import redis

        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)
        except redis.ConnectionError:
            return 0

    def kill(self) -> None:
        """SIGKILL, as a crash would; the server can be started again on the same port."""
        if self.process is not None:
            children.kill(self.process)
        self.process = None


class PostgresCluster:
    """A PostgreSQL cluster of the scenario's own, run as the ``postgres`` user (PostgreSQL
    refuses root), listening on 127.0.0.1 at a free port, trusting local connections."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr or result.stdout}")

    def init(self) -> PostgresCluster:
        shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            *(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options),
            *("-l", str(self.log), "-w", "-t", "60", "start"),
        )

    def stop(self) -> None:
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        admin = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def private_postgres() -> Iterator[PostgresCluster]:
    with tempfile.TemporaryDirectory(prefix="betterform-faults-pg-") as tmp:
        cluster = PostgresCluster(Path(tmp)).init()
        cluster.start()
        try:
            yield cluster
        finally:
            with suppress(RuntimeError):  # already stopped
                cluster.stop()


@contextmanager
def private_redis() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="betterform-faults-redis-") as tmp:
        server = RedisServer(Path(tmp)).start()
        try:
            yield server
        finally:
            server.kill()
