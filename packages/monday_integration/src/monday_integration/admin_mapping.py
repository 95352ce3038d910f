"""The board mapping editor: pick the board, then its columns and labels; see, register and
test the webhook; see the mapping's recent events.

Adding a mapping starts with the board (a select of the account's boards read through
``MondayClient``, or a typed id when monday cannot list them) and the form; the editor then
offers the board's real columns and its status columns' labels as selects
(``admin_mapping_form.BoardMappingForm``, checked by ``mapping_checks.check_mapping`` as the
API's serializer is). This module is the admin around that form: what it reads from monday
once per request, the webhook panel and its two buttons (register the webhook, send a test
delivery), and the warning when a registered webhook watches an old board or column.
Without monday the fields fall back to typed ids and JSON. No JavaScript is needed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from betterform.models import Form
from createpdf.admin_paging import ScaledListAdmin
from monday_integration import identity, mapping_setup
from monday_integration.admin_links import event_item_name
from monday_integration.admin_mapping_form import BoardMappingForm, EditorSetup
from monday_integration.models import BoardMapping, WebhookEvent

RECENT_EVENTS = 10
# What a registered webhook watches: changing either leaves it watching the old ones.
WATCHED_FIELDS = ("board_id", "trigger_column_id")


def webhook_url(request: HttpRequest, mapping: BoardMapping) -> str:
    """The mapping's absolute webhook URL, as the API serializer's ``get_webhook_url``."""
    path_ = reverse("monday_integration:webhook", kwargs={"secret": mapping.webhook_secret})
    return request.build_absolute_uri(path_)


class BoardMappingAdmin(ScaledListAdmin, admin.ModelAdmin):
    form = BoardMappingForm
    change_form_template = "admin/monday_integration/boardmapping/change_form.html"
    list_display = ["name", "board_id", "form", "trigger_label", "active", "webhook_id"]
    list_filter = ["active", "form"]
    search_fields = ["name", "board_id"]
    readonly_fields = ["webhook_secret", "webhook_id", "created_at", "updated_at"]
    list_select_related = ["form"]

    def _setup(self, request: HttpRequest, obj: BoardMapping | None) -> EditorSetup:
        """Read once per request (``get_form`` runs several times): the boards, and the
        columns of the board posted, asked for (``?board_id=``) or saved."""
        cached = getattr(request, "_mapping_editor_setup", None)
        if cached is not None:
            return cached
        source = request.POST if request.method == "POST" else request.GET
        board_id = source.get("board_id") or (obj.board_id if obj else "")
        form_id = source.get("form") or (obj.form_id if obj else None)
        reads = mapping_setup.EditorReads()
        boards, boards_error = reads.boards()
        board = reads.columns(board_id) if board_id else None
        form = Form.objects.filter(pk=form_id).first() if str(form_id or "").isdigit() else None
        setup = EditorSetup(boards, boards_error, board, form)
        request._mapping_editor_setup = setup  # type: ignore[attr-defined]
        return setup

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        base = super().get_form(request, obj, change=change, **kwargs)
        return type(base.__name__, (base,), {"setup": self._setup(request, obj)})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id) if object_id else None
        if object_id and obj is None:  # the admin says it does not exist; monday is not asked
            return super().changeform_view(request, object_id, form_url, extra_context)
        # Permissions before monday: a user who may not see the page costs no monday call.
        allowed = (
            self.has_view_or_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        setup = self._setup(request, obj)
        context = {
            **(extra_context or {}),
            "pick_board": object_id is None
            and request.method == "GET"
            and not request.GET.get("board_id"),
            "boards": setup.boards,
            "boards_error": setup.boards_error,
            "board_error": setup.board.error if setup.board else "",
            "all_forms": Form.objects.order_by("name"),
        }
        if obj is not None:
            context.update(self._webhook_context(request, obj))
        return super().changeform_view(request, object_id, form_url, context)

    def _webhook_context(self, request: HttpRequest, mapping: BoardMapping) -> dict[str, Any]:
        site = self.admin_site.name
        events = (
            WebhookEvent.objects.filter(mapping=mapping)
            .exclude(status=WebhookEvent.Status.OWN_WRITE)
            .order_by("-received_at", "-id")[:RECENT_EVENTS]
        )
        rows = [
            {
                "event": event,
                "item_name": event_item_name(event) or "-",
                "url": reverse(f"{site}:monday_integration_webhookevent_change", args=[event.pk]),
            }
            for event in events
        ]
        events_url = reverse(f"{site}:monday_integration_webhookevent_changelist")
        return {
            "webhook_url": webhook_url(request, mapping),
            "recent_events": rows,
            "events_url": f"{events_url}?mapping__id__exact={mapping.pk}",
            "register_url": reverse(
                f"{site}:monday_integration_boardmapping_register", args=[mapping.pk]
            ),
            "test_url": reverse(f"{site}:monday_integration_boardmapping_test", args=[mapping.pk]),
        }

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:mapping_id>/register-webhook/",
                wrap(require_POST(self.register_view)),
                name="monday_integration_boardmapping_register",
            ),
            path(
                "<int:mapping_id>/test-delivery/",
                wrap(require_POST(self.test_delivery_view)),
                name="monday_integration_boardmapping_test",
            ),
            *super().get_urls(),
        ]

    def _mapping(self, request: HttpRequest, mapping_id: int) -> BoardMapping:
        mapping = get_object_or_404(BoardMapping, pk=mapping_id)
        if not self.has_change_permission(request, mapping):
            raise PermissionDenied
        return mapping

    def _back(self, mapping: BoardMapping) -> HttpResponseRedirect:
        site = self.admin_site.name
        return HttpResponseRedirect(
            reverse(f"{site}:monday_integration_boardmapping_change", args=[mapping.pk])
        )

    def register_view(self, request: HttpRequest, mapping_id: int) -> HttpResponseRedirect:
        """Create the mapping's webhook on monday (monday challenges the URL first)."""
        mapping = self._mapping(request, mapping_id)
        url = webhook_url(request, mapping)
        try:
            mapping_setup.register_webhook(mapping, url)
        except mapping_setup.RegisterRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            message = f"Webhook {mapping.webhook_id} registered: monday will deliver to {url}."
            self.message_user(request, message, messages.SUCCESS)
        return self._back(mapping)

    def test_delivery_view(self, request: HttpRequest, mapping_id: int) -> HttpResponseRedirect:
        """Send a status change, as monday delivers one, to the webhook endpoint's code."""
        mapping = self._mapping(request, mapping_id)
        outcome = mapping_setup.send_test_delivery(mapping, webhook_url(request, mapping))
        site = self.admin_site.name
        stored = ""
        if outcome.event_id is not None:
            event_url = reverse(
                f"{site}:monday_integration_webhookevent_change", args=[outcome.event_id]
            )
            stored = format_html(
                ' Stored as <a href="{}">{} (event {})</a>.',
                event_url,
                outcome.status,
                outcome.event_id,
            )
        signed = "signed" if outcome.signed else "unsigned"
        if outcome.http_status == 200:
            text = format_html(
                "Test delivery ({}) answered 200.{}", signed, stored or " Nothing was stored."
            )
            self.message_user(request, text, messages.SUCCESS)
        else:
            text = format_html(
                "Test delivery ({}) refused with {}: {}.{}",
                signed,
                outcome.http_status,
                outcome.detail,
                stored,
            )
            self.message_user(request, text, messages.ERROR)
        return self._back(mapping)

    def save_model(self, request: HttpRequest, obj: BoardMapping, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        moved = [name for name in WATCHED_FIELDS if name in form.changed_data]
        if change and obj.webhook_id and moved:
            was = ", ".join(f"{name} {form.initial.get(name)!r}" for name in moved)
            message = (
                f"Webhook {obj.webhook_id} still watches the old {was}: monday keeps "
                "delivering that column's changes, not the new one's. Register the webhook "
                "again (the Register webhook button) to watch the new board and column."
            )
            self.message_user(request, message, messages.WARNING)
        if identity.current() is None:  # so the changes the sync makes come back as own writes
            identity.learn_quietly()
