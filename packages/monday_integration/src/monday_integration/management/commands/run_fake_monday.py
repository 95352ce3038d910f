"""Run the fake monday.com on its own: ``python -m betterform_site run_fake_monday``.

Prints the GraphQL URL, the token (and signing secret) to configure the site with, and runs
until Ctrl-C. ``--port 0`` picks a free port.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from monday_integration.testing import FakeMonday, build_demo_board


class Command(BaseCommand):
    help = "Start a fake monday.com API (GraphQL, files, webhooks, HTML board page) until Ctrl-C."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port.")
        parser.add_argument("--token", default=None, help="API token (default: random).")
        parser.add_argument(
            "--signing-secret",
            default=None,
            help="Sign webhook deliveries with this app signing secret (JWT, HS256).",
        )
        parser.add_argument(
            "--seed-demo-board",
            action="store_true",
            help='Create the "Sales pipeline" demo board with three items and subitems.',
        )
        parser.add_argument(
            "--retry-interval",
            type=float,
            default=60.0,
            help="Seconds between webhook delivery retries (monday: 60).",
        )
        parser.add_argument("--max-retries", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        fake = FakeMonday(
            host=options["host"],
            port=options["port"],
            token=options["token"],
            signing_secret=options["signing_secret"],
            retry_interval=options["retry_interval"],
            max_retries=options["max_retries"],
        )
        stop = threading.Event()
        with contextlib.suppress(ValueError):  # not the main thread (call_command in a test)
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with fake:
            demo = build_demo_board(fake) if options["seed_demo_board"] else None
            self._banner(fake, demo)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
        self.stdout.write("Fake monday.com stopped.")

    def _banner(self, fake: FakeMonday, demo: dict[str, Any] | None) -> None:
        lines = [
            "Fake monday.com is running.",
            f"MONDAY_API_URL={fake.url}",
            f"MONDAY_API_TOKEN={fake.token}",
        ]
        if fake.signing_secret:
            lines.append(f"MONDAY_SIGNING_SECRET={fake.signing_secret}")
        lines.append(f"Board page: {fake.base_url}/")
        if demo is not None:
            lines.append(
                f"Demo board: {demo['board_id']} (subitems board {demo['subitems_board_id']}), "
                f"items {', '.join(str(i) for i in demo['items'])}"
            )
        lines.append("Press Ctrl-C to stop.")
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
