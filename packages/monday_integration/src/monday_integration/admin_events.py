"""The webhook log's admin parts: the status filter that keeps own writes out of the way, the
item / error columns, linked records, and the replay button (one event, POST only), which
calls ``sync.schedule_replay`` as the bulk action does and shows its refusal as a message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from betterform.admin_links import links_html
from monday_integration import sync
from monday_integration.admin_links import event_item_name, event_record_links
from monday_integration.models import WebhookEvent

Status = WebhookEvent.Status
ERROR_CHARS = 80
# A stalled event is a processing one whose worker is gone: it is replayed as a failed one is.
REPLAYABLE = {Status.FAILED, WebhookEvent.STALLED}


class EventStatusFilter(admin.SimpleListFilter):
    """Status, with own writes (``own_write``) hidden unless asked for: they are the
    integration's own changes coming back from monday, not work."""

    title = "status"
    parameter_name = "status"
    ALL_BUT_OWN = "All but own writes"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        stalled = (WebhookEvent.STALLED, "Stalled (worker gone)")
        return [*Status.choices, stalled, ("all", "All, own writes too")]

    def choices(self, changelist: Any):
        for index, choice in enumerate(super().choices(changelist)):
            if index == 0:  # Django's "All": no status asked for, which hides own writes
                choice["display"] = self.ALL_BUT_OWN
            yield choice

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "all":
            return queryset
        if value:  # "processing" and "stalled" as the API means them (with_status)
            return queryset.with_status(value)
        return queryset.exclude(status=Status.OWN_WRITE)


class EventDisplayMixin:
    """Columns and fields of ``WebhookEventAdmin``; mix in before ``admin.ModelAdmin``."""

    @admin.display(description="Item")
    def item_name(self, event: WebhookEvent) -> str:
        return event_item_name(event) or "-"

    @admin.display(description="Error")
    def short_error(self, event: WebhookEvent) -> str:
        first_line = event.error.strip().splitlines()[0] if event.error.strip() else ""
        return Truncator(first_line).chars(ERROR_CHARS) or "-"

    @admin.display(description="Linked records")
    def linked_records(self, event: WebhookEvent) -> str:
        return links_html(event_record_links(event))

    @admin.display(description="Replay")
    def replay_button(self, event: WebhookEvent) -> str:
        """A submit button of the page's own form (it carries the CSRF token) that posts to
        the replay URL; only for events a replay is meant for."""
        if event.pk is None or event.shown_status not in REPLAYABLE:
            return "-"
        url = reverse("admin:monday_integration_webhookevent_replay", args=[event.pk])
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post" '
            'formnovalidate name="_replay" value="{}">Replay</button>',
            url,
            event.pk,
        )


def _without_replay(fields: Any) -> list[str]:
    return [name for name in fields if name != "replay_button"]


class ReplayViewMixin:
    """``<id>/replay/``: POST only (405 otherwise), CSRF checked by ``admin_view``; needs the
    change permission (the button is not shown without it). Goes back to the page the button
    was on."""

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        return shown if self.has_change_permission(request) else _without_replay(shown)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = super().get_readonly_fields(request, obj)
        return shown if self.has_change_permission(request, obj) else _without_replay(shown)

    def get_urls(self) -> list[Any]:
        replay = self.admin_site.admin_view(require_POST(self.replay_view))
        return [
            path("<int:event_id>/replay/", replay, name="monday_integration_webhookevent_replay"),
            *super().get_urls(),
        ]

    def replay_view(self, request: HttpRequest, event_id: int) -> HttpResponseRedirect:
        event = get_object_or_404(WebhookEvent, pk=event_id)
        if not self.has_change_permission(request, event):
            messages.error(request, "You may not replay events.")
        else:
            try:
                sync.schedule_replay(event)
            except sync.SyncError as refused:  # as the bulk action refuses
                self.message_user(request, f"Event {event.pk}: {refused}", messages.WARNING)
            else:
                self.message_user(request, f"Event {event.pk} queued again.", messages.SUCCESS)
        return HttpResponseRedirect(self._back(request, event))

    @staticmethod
    def _back(request: HttpRequest, event: WebhookEvent) -> str:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        changelist = reverse("admin:monday_integration_webhookevent_changelist")
        # From the list (with its filters) back to the list; else to the event's page.
        if referer.path == changelist:
            return f"{changelist}?{referer.query}" if referer.query else changelist
        return reverse("admin:monday_integration_webhookevent_change", args=[event.pk])
