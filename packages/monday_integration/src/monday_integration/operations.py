"""Operations staff run by command: register webhooks, sync one item, replay failures, and
reconcile (find items left in the trigger state whose webhook monday dropped after its 30
minutes of retries)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse

from createpdf.fitting import DoesNotFit, check_fits
from monday_integration.client import MondayClient
from monday_integration.labels import same_label
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.sync import process_event, schedule_replay

Status = WebhookEvent.Status
logger = logging.getLogger(__name__)


def webhook_url(base_url: str, mapping: BoardMapping) -> str:
    path = reverse("monday_integration:webhook", kwargs={"secret": mapping.webhook_secret})
    return f"{base_url.rstrip('/')}{path}"


def register_webhooks(base_url: str, client: MondayClient) -> list[BoardMapping]:
    """Subscribe every active mapping that has no webhook yet to its trigger column. Raises
    ``DoesNotFit`` when monday answers with a webhook id longer than a mapping stores."""
    registered = []
    for mapping in BoardMapping.objects.filter(active=True, webhook_id=""):
        webhook_id = client.create_webhook(
            mapping.board_id,
            webhook_url(base_url, mapping),
            event="change_status_column_value",
            config={"columnId": mapping.trigger_column_id},
        )
        source = f"the id monday gave board {mapping.board_id}'s new webhook"
        mapping.webhook_id = check_fits(BoardMapping, "webhook_id", webhook_id, source=source)
        mapping.save(update_fields=["webhook_id", "updated_at"])
        registered.append(mapping)
    return registered


def _synthetic_event(
    mapping: BoardMapping, item_id: str, reason: str, *, trigger_changed_at: datetime | None = None
) -> WebhookEvent:
    """An event for an item nobody's webhook announced (a manual sync, a reconcile: with the
    trigger column's ``changed_at`` it answers). Raises ``DoesNotFit`` for an item id longer
    than an event stores (it is never shortened)."""
    item_id = check_fits(WebhookEvent, "item_id", str(item_id), source="the item id")
    payload = {"reason": reason, "itemId": str(item_id)}
    if trigger_changed_at is not None:
        payload[TRIGGER_CHANGED_AT] = trigger_changed_at.isoformat()
    return WebhookEvent.objects.create(
        trigger_uuid=f"{reason}-{uuid.uuid4().hex}",
        mapping=mapping,
        board_id=mapping.board_id,
        item_id=item_id,
        event_type=reason,
        payload=payload,
    )


# Both monday's clock: a status value's ``changed_at`` and a delivery's ``triggerTime`` (monday's
# status column and webhook documentation), up to the moments they are taken within one change.
TRIGGER_CHANGED_AT = "triggerChangedAt"
SAME_CHANGE = timedelta(seconds=5)
RECENT_EVENTS = 50


def status_changed_at(column: Any) -> datetime | None:
    """When the status column's label was set: its value's ``changed_at`` (monday's clock)."""
    value = getattr(column, "value", None)
    raw = value.get("changed_at") if isinstance(value, dict) else None
    return _moment(raw)


def handled_since(mapping: BoardMapping, item_id: str, changed_at: datetime | None) -> bool:
    """Whether an event that ended ``done`` or ``ignored`` answered this setting of the
    trigger, or a later one: a delivery's ``triggerTime``, a reconcile's recorded
    ``changed_at`` (both monday's clock, ``SAME_CHANGE`` apart at most), a manual sync's start.
    Unknown when the trigger was set: not handled. A trigger column that is not the status
    column keeps its label after the sync, so without this each cron run synced the item again
    (and, once its quote was answered, made a new version nobody asked for)."""
    if changed_at is None:
        return False
    ended = (
        WebhookEvent.objects.filter(
            mapping=mapping, item_id=item_id, status__in=(Status.DONE, Status.IGNORED)
        )
        .order_by("-received_at", "-id")
        .only("payload", "received_at", "event_type")
    )
    for event in ended[:RECENT_EVENTS]:  # the customer's events (no moment) are passed over
        moment = _trigger_moment(event)
        if moment is not None:
            return moment >= changed_at - SAME_CHANGE
    return False


def _trigger_moment(event: WebhookEvent) -> datetime | None:
    payload = event.payload if isinstance(event.payload, dict) else {}
    delivered = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    moment = _moment(delivered.get("triggerTime")) or _moment(payload.get(TRIGGER_CHANGED_AT))
    if moment is None and event.event_type == "manual":
        moment = event.received_at  # this server's clock: started after the label was set
    return moment


def _moment(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sync_item(mapping: BoardMapping, item_id: str, client: MondayClient) -> WebhookEvent:
    """Run the pipeline for one item now, in this process. Raises ``DoesNotFit`` for an item
    id longer than an event stores."""
    return process_event(_synthetic_event(mapping, item_id, "manual").pk, client=client)


def replay_failed(mappings: list[BoardMapping] | None = None) -> list[WebhookEvent]:
    events = WebhookEvent.objects.filter(status=Status.FAILED)
    if mappings is not None:
        events = events.filter(mapping__in=mappings)
    return [schedule_replay(event) for event in events]


@dataclass(frozen=True)
class Reconciled:
    mapping: BoardMapping
    item_id: str
    event: WebhookEvent


def reconcile(client: MondayClient) -> list[Reconciled]:
    """Queue active items that show the trigger label but have no event in progress, and
    whose trigger was set after the last event that handled the item (``handled_since``).

    Each board is read as lightly as monday allows: every item's ``state`` and its trigger
    column only, no subitems. An archived or deleted item is never queued: monday's
    ``items_page`` documentation does not say whether it returns them (the fake does), so
    the ``state`` decides."""
    found = []
    for mapping in BoardMapping.objects.filter(active=True):
        handled = set(
            WebhookEvent.objects.filter(
                mapping=mapping, status__in=(Status.RECEIVED, Status.PROCESSING)
            ).values_list("item_id", flat=True)
        )
        rows = client.iter_board_items(
            mapping.board_id, column_ids=[mapping.trigger_column_id], with_subitems=False
        )
        for item in rows:
            if not item.is_active:
                continue
            column = item.column_values.get(mapping.trigger_column_id)
            label = column.label if column else None
            if not same_label(label, mapping.trigger_label) or str(item.id) in handled:
                continue
            changed_at = status_changed_at(column)
            if handled_since(mapping, str(item.id), changed_at):
                continue
            from monday_integration.tasks import process_event_task

            try:
                with transaction.atomic():  # the event and its task, together
                    event = _synthetic_event(
                        mapping, str(item.id), "reconcile", trigger_changed_at=changed_at
                    )
                    process_event_task(event.pk)
            except DoesNotFit as error:
                logger.warning("reconcile skips an item of board %s: %s", mapping.board_id, error)
                continue
            found.append(Reconciled(mapping, str(item.id), event))
    return found
