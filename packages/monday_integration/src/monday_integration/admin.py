from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from rangefilter.filters import DateRangeFilterBuilder

from betterform.admin_links import register_link_provider
from createpdf.admin_export import CsvExportAdmin
from createpdf.admin_paging import RecentValuesFilter, ScaledListAdmin
from monday_integration import sync
from monday_integration.admin_events import EventDisplayMixin, EventStatusFilter, ReplayViewMixin
from monday_integration.admin_export import WebhookEventResource
from monday_integration.admin_links import quote_and_submission_links
from monday_integration.admin_mapping import BoardMappingAdmin
from monday_integration.admin_mapping_form import BoardMappingForm  # noqa: F401
from monday_integration.models import BoardMapping, ItemLink, WebhookEvent

# The mapping editor (board, column and label pickers, webhook panel) is in admin_mapping.
admin.site.register(BoardMapping, BoardMappingAdmin)


@admin.register(WebhookEvent)
class WebhookEventAdmin(
    ReplayViewMixin, EventDisplayMixin, CsvExportAdmin, ScaledListAdmin, admin.ModelAdmin
):
    """The webhook log: own writes hidden unless the status filter asks for them; item name,
    stage and error in the list; a replay button on failed and stalled events."""

    # What fits at 1366 px beside the filters: the kind, item id and attempts are on the event
    # page, in the filters and the CSV export.
    list_display = ["id", "item_name", "status", "stage", "short_error", "received_at"]
    list_display += ["replay_button"]
    list_filter = [
        EventStatusFilter,
        ("event_type", RecentValuesFilter),
        "mapping",
        ("received_at", DateRangeFilterBuilder()),
    ]
    search_fields = ["trigger_uuid", "item_id", "error"]
    readonly_fields = [
        "replay_button",
        "linked_records",
        "item_name",
        *(field.name for field in WebhookEvent._meta.fields),
    ]
    resource_classes = [WebhookEventResource]
    actions = ["replay_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events come from monday

    @admin.action(description="Replay the selected events", permissions=["change"])
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


# A quote's and a submission's admin page link their monday item and its events.
register_link_provider(quote_and_submission_links)
