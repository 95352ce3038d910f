"""Run the whole system in one terminal: uvicorn (ASGI: API, admin, docs), the worker and, in
development, a fake monday.com whose demo board is wired to the site.

The fake (``run_fake_monday --seed-demo-board``) listens on ``--monday-port``; the web server
and the worker get ``MONDAY_API_URL`` and ``MONDAY_API_TOKEN`` pointing at it. Once the site and
the fake answer, ``monday_integration.demo.connect_demo_board`` maps the demo board to a demo
form and registers the webhook, and the banner lists the items to flip. ``--no-fake-monday``
keeps the ``MONDAY_*`` settings of the environment (a real monday account).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from betterform_site.demo import DEMO_ADMIN_USERNAME, DEMO_REP_USERNAMES, demo_password
from betterform_site.env import persistent_secret
from betterform_site.processes import ProcessGroup

STARTUP_TIMEOUT = 60.0  # seconds the web server and the fake get to answer


@dataclass(frozen=True)
class FakeMonday:
    """Where the fake monday listens and how the site reaches it."""

    port: int
    token: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v2"

    def command(self, python: str) -> list[str]:
        command = [python, "-m", "betterform_site", "run_fake_monday", "--port", str(self.port)]
        # "--token=" joined: a random token may start with "-", which argparse would read as
        # an option of its own ("--token: expected one argument").
        command += [f"--token={self.token}", "--seed-demo-board"]
        if os.environ.get("MONDAY_SIGNING_SECRET"):  # sign deliveries as the site expects
            command += ["--signing-secret", os.environ["MONDAY_SIGNING_SECRET"]]
        return command

    def environment(self) -> dict[str, str]:
        return {**os.environ, "MONDAY_API_URL": self.api_url, "MONDAY_API_TOKEN": self.token}


class Command(BaseCommand):
    help = (
        "Start the web server, the task worker and (in development) a fake monday.com with a "
        "demo board wired to the site; Ctrl-C stops them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=1, help="uvicorn processes.")
        parser.add_argument(
            "--fake-monday",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Run a fake monday.com with a demo board wired to the site (default: on in "
            "development only). --no-fake-monday keeps the MONDAY_* settings (real monday).",
        )
        parser.add_argument(
            "--monday-port", type=int, default=8001, help="The fake monday's port (8001)."
        )

    def execute(self, *args: Any, **options: Any) -> Any:
        self.fake = self.fake_monday(options["fake_monday"], options["monday_port"])
        if self.fake:  # this process (its system checks too) sees what its children see
            settings.MONDAY_API_URL = self.fake.api_url
            settings.MONDAY_API_TOKEN = self.fake.token
        return super().execute(*args, **options)

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        python = sys.executable
        fake = self.fake
        env = dict(fake.environment() if fake else os.environ)
        # Links in e-mails the worker sends (the monday pipeline, reminders) reach this server.
        env.setdefault("SITE_URL", f"http://{reachable(host)}:{port}")
        group = ProcessGroup()
        if fake:
            group.start("fake-monday", fake.command(python))
        group.start(
            "web",
            [
                python,
                "-m",
                "uvicorn",
                "betterform_site.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(web_workers),
                "--lifespan",
                "off",
                "--no-access-log",
            ],
            env=env,
        )
        group.start(
            "worker", [python, "-m", "betterform_site", "process_tasks", "--sleep", "1"], env=env
        )
        self.print_banner(f"http://{host}:{port}", fake)
        if fake:
            site_url = f"http://{reachable(host)}:{port}"
            threading.Thread(
                target=self.connect_demo, args=(group, site_url, fake), daemon=True
            ).start()
        raise SystemExit(group.wait())

    def fake_monday(self, wanted: bool | None, port: int) -> FakeMonday | None:
        if wanted is None:
            wanted = settings.DJANGO_ENV == "development"
        if not wanted:
            return None
        if settings.DJANGO_ENV == "production":
            raise CommandError("The fake monday.com is for development; drop --fake-monday.")
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise CommandError(
                    f"Port {port} (the fake monday.com) is in use: pass --monday-port, "
                    "or --no-fake-monday to use the MONDAY_* settings."
                ) from None
        token = os.environ.get("MONDAY_API_TOKEN") or persistent_secret(
            settings.DATA_DIR / "fake_monday_token"
        )
        return FakeMonday(port=port, token=token)

    def connect_demo(self, group: ProcessGroup, site_url: str, fake: FakeMonday) -> None:
        """Runs beside ``group.wait()``: once both servers answer, wire the demo board."""
        from monday_integration.client import MondayClient
        from monday_integration.demo import connect_demo_board

        try:
            if not wait_until_up(group, (f"{site_url}/healthz", f"{fake.base_url}/healthz")):
                return  # stopping, or a process died (the group says which)
            with MondayClient(url=fake.api_url, token=fake.token, max_retries=2) as client:
                mapping = connect_demo_board(site_url, client, owner=demo_owner())
                items = [(item.id, item.name) for item in client.iter_board_items(mapping.board_id)]
            self.print_monday_demo(fake, mapping.board_id, mapping.trigger_label, items)
        except Exception as error:  # keep serving: only the demo wiring failed
            self.stderr.write(f"Could not connect the fake monday's demo board: {error}")
        finally:
            connection.close()

    def print_banner(self, base: str, fake: FakeMonday | None) -> None:
        lines = [
            "",
            f"BetterForm is starting (web + worker{' + fake monday.com' if fake else ''}). Open:",
            f"  API docs (Swagger)  {base}/api/docs/",
            f"  API docs (ReDoc)    {base}/api/redoc/",
            f"  Admin               {base}/admin/",
            f"  Health              {base}/healthz",
            f"  Socket.IO           {base}/socket.io/  (events: README, 'Real time')",
        ]
        if fake:
            lines.append(f"  Fake monday.com     {fake.base_url}/  (the demo board)")
        lines += self.customer_lines(base)
        lines += [
            f"Demo login: {DEMO_ADMIN_USERNAME} / {demo_password()}",
            "  (reps alice and bob have the same password)",
            "Live events, in another terminal:",
            f"  {shown_python()} -m betterform_site watch_events --url {base} --user admin",
            "Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def customer_lines(self, base: str) -> list[str]:
        """The customer's side: a published form's page, and where e-mails go in development."""
        from betterform.models import Form

        lines = []
        form = Form.objects.filter(published=True).order_by("name", "id").first()
        if form is not None:
            lines.append(f"  Customer form       {base}/f/{form.public_token}/  ({form.name})")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            lines.append(f"  Sent e-mails        {settings.EMAIL_FILE_PATH}/  (one .log file each)")
        return lines

    def print_monday_demo(
        self, fake: FakeMonday, board_id: str, label: str, items: list[tuple[str, str]]
    ) -> None:
        flip = f"{shown_python()} -m betterform_site monday_demo_flip"
        flip += f" --api-url {fake.api_url} --token={fake.token}"
        lines = [
            "",
            f"monday demo ready: board {board_id} on {fake.base_url}/ feeds the site. Set an item "
            f'to "{label}" there (the Status column), or run:',
            f"  {flip} <item id>",
            "Items:",
            *(f"  {item_id}  {name}" for item_id, name in items),
            'The item turns "Quote ready" with the quote PDF in its Files column and an update.',
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def reachable(host: str) -> str:
    """The address the fake monday calls the site on (a wildcard bind answers on loopback)."""
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 (recognised, not bound)
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def wait_until_up(group: ProcessGroup, urls: tuple[str, ...]) -> bool:
    """True once every URL answers 200; False when a process of the group ends first."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    pending = list(urls)
    while pending:
        if any(process.poll() is not None for process in group.processes.values()):
            return False
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer from {', '.join(pending)} in {STARTUP_TIMEOUT:.0f} s")
        try:
            if httpx.get(pending[0], timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return True


def demo_owner() -> Any:
    """Rep alice owns the demo board's submissions and quotes (else the demo admin, else
    nobody: ``seed_demo`` makes them)."""
    users = get_user_model().objects.filter(
        username__in=(DEMO_REP_USERNAMES[0], DEMO_ADMIN_USERNAME)
    )
    by_name = {user.username: user for user in users}
    return by_name.get(DEMO_REP_USERNAMES[0]) or by_name.get(DEMO_ADMIN_USERNAME)


def shown_python() -> str:
    """This interpreter, relative to the current directory when inside it (.nox/serve/...)."""
    path = Path(sys.executable)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
