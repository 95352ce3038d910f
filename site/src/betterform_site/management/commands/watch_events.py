"""Print the real-time events a user receives, one JSON line each: the demo's live view.

``python -m betterform_site watch_events --user alice`` connects to the running site with that
user's token (made if missing: this is a local operator's tool) and prints every event until
Ctrl-C. ``--follow document:12`` also subscribes to one object and prints its current state.
"""

from __future__ import annotations

import json
import os
from typing import Any

import socketio
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the Socket.IO events a user receives from the running site (Ctrl-C stops)."
    requires_system_checks = []  # a client of the running site: its checks ran there

    def add_arguments(self, parser: CommandParser) -> None:
        port = os.environ.get("PORT", "8000")
        parser.add_argument("--url", default=f"http://127.0.0.1:{port}", help="The site's URL.")
        parser.add_argument("--user", default="admin", help="Whose events (staff see all).")
        parser.add_argument(
            "--follow",
            action="append",
            default=[],
            metavar="TYPE:ID",
            help="Also follow one object, e.g. document:12, quote:3, monday-event:5.",
        )

    def handle(self, *args: Any, url: str, user: str, follow: list[str], **options: Any) -> None:
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"no active user {user!r}")
        token, _ = Token.objects.get_or_create(user=account)
        client = socketio.Client()
        client.on("*", lambda event, data: self.print_line({"event": event, "data": data}))
        try:
            client.connect(url, auth={"token": token.key}, wait_timeout=10)
        except socketio.exceptions.ConnectionError as error:
            raise CommandError(f"could not connect to {url}: {error}") from None
        self.stderr.write(f"Watching {user}'s events on {url} (Ctrl-C stops).")
        for target in follow:
            kind, _, object_id = target.partition(":")
            answer = client.call("subscribe", {"type": kind, "id": object_id}, timeout=10)
            self.print_line({"subscribe": target, **answer})
        try:
            client.wait()
        except KeyboardInterrupt:
            client.disconnect()

    def print_line(self, payload: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(payload, default=str))
        self.stdout.flush()
