from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from createpdf.fitting import DoesNotFit
from monday_integration.client import MondayClient
from monday_integration.models import BoardMapping
from monday_integration.operations import sync_item


class Command(BaseCommand):
    help = "Run the sync pipeline for one monday item now (board id and item id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("board_id")
        parser.add_argument("item_id")

    def handle(self, *args: Any, board_id: str, item_id: str, **options: Any) -> None:
        mapping = BoardMapping.objects.filter(board_id=board_id).first()
        if mapping is None:
            raise CommandError(f"no board mapping for board {board_id}")
        try:
            with MondayClient() as client:
                event = sync_item(mapping, item_id, client)
        except DoesNotFit as error:
            raise CommandError(str(error)) from None
        if event.status != event.Status.DONE:
            raise CommandError(f"item {item_id} failed at {event.stage}: {event.error}")
        self.stdout.write(self.style.SUCCESS(f"item {item_id} synced (event {event.pk})."))
