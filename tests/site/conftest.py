"""A live site for the real-time tests: uvicorn (Django + Socket.IO) and, when asked, a worker,
each a process of its own on a fresh SQLite file (or PostgreSQL/Redis through ``env``).

Each process leads a process group of its own (``suites.processes``, shared with the suites):
the fixture's teardown stops the whole groups, and the run's exit stops any a failure skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from suites import processes as children

CREATE_USERS = """
import json, os
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
tokens = {}
for name, staff in json.loads(os.environ["LIVE_SITE_USERS"]):
    user = get_user_model().objects.create_user(name, password="live-site-password",
                                                is_staff=staff)
    tokens[name] = Token.objects.create(user=user).key
print(json.dumps(tokens))
"""


@dataclass
class LiveSite:
    """A running uvicorn; ``start_worker`` adds a ``process_tasks`` process."""

    base_url: str
    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """``python ARGS`` in a process group of its own; its output goes to ``process.log``
        (a pipe nobody reads would fill up)."""
        log = self.log_dir / f"{len(self.processes)}-{args[1].split('.')[0]}.log"
        process = children.spawn([sys.executable, *args], log=log, env={**self.env, **(env or {})})
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {p.log}\n{p.log.read_text()}" for p in self.processes)

    def start_worker(self) -> subprocess.Popen:
        return self.spawn("-m", "betterform_site", "process_tasks", "--sleep", "0.1")

    def create_users(self, *names: str, staff: tuple[str, ...] = ()) -> dict[str, str]:
        """Users with DRF tokens: ``{name: token}``."""
        users = json.dumps([[name, name in staff] for name in (*names, *staff)])
        result = subprocess.run(
            [sys.executable, "-m", "betterform_site", "shell", "-v", "0", "-c", CREATE_USERS],
            env={**self.env, "LIVE_SITE_USERS": users},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        """SIGTERM to every group, SIGKILL 15 s later to what is left."""
        children.stop(*self.processes, grace=15)


@pytest.fixture
def live_site(manage, site_env, free_port, tmp_path) -> Iterator[Callable[..., LiveSite]]:
    """``live_site(env={...})`` migrates, starts uvicorn and returns the ``LiveSite``."""
    started: list[LiveSite] = []

    def start(env: dict[str, str] | None = None) -> LiveSite:
        log_dir = tmp_path / "logs"
        log_dir.mkdir(exist_ok=True)
        site = LiveSite(f"http://127.0.0.1:{free_port}", {**site_env, **(env or {})}, log_dir)
        migrated = manage("migrate", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        started.append(site)
        server = site.spawn(
            "-m",
            "uvicorn",
            "betterform_site.asgi:application",
            *("--host", "127.0.0.1", "--port", str(free_port), "--log-level", "warning"),
        )
        children.wait_until_answers(f"{site.base_url}/healthz", server, statuses=(200, 503))
        return site

    yield start
    for site in started:
        site.stop()


@pytest.fixture
def staff(django_user_model):
    """A staff user (password ``pw``)."""
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


@pytest.fixture
def staff_client(staff) -> APIClient:
    """A DRF test client authenticated as ``staff``."""
    client = APIClient()
    client.force_authenticate(staff)
    return client
