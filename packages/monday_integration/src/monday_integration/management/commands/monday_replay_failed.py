from typing import Any

from django.core.management.base import BaseCommand

from monday_integration.operations import replay_failed


class Command(BaseCommand):
    help = "Queue every failed monday event for the worker again."

    def handle(self, *args: Any, **options: Any) -> None:
        events = replay_failed()
        self.stdout.write(f"{len(events)} failed event(s) queued again.")
