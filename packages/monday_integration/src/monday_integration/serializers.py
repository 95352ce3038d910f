"""Shapes of monday_integration's staff API."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import exceptions, serializers

from monday_integration import mapping_checks
from monday_integration.filters import SHOWN_STATUSES
from monday_integration.models import BoardMapping, WebhookEvent

CHECKED_FIELDS = (
    "board_id",
    "form",
    "trigger_column_id",
    "trigger_label",
    "status_column_id",
    "stage_labels",
    "file_column_id",
    "column_map",
    "subitem_map",
    "template_slug",
    "send_quote_to_customer",
)


class MondayUnavailableError(exceptions.APIException):
    """503: monday could not be asked to check the board; ``Retry-After`` says when to retry."""

    status_code = 503
    default_code = "monday_unavailable"

    def __init__(self, detail: str, wait: int) -> None:
        super().__init__(detail)
        self.wait = wait  # DRF's exception handler sends it as Retry-After


class BoardMappingSerializer(serializers.ModelSerializer):
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = BoardMapping
        fields = [
            "id",
            "name",
            "board_id",
            "form",
            "trigger_column_id",
            "trigger_label",
            "column_map",
            "subitem_map",
            "file_column_id",
            "status_column_id",
            "stage_labels",
            "template_slug",
            "send_quote_to_customer",
            "customer_message",
            "active",
            "require_signed_deliveries",
            "owner",
            "webhook_id",
            "webhook_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["webhook_id", "webhook_url", "created_at", "updated_at"]

    def get_webhook_url(self, mapping: BoardMapping) -> str:
        request = self.context.get("request")
        path = reverse("monday_integration:webhook", kwargs={"secret": mapping.webhook_secret})
        return request.build_absolute_uri(path) if request else path

    def validate_column_map(self, value: Any) -> dict[str, str]:
        if message := mapping_checks.column_map_error(value):
            raise serializers.ValidationError(message)
        return value

    def validate_subitem_map(self, value: Any) -> dict[str, str]:
        if message := mapping_checks.subitem_map_error(value):
            raise serializers.ValidationError(message)
        return value

    def validate_stage_labels(self, value: Any) -> dict[str, str]:
        if message := mapping_checks.stage_labels_error(value):
            raise serializers.ValidationError(message)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Column ids, targets and labels must fit the real board and the form, and the
        template must exist: ask monday (``mapping_checks.check_mapping``, as the admin does);
        labels are stored as the board spells them."""
        if not mapping_checks.needs_board_check(self.instance, attrs):
            return attrs
        try:
            spelled = mapping_checks.check_mapping({**self._current(), **attrs})
        except mapping_checks.MappingInvalid as invalid:
            raise serializers.ValidationError(invalid.errors) from None
        except mapping_checks.MondayUnavailable as unavailable:
            raise MondayUnavailableError(str(unavailable), unavailable.retry_after) from None
        return {**attrs, **spelled}

    def _current(self) -> dict[str, Any]:
        """The stored values a partial update keeps (the model's defaults for a new one)."""
        if self.instance is None:
            return {
                name: BoardMapping._meta.get_field(name).get_default()
                for name in (
                    "trigger_label",
                    "stage_labels",
                    "template_slug",
                    "send_quote_to_customer",
                )
            }
        return {name: getattr(self.instance, name) for name in CHECKED_FIELDS}


class WebhookEventSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        source="shown_status",
        choices=SHOWN_STATUSES,
        read_only=True,
        help_text="stalled: was processing, and its worker stopped renewing the lease.",
    )

    class Meta:
        model = WebhookEvent
        fields = [
            "id",
            "trigger_uuid",
            "mapping",
            "board_id",
            "item_id",
            "event_type",
            "status",
            "stage",
            "attempts",
            "error",
            "leased_by",
            "lease_expires_at",
            "received_at",
            "started_at",
            "finished_at",
            "payload",
        ]
        read_only_fields = fields
