"""Run the whole system in one terminal: uvicorn (ASGI: API, admin, docs) and the worker."""

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from betterform_site.demo import DEMO_ADMIN_USERNAME, demo_password
from betterform_site.processes import ProcessGroup


class Command(BaseCommand):
    help = "Start the web server and the task worker together; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=1, help="uvicorn processes.")

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        python = sys.executable
        group = ProcessGroup()
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
        )
        group.start("worker", [python, "-m", "betterform_site", "process_tasks", "--sleep", "1"])
        self.print_banner(f"http://{host}:{port}")
        raise SystemExit(group.wait())

    def print_banner(self, base: str) -> None:
        lines = [
            "",
            "BetterForm is starting (web + worker). Open:",
            f"  API docs (Swagger)  {base}/api/docs/",
            f"  API docs (ReDoc)    {base}/api/redoc/",
            f"  Admin               {base}/admin/",
            f"  Health              {base}/healthz",
            f"Demo login: {DEMO_ADMIN_USERNAME} / {demo_password()}",
            "  (reps alice and bob have the same password)",
            "Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
