"""The real system for a suite: a fresh database, uvicorn, task workers, users and keys.

Every process is a child of the suite in a process group of its own, with its output in a log
file (``suites.processes``); ``System.stop`` ends the groups, and so does the suite's exit, however
it ends. PostgreSQL is the default, as in production (``POSTGRES_URL`` names the server).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from suites import processes as children

POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/betterform")
PASSWORD = "suite-password-not-a-secret"

CREATE_PRINCIPALS = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework_api_key.models import APIKey
users = get_user_model().objects
out = {"tokens": {}}
for name, staff in (("rep_a", False), ("rep_b", False), ("staff", True)):
    user = users.create_user(name, password=SUITE_PASSWORD, is_staff=staff)
    out["tokens"][name] = Token.objects.create(user=user).key
_, out["api_key"] = APIKey.objects.create_key(name="suite")
revoked, out["revoked_key"] = APIKey.objects.create_key(name="suite-revoked")
revoked.revoked = True
revoked.save()
print(json.dumps(out))
""".replace("SUITE_PASSWORD", repr(PASSWORD))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres_database(prefix: str) -> str:
    """A new, empty database on the ``POSTGRES_URL`` server; returns its URL."""
    import psycopg

    parts = urlsplit(POSTGRES_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


@dataclass
class System:
    """What a suite runs against; ``principals`` holds the reps' and staff's tokens and keys."""

    base_url: str
    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    principals: dict = field(default_factory=dict)

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """``python ARGS`` in a process group of its own, its output in ``<n>-<name>.log``."""
        log = self.log_dir / f"{len(self.processes)}-{name}.log"
        process = children.spawn([sys.executable, *args], log=log, env={**self.env, **(env or {})})
        self.processes.append(process)
        return process

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "betterform_site", *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def start_web(self, port: int, workers: int = 2) -> subprocess.Popen:
        process = self.spawn(
            "uvicorn",
            *("-m", "uvicorn", "betterform_site.asgi:application", "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", str(workers), "--log-level", "warning"),
        )
        wait_for(f"{self.base_url}/healthz", process)
        return process

    def start_worker(self) -> subprocess.Popen:
        return self.spawn("worker", "-m", "betterform_site", "process_tasks", "--sleep", "0.1")

    def headers(self, who: str) -> dict[str, str]:
        """``rep_a``, ``rep_b``, ``staff``, ``api_key``, ``revoked_key`` or ``anonymous``."""
        if who in self.principals.get("tokens", {}):
            return {"Authorization": f"Token {self.principals['tokens'][who]}"}
        if who in ("api_key", "revoked_key"):
            return {"Authorization": f"Api-Key {self.principals[who]}"}
        return {}

    def logs(self) -> str:
        return "\n".join(f"--- {p.log}\n{p.log.read_text()[-4000:]}" for p in self.processes)

    def stop(self) -> None:
        """SIGTERM to every group, SIGKILL to what is left 20 s later (``children.stop``)."""
        children.stop(*self.processes, grace=20)


def wait_for(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    """Until ``url`` gives any HTTP answer; ``suites.processes.ChildFailed`` (a RuntimeError) when
    ``process`` exits first or ``timeout`` (s) runs out."""
    children.wait_until_answers(url, process, timeout=timeout)


@contextmanager
def running_system(
    *,
    database: str = "postgres",
    web_workers: int = 2,
    task_workers: int = 1,
    env: dict[str, str] | None = None,
) -> Iterator[System]:
    """Migrate a fresh database, create the principals, start uvicorn and the workers."""
    with tempfile.TemporaryDirectory(prefix="betterform-suite-") as tmp:
        data = Path(tmp)
        url = (
            fresh_postgres_database("suite")
            if database == "postgres"
            else f"sqlite:///{data / 'suite.sqlite3'}"
        )
        port = free_port()
        system_env = {
            **os.environ,
            "DJANGO_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "betterform_site.settings",
            "BETTERFORM_DATA_DIR": str(data / "var"),
            "DATABASE_URL": url,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        (data / "logs").mkdir()
        system = System(f"http://127.0.0.1:{port}", system_env, data / "logs")
        try:
            system.manage("migrate", "--noinput")
            system.principals = json.loads(
                system.manage("shell", "-v", "0", "-c", CREATE_PRINCIPALS).splitlines()[-1]
            )
            system.start_web(port, workers=web_workers)
            for _ in range(task_workers):
                system.start_worker()
            yield system
        finally:
            system.stop()
            if database == "postgres":
                drop_postgres_database(url)
