"""What the webhook event list exports as CSV (``createpdf.admin_export``): explicit columns,
without the payload and effects (JSON blobs that stay in the admin)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from import_export import fields, resources

from monday_integration.models import WebhookEvent


class WebhookEventResource(resources.ModelResource):
    mapping = fields.Field(attribute="mapping__name", column_name="mapping")

    class Meta:
        model = WebhookEvent
        fields = export_order = [
            "id", "event_type", "mapping", "board_id", "item_id", "status", "stage",
            "attempts", "error", "received_at", "started_at", "finished_at",
        ]  # fmt: skip

    def filter_export(
        self, queryset: QuerySet[WebhookEvent], **kwargs: Any
    ) -> QuerySet[WebhookEvent]:
        return super().filter_export(queryset, **kwargs).select_related("mapping")
