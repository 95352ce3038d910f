"""``serve`` in development runs a fake monday.com wired to the site: flipping a demo item's
status ends with the quote PDF on the item, as the README's demo promises, and a staff
Socket.IO client watches every step of it live."""

from __future__ import annotations

import io
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pypdf
import pytest
import socketio

from suites import processes as children

pytestmark = pytest.mark.slow

ITEM = """
query Item($ids: [ID!]!) {
  items(ids: $ids) {
    name
    column_values(ids: ["status"]) { text }
    assets { name url }
    updates { body }
  }
}
"""


def another_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Output:
    """serve's output, read line by line as it comes (the banner's demo part comes late)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 90) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            time.sleep(0.2)
        raise AssertionError(f"serve never printed {pattern!r}:\n{self.text}")

    def finish(self, timeout: float = 30) -> str:
        self._reader.join(timeout)
        return self.text


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen, Output]]:
    """``serve`` in a process group of its own: the teardown ends its uvicorn, worker and fake
    monday.com too, whatever happened in the test (killing serve alone would orphan them)."""
    process = children.spawn(
        [sys.executable, "-m", "betterform_site", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, Output(process)
    finally:
        children.stop(process, grace=15)


class Watcher:
    """A staff ``socketio.Client`` recording every event it receives, in order."""

    def __init__(self) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.client.on("*", self._record)

    def _record(self, event: str, data: Any = None) -> None:
        with self.changed:
            self.events.append((event, data))
            self.changed.notify_all()

    def wait_for(self, name: str, timeout: float = 60, **fields: Any) -> int:
        """The index of the first ``name`` event whose data has ``fields``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for index, (event, data) in enumerate(self.events):
                    if event == name and all(data.get(k) == v for k, v in fields.items()):
                        return index
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {name} {fields} in {timeout:.0f} s: {self.events}")
                self.changed.wait(left)

    def indexed(self, name: str, **fields: Any) -> list[tuple[int, dict]]:
        return [
            (index, data)
            for index, (event, data) in enumerate(list(self.events))
            if event == name and all(data.get(k) == v for k, v in fields.items())
        ]


# The stages sync.sync_item goes through, in order, and the label each sets on the item.
STAGES = [
    ("reading", "Quote in progress"),
    ("submission", "Quote in progress"),
    ("quote", "Quote in progress"),
    ("pdf", "Quote in progress"),
    ("upload", "Quote in progress"),
    ("email", "Quote ready"),  # the demo mapping e-mails the quote to the item's customer
    ("done", "Quote ready"),
]


