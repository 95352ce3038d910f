"""Which subscriptions a change reaches, and the ``event`` payload monday delivers for it.

The delivered ``type`` differs from the subscribed event name (``DELIVERED_TYPE``): any column
change (status included) is ``update_column_value``, creation ``create_pulse``, a rename
``update_name``, archive/delete/restore ``archive_pulse``/``delete_pulse``/``restore_pulse``, a
group move ``move_pulse_into_group``. Board and item ids are numbers. Shapes, as in
https://developer.monday.com/api-reference/reference/webhooks and captured deliveries:

- column changes, creation, rename, updates: ``boardId``, ``pulseId``, ``pulseName``; subitem
  events add ``parentItemId``/``parentItemBoardId`` as strings, ``boardId`` is the subitems
  board;
- archive/delete/restore: ``boardId``, ``itemId``, ``itemName`` and no ``pulseId``; a subitem's
  adds ``parentItemId``/``parentBoardId`` as numbers;
- ``move_subitem``: ``sourceBoardId``, ``destBoardId``, ``sourcePulseId``, ``destPulseId`` (the
  old and new parent item), ``subitem``, and neither ``boardId`` nor ``pulseId``;
- ``create_column``: ``boardId``, ``columnId``, ``columnType``, ``columnTitle``, no ``pulseId``.

``isRetry`` is added per attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from monday_integration.testing.records import Webhook
from monday_integration.testing.views import Event

DELIVERED_TYPE = {
    "column": "update_column_value",
    "create": "create_pulse",
    "name": "update_name",
    "archive": "archive_pulse",
    "delete": "delete_pulse",
    "restore": "restore_pulse",
    "move_group": "move_pulse_into_group",
    "move_subitem": "move_subitem",
    "create_column": "create_column",
    "update": "create_update",
}
# The subscription an item's (top-level, subitem) change reaches, on the item's board for an
# item and on the parent's board for a subitem.
SUBSCRIPTION = {
    "create": ("create_item", "create_subitem"),
    "name": ("change_name", "change_subitem_name"),
    "archive": ("item_archived", "subitem_archived"),
    "delete": ("item_deleted", "subitem_deleted"),
    "restore": ("item_restored", None),
    "update": ("create_update", "create_subitem_update"),
}
# Every event name the fake delivers for (monday's ``WebhookEventType``).
EVENT_NAMES = frozenset(
    {
        "change_column_value",
        "change_status_column_value",
        "change_specific_column_value",
        "change_subitem_column_value",
        "item_moved_to_any_group",
        "item_moved_to_specific_group",
        "move_subitem",
        "create_column",
        *(name for pair in SUBSCRIPTION.values() for name in pair if name),
    }
)


def subscribed(hook: Webhook, event: Event) -> bool:
    """Whether ``hook`` receives ``event``: a webhook on an item's board gets the item's
    events; one on the parent board gets its subitems' events under the subitem names (a
    webhook on a subitems board gets them as on any board, creation excepted)."""
    config = hook.config or {}
    if event.kind == "move_subitem":
        moved = event.value or {}
        boards = {moved.get("sourceBoardId"), moved.get("destBoardId")}
        return hook.event == "move_subitem" and hook.board_id in boards
    own = hook.board_id == event.board_id
    parent = event.parent_id is not None and hook.board_id == event.parent_board_id
    if event.kind == "column":
        if parent:
            return hook.event == "change_subitem_column_value"
        return own and _column_matches(hook.event, config.get("columnId"), event)
    if event.kind == "move_group":
        if hook.event == "item_moved_to_specific_group":
            return own and config.get("groupId") == (event.value or {}).get("destGroupId")
        return own and hook.event == "item_moved_to_any_group"
    if event.kind == "create_column":
        return own and hook.event == "create_column"
    item_event, subitem_event = SUBSCRIPTION[event.kind]
    if parent:
        return hook.event == subitem_event
    creating_subitem = event.kind == "create" and event.parent_id is not None
    return own and hook.event == item_event and not creating_subitem


def _column_matches(name: str, column_id: str | None, event: Event) -> bool:
    if name == "change_column_value":
        return True
    if name == "change_status_column_value":
        return event.column_type == "color" and column_id in (None, event.column_id)
    return name == "change_specific_column_value" and column_id == event.column_id


def _iso(epoch: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _pulse(event: Event) -> dict[str, Any]:
    return {
        "boardId": event.board_id,
        "groupId": event.group_id,
        "pulseId": event.item_id,
        "pulseName": event.item_name,
    }


def _parent_as_strings(event: Event) -> dict[str, Any]:
    if event.parent_id is None:
        return {}
    return {"parentItemId": str(event.parent_id), "parentItemBoardId": str(event.parent_board_id)}


def _body(event: Event) -> dict[str, Any]:
    """The kind's own fields (between the common head and ``triggerUuid``)."""
    extra = event.value if isinstance(event.value, dict) else {}
    if event.kind in ("archive", "delete", "restore"):
        body: dict[str, Any] = {
            "boardId": event.board_id,
            "itemId": event.item_id,
            "itemName": event.item_name,
        }
        if event.parent_id is not None:  # numbers here, unlike other subitem events
            body.update(parentItemId=event.parent_id, parentBoardId=event.parent_board_id)
        return body
    if event.kind == "move_subitem":
        return dict(extra)
    if event.kind == "create_column":
        return {
            "boardId": event.board_id,
            "columnId": event.column_id,
            "columnType": event.column_type,
            "columnTitle": event.column_title,
        }
    body = _pulse(event)
    if event.kind == "column":
        body.update(
            columnId=event.column_id,
            columnType=event.column_type,
            columnTitle=event.column_title,
            value=event.value,
            previousValue=event.previous_value,
            changedAt=event.at,
        )
    elif event.kind == "name":
        body.update(value=event.value, previousValue=event.previous_value)
    elif event.kind == "create":
        body.update(columnValues=event.value)
    else:  # move_group, update
        body.update(extra)
    body.update(_parent_as_strings(event), isTopGroup=event.is_top_group)
    return body


def build_payload(event: Event, hook: Webhook, trigger_uuid: str) -> dict[str, Any]:
    """The ``event`` object (without ``isRetry``) for one subscription."""
    return {
        "app": "monday",
        "type": DELIVERED_TYPE[event.kind],
        "triggerTime": _iso(event.at),
        "subscriptionId": hook.id,
        "userId": event.user_id,
        "originalTriggerUuid": None,
        **_body(event),
        "triggerUuid": trigger_uuid,
    }
