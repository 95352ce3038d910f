"""Ask for a quote on a demo item, as a monday user would: ``manage.py monday_demo_flip <item>``.

Sets the item's trigger column to its board mapping's trigger label ("Quote requested")
through monday's GraphQL API; monday (in the demo, the fake that ``serve`` runs) then calls the
site's webhook and the worker brings the quote back onto the item.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monday_integration.client import MondayClient
from monday_integration.errors import MondayError
from monday_integration.models import BoardMapping


class Command(BaseCommand):
    help = (
        "Set a monday item's status to its board mapping's trigger label (\"Quote requested\"), "
        "as a user would; monday then calls the webhook and the quote arrives on the item."
    )
    requires_system_checks: list[str] = []  # the API URL and token may come as options

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("item_id", help="The monday item's id (serve lists the demo items).")
        parser.add_argument("--label", default=None, help="Default: the mapping's trigger label.")
        parser.add_argument("--api-url", default=None, help="GraphQL URL (MONDAY_API_URL).")
        parser.add_argument("--token", default=None, help="API token (MONDAY_API_TOKEN).")

    def handle(
        self,
        *args: Any,
        item_id: str,
        label: str | None,
        api_url: str | None,
        token: str | None,
        **options: Any,
    ) -> None:
        try:
            with MondayClient(url=api_url, token=token, max_retries=2) as client:
                items = client.get_items([item_id])
                if not items:
                    raise CommandError(f"monday has no item {item_id}.")
                item = items[0]
                mapping = BoardMapping.objects.filter(board_id=str(item.board_id)).first()
                if mapping is None:
                    raise CommandError(
                        f"No board mapping for board {item.board_id}: start the demo with "
                        "`serve`, which connects the fake monday's demo board."
                    )
                label = label or mapping.trigger_label
                client.set_status(item.board_id, item.id, mapping.trigger_column_id, label)
        except MondayError as error:
            raise CommandError(f"monday refused: {error}") from None
        self.stdout.write(
            self.style.SUCCESS(f'Item {item.id} ("{item.name}") is now "{label}".')
            + f" Watch its status and files on monday ({mapping.name})."
        )
