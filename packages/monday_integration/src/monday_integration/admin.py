from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from createpdf.admin_paging import RecentValuesFilter, ScaledListAdmin
from monday_integration import mapping_checks, sync
from monday_integration.models import BoardMapping, ItemLink, WebhookEvent


class BoardMappingForm(forms.ModelForm):
    """The admin's mapping form: checked against the real board as the API's serializer is
    (``mapping_checks.check_mapping``); labels are stored as the board spells them."""

    class Meta:
        model = BoardMapping
        fields = [
            "name",
            *mapping_checks.BOARD_FIELDS,
            "template_slug",
            "active",
            "require_signed_deliveries",
            "owner",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned  # a field is already wrong: monday is not asked
        if not mapping_checks.needs_board_check(self.instance, cleaned):
            return cleaned
        try:
            cleaned.update(mapping_checks.check_mapping(cleaned))
        except mapping_checks.MappingInvalid as invalid:
            for field, message in invalid.errors.items():
                self.add_error(field if field in self.fields else None, message)
        except mapping_checks.MondayUnavailable as unavailable:
            self.add_error(None, f"{unavailable} Try again in {unavailable.retry_after} s.")
        return cleaned


@admin.register(BoardMapping)
class BoardMappingAdmin(ScaledListAdmin, admin.ModelAdmin):
    form = BoardMappingForm
    list_display = ["name", "board_id", "form", "trigger_label", "active", "webhook_id"]
    list_filter = ["active", "form"]
    search_fields = ["name", "board_id"]
    readonly_fields = ["webhook_secret", "webhook_id", "created_at", "updated_at"]
    list_select_related = ["form"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ScaledListAdmin, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "board_id",
        "item_id",
        "status",
        "stage",
        "attempts",
        "received_at",
    ]
    list_filter = ["status", ("event_type", RecentValuesFilter), "mapping", "received_at"]
    search_fields = ["trigger_uuid", "item_id", "error"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]
    actions = ["replay_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events come from monday

    @admin.action(description="Replay the selected events")
    def replay_selected(self, request: HttpRequest, queryset) -> None:
        replayed = 0
        for event in queryset:
            try:
                sync.schedule_replay(event)
            except sync.SyncError as refused:  # ignored, refused, or held by a live worker
                self.message_user(request, f"Event {event.pk}: {refused}", messages.WARNING)
            else:
                replayed += 1
        self.message_user(request, f"{replayed} event(s) queued again.", messages.SUCCESS)


@admin.register(ItemLink)
class ItemLinkAdmin(ScaledListAdmin, admin.ModelAdmin):
    list_display = ["item_id", "mapping", "submission", "quote", "last_synced_at"]
    list_filter = ["mapping"]
    search_fields = ["item_id"]
    list_select_related = ["mapping", "submission", "quote"]
    raw_id_fields = ["submission", "quote"]
