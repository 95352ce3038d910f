"""Shapes of monday_integration's staff API."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from betterform import services as forms
from betterform.schema import fields as form_fields
from monday_integration.client import MondayClient
from monday_integration.errors import MondayError
from monday_integration.filters import SHOWN_STATUSES
from monday_integration.models import BoardMapping, WebhookEvent

STAGES = ("working", "done", "failed")


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
            "active",
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
        if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
            raise serializers.ValidationError(
                'give an object of monday column id -> "customer.<detail>" or '
                '"answers.<field key>".'
            )
        return value

    def validate_stage_labels(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or any(not value.get(stage) for stage in STAGES):
            raise serializers.ValidationError(f"give a label for each of {', '.join(STAGES)}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Every column id must exist on the real board: ask monday."""
        merged = {**self._current(), **attrs}
        try:
            with MondayClient() as client:
                columns = {
                    column.id: column for column in client.get_board_columns(merged["board_id"])
                }
        except MondayError as error:
            raise serializers.ValidationError({"board_id": f"monday says: {error}"}) from None
        if not columns:
            raise serializers.ValidationError({"board_id": "no such board, or it has no columns."})
        wanted = {
            "trigger_column_id": [merged.get("trigger_column_id")],
            "status_column_id": [merged.get("status_column_id")],
            "file_column_id": [merged.get("file_column_id")]
            if merged.get("file_column_id")
            else [],
            "column_map": list(merged.get("column_map") or {}),
        }
        errors = {
            field: f"no column {', '.join(repr(c) for c in missing)} on board {merged['board_id']}"
            for field, ids in wanted.items()
            if (missing := [column for column in ids if column not in columns])
        }
        if unknown := _unknown_targets(merged.get("form"), merged.get("column_map") or {}):
            message = (
                f"map to customer.<{'|'.join(forms.CUSTOMER_FIELDS)}> or answers.<a field of "
                f"the form>, not {', '.join(repr(target) for target in unknown)}"
            )
            errors["column_map"] = "; ".join(filter(None, [errors.get("column_map"), message]))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {
            name: getattr(self.instance, name)
            for name in (
                "board_id",
                "form",
                "trigger_column_id",
                "status_column_id",
                "file_column_id",
                "column_map",
            )
        }


def _unknown_targets(form: Any, column_map: dict[str, str]) -> list[str]:
    """Targets that are neither a customer detail nor a field of the form."""
    known = form_fields(forms.current_version(form).schema) if form is not None else {}
    unknown = []
    for target in column_map.values():
        kind, _, name = target.partition(".")
        if not (
            (kind == "customer" and name in forms.CUSTOMER_FIELDS)
            or (kind == "answers" and name in known)
        ):
            unknown.append(target)
    return unknown


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
