from typing import Any

from django.core.management.base import BaseCommand

from monday_integration.client import MondayClient
from monday_integration.operations import reconcile


class Command(BaseCommand):
    help = (
        "Queue items that show the trigger label with no event in progress: monday drops a "
        "webhook after 30 minutes of failed deliveries. Run it periodically (e.g. cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with MondayClient() as client:
            found = reconcile(client)
        for row in found:
            self.stdout.write(f"{row.mapping}: item {row.item_id} queued (event {row.event.pk})")
        self.stdout.write(f"{len(found)} item(s) queued.")
