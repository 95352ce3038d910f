"""``serve`` runs the real system: uvicorn and the worker, stopped together by Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from suites import processes as children

pytestmark = pytest.mark.slow

DEMO_PASSWORD = "demo-password-for-the-serve-test"


@contextmanager
def running_site(site_env, port: int, extra_env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """``serve`` in a process group of its own: whatever happens in the test, the teardown ends
    serve's uvicorn and worker too (killing serve alone would orphan them)."""
    process = children.spawn(
        [sys.executable, "-m", "betterform_site", "serve", "--port", str(port)],
        env={**site_env, **extra_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        children.stop(process, grace=15)


def wait_for_worker(base: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        try:
            body = httpx.get(f"{base}/healthz", timeout=2).json()
            if body.get("worker", {}).get("alive"):
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the worker never reported alive; last health: {body}")


def admin_login(client: httpx.Client, base: str, password: str) -> httpx.Response:
    page = client.get(f"{base}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return client.post(
        f"{base}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": "admin", "password": password},
        headers={"Referer": f"{base}/admin/login/"},
        follow_redirects=True,
    )


def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(manage, site_env, free_port):
    env = {"DEMO_PASSWORD": DEMO_PASSWORD}
    assert manage("migrate", "--noinput").returncode == 0
    assert manage("seed_demo", env=env).returncode == 0
    base = f"http://127.0.0.1:{free_port}"

    with running_site(site_env, free_port, env) as process:
        health = wait_for_worker(base)
        assert health["status"] == "ok"
        assert health["database"] == {"ok": True}

        with httpx.Client() as client:
            docs = client.get(f"{base}/api/docs/")
            assert docs.status_code == 200
            assert "swagger" in docs.text.lower()
            assert client.get(f"{base}/static/admin/css/base.css").status_code == 200
            dashboard = admin_login(client, base, DEMO_PASSWORD)
            assert dashboard.status_code == 200
            assert "Operations dashboard" in dashboard.text  # the admin's index_title

        login = httpx.post(
            f"{base}/api/auth/token/login/", json={"username": "alice", "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200

        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    assert f"{base}/api/docs/" in output
    assert f"admin / {DEMO_PASSWORD}" in output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)
    leftover = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from betterform_site.workers import worker_status; print(worker_status().workers)",
    )
    assert leftover.stdout.strip() == "0", "the worker did not stop cleanly"


def test_production_serves_collected_static_files_from_the_asgi_app(manage, site_env, free_port):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "s" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
    }
    assert manage("migrate", "--noinput", env=env).returncode == 0
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    base = f"http://127.0.0.1:{free_port}"

    with running_site(site_env, free_port, env) as process:
        wait_for_worker(base)
        docs = httpx.get(f"{base}/api/docs/")
        assert docs.status_code == 200
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text)
        assert assets, docs.text
        for asset in assets:
            response = httpx.get(f"{base}{asset}")
            assert response.status_code == 200, asset
            assert "max-age" in response.headers.get("cache-control", ""), asset
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