def watch_as_staff(base: str, password: str) -> Watcher:
    login = httpx.post(
        f"{base}/api/auth/token/login/",
        json={"username": "admin", "password": password},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    watcher = Watcher()
    watcher.client.connect(base, auth={"token": login.json()["auth_token"]}, wait_timeout=20)
    return watcher


def check_live_events(watcher: Watcher, item_id: str, quote_number: str) -> None:
    """What the staff client saw of the flip: the trigger, each sync stage of its event, the
    quote, the PDF's render and the outcome, in that order, all about ``item_id``."""
    received = watcher.wait_for("monday.event.received", item_id=item_id, status="received")
    event_id = watcher.events[received][1]["id"]
    processed = watcher.wait_for("monday.event.processed", id=event_id)
    assert watcher.events[processed][1]["item_id"] == item_id
    assert watcher.events[processed][1]["status"] == "done"

    stages = watcher.indexed("monday.sync.stage", event_id=event_id)
    assert [(data["stage"], data["label"]) for _, data in stages] == STAGES
    assert {data["item_id"] for _, data in stages} == {item_id}
    positions = [index for index, _ in stages]
    assert received < positions[0] and positions[-1] < processed
    stage_at = dict(zip((stage for stage, _ in STAGES), positions, strict=True))

    quote_events = [
        (index, data)
        for name in ("quote.created", "quote.updated")
        for index, data in watcher.indexed(name, number=quote_number)
    ]
    assert quote_events, f"no quote event for {quote_number}: {watcher.events}"
    assert all(stage_at["quote"] < index < stage_at["pdf"] for index, _ in quote_events)

    [(_, queued)] = watcher.indexed("document.queued", title=f"Quote {quote_number}")
    document_id = queued["id"]
    steps = [
        watcher.indexed(f"document.{status}", id=document_id)
        for status in ("queued", "rendering", "done")
    ]
    assert [len(step) for step in steps] == [1, 1, 1], watcher.events
    (queued_at, _), (rendering_at, _), (done_at, done) = (step[0] for step in steps)
    assert stage_at["pdf"] < queued_at < rendering_at < done_at < stage_at["upload"]
    assert done["download_url"] == f"/api/pdf/documents/{document_id}/download/"


def item_on_monday(api_url: str, token: str, item_id: str) -> dict:
    response = httpx.post(
        api_url,
        headers={"Authorization": token},
        json={"query": ITEM, "variables": {"ids": [item_id]}},
        timeout=10,
    )
    [item] = response.json()["data"]["items"]
    return item


def wait_for_quote(api_url: str, token: str, item_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    item: dict = {}
    while time.monotonic() < deadline:
        item = item_on_monday(api_url, token, item_id)
        # The label is set before the quote is e-mailed, the update posted after: wait for both.
        ready = item["column_values"][0]["text"] == "Quote ready"
        if ready and item["assets"] and item.get("updates"):
            return item
        time.sleep(0.5)
    raise AssertionError(f"no quote on item {item_id} after {timeout:.0f} s: {item}")


def refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.ConnectError:
        return True
    return False


@pytest.fixture
def dev_env(site_env: dict[str, str]) -> dict[str, str]:
    """Development, as ``./dev serve`` runs it, with no monday settings of the caller's."""
    env = {key: value for key, value in site_env.items() if not key.startswith("MONDAY_")}
    return {**env, "DJANGO_ENV": "development", "DEMO_PASSWORD": "demo-password-for-monday"}


def test_flipping_a_demo_item_brings_the_quote_pdf_onto_it(manage, dev_env, free_port, tmp_path):
    assert manage("migrate", "--noinput", env=dev_env).returncode == 0
    assert manage("seed_demo", env=dev_env).returncode == 0
    monday_port = another_free_port()
    base, fake_base = f"http://127.0.0.1:{free_port}", f"http://127.0.0.1:{monday_port}"
    args = ("--port", str(free_port), "--monday-port", str(monday_port))

    with serving(dev_env, *args) as (process, output):
        flip = output.wait_for(r"^\s+(\S+ -m betterform_site monday_demo_flip .*) <item id>$")
        first_item = output.wait_for(r"^\s+(\d+)\s+Kitchen renovation \(Jansen\)$").group(1)
        health = httpx.get(f"{base}/healthz", timeout=5).json()
        assert health["database"] == {"ok": True}
        token = (tmp_path / "var" / "fake_monday_token").read_text().strip()
        assert f"--api-url {fake_base}/v2 --token={token}" in flip.group(1)
        watcher = watch_as_staff(base, dev_env["DEMO_PASSWORD"])

        flipped = subprocess.run(
            [*shlex.split(flip.group(1)), first_item],
            env=dev_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert flipped.returncode == 0, flipped.stderr
        assert '"Quote requested"' in flipped.stdout

        item = wait_for_quote(f"{fake_base}/v2", token, first_item)
        [asset] = item["assets"]
        pdf = httpx.get(asset["url"], timeout=10)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        pdf_text = "\n".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages
        )
        quote_number = re.search(r"Q-\d{4}-\d{4,}", pdf_text)
        assert quote_number, pdf_text
        number = quote_number.group(0)
        assert any(number in update["body"] for update in item["updates"]), item["updates"]
        assert fake_base in httpx.get(f"{fake_base}/", timeout=5).text  # the board page
        try:
            check_live_events(watcher, first_item, number)
        finally:
            watcher.client.disconnect()

        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        text = output.finish()

    assert process.returncode == 0, text
    assert f"Fake monday.com     {fake_base}/" in text
    assert "Fake monday.com stopped." in text
    assert refused(f"{base}/healthz") and refused(f"{fake_base}/healthz")
    leftover = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from betterform_site.workers import worker_status; print(worker_status().workers)",
        env=dev_env,
    )
    assert leftover.stdout.strip() == "0", "the worker did not stop cleanly"


def test_the_fake_monday_is_refused_in_production(manage, free_port):
    env = {"DJANGO_ENV": "production", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "127.0.0.1"}
    result = manage("serve", "--fake-monday", "--port", str(free_port), env=env, timeout=60)
    assert result.returncode == 1
    assert "for development" in result.stderr
    assert refused(f"http://127.0.0.1:{free_port}/healthz")


def test_a_busy_monday_port_is_named_before_anything_starts(manage, dev_env, free_port):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = manage("serve", "--port", str(free_port), "--monday-port", str(port), env=dev_env)
    assert result.returncode == 1
    assert f"Port {port}" in result.stderr and "--monday-port" in result.stderr
    assert "BetterForm is starting" not in result.stdout
