"""``watch_events`` prints what a user receives from the running site, one JSON line each."""

from __future__ import annotations

import json
import signal
import time

import httpx
import pytest

pytestmark = pytest.mark.slow

REPORT = {"title": "Watched", "subtitle": "Q1", "generated_at": "today", "sections": []}


def json_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_watch_events_prints_the_users_events_and_followed_state(live_site):
    site = live_site()
    token = site.create_users("alice")["alice"]
    headers = {"Authorization": f"Token {token}"}
    first = httpx.post(
        f"{site.base_url}/api/pdf/documents/",
        json={"template": "report", "context": REPORT},
        headers=headers,
    ).json()
    watcher = site.spawn(
        *("-m", "betterform_site", "watch_events", "--url", site.base_url, "--user", "alice"),
        *("--follow", f"document:{first['id']}", "--follow", "document:nope"),
    )
    deadline = time.monotonic() + 30
    while len(json_lines(watcher.log)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    followed, invalid = json_lines(watcher.log)[:2]
    assert followed["ok"] and followed["state"]["data"]["id"] == first["id"]
    assert followed["state"]["event"] == "document.queued"
    assert invalid == {"subscribe": "document:nope", "ok": False, "error": "id must be an integer"}

    second = httpx.post(
        f"{site.base_url}/api/pdf/documents/",
        json={"template": "report", "context": {**REPORT, "title": "Second"}},
        headers=headers,
    ).json()
    events: list[dict] = []
    while time.monotonic() < deadline and not events:
        events = [line for line in json_lines(watcher.log) if "event" in line]
        time.sleep(0.1)
    assert events == [{"event": "document.queued", "data": events[0]["data"]}], site.logs()
    assert events[0]["data"]["id"] == second["id"]

    watcher.send_signal(signal.SIGINT)
    assert watcher.wait(timeout=15) == 0, site.logs()


def test_watch_events_names_an_unknown_user(manage):
    assert manage("migrate", "--noinput").returncode == 0
    result = manage("watch_events", "--user", "nobody", "--url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "no active user 'nobody'" in result.stderr
