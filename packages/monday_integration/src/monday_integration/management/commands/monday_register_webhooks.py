from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from createpdf.fitting import DoesNotFit
from monday_integration import identity
from monday_integration.client import MondayClient
from monday_integration.operations import register_webhooks, webhook_url


class Command(BaseCommand):
    help = "Subscribe each active board mapping without a webhook to its trigger column."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", required=True, help="This site's public URL.")

    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        try:
            with MondayClient() as client:
                # Who the token is, so the changes it makes come back as ``own_write``.
                identity.learn_quietly(client)
                registered = register_webhooks(base_url, client)
        except DoesNotFit as error:
            message = f"{error}; the webhook exists on monday but is not recorded"
            raise CommandError(message) from None
        for mapping in registered:
            url = webhook_url(base_url, mapping)
            self.stdout.write(f"{mapping}: webhook {mapping.webhook_id} -> {url}")
