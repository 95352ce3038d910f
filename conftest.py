"""Fixtures shared by every test directory (the apps' and the site's)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a site process of its own: test settings, a fresh SQLite file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        DJANGO_ENV="test",
        DJANGO_SETTINGS_MODULE="betterform_site.settings",
        BETTERFORM_DATA_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def manage(site_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m betterform_site ARGS`` in a separate process; returns the result."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
        return subprocess.run(
            [sys.executable, "-m", "betterform_site", *args],
            env={**site_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def run_worker() -> Callable[..., int]:
    """``run_worker(limit=100)``: run due background tasks in this process, as
    ``process_tasks`` would, until none is due (at most ``limit``); returns how many ran.
    Needs ``transaction=True`` tests (tasks are queued on commit)."""
    from background_task.tasks import tasks

    def run(limit: int = 100) -> int:
        ran = 0
        while ran < limit and tasks.run_next_task():
            ran += 1
        return ran

    return run
