"""Which subscriptions a change reaches, and the ``event`` payload monday delivers for it.

The delivered ``type`` differs from the subscribed event name: any column change (status
included) is ``update_column_value``, creation is ``create_pulse``, a rename ``update_name``.
Board and item ids are numbers; subitem events add ``parentItemId``/``parentItemBoardId`` as
strings and their ``boardId`` is the subitems board. ``isRetry`` is added per attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from monday_integration.testing.records import Webhook
from monday_integration.testing.views import Event

DELIVERED_TYPE = {"column": "update_column_value", "create": "create_pulse", "name": "update_name"}


def subscribed(hook: Webhook, event: Event) -> bool:
    column_id = (hook.config or {}).get("columnId")
    if event.kind == "column":
        if hook.board_id != event.board_id:
            return False
        if hook.event == "change_column_value":
            return True
        if hook.event == "change_status_column_value":
            return event.column_type == "color" and column_id in (None, event.column_id)
        return hook.event == "change_specific_column_value" and column_id == event.column_id
    if event.kind == "create":
        if event.parent_id is None:
            return hook.event == "create_item" and hook.board_id == event.board_id
        return hook.event == "create_subitem" and hook.board_id == event.parent_board_id
    return event.kind == "name" and hook.event == "change_name" and hook.board_id == event.board_id


def _iso(epoch: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def build_payload(event: Event, hook: Webhook, trigger_uuid: str) -> dict[str, Any]:
    """The ``event`` object (without ``isRetry``) for one subscription."""
    payload: dict[str, Any] = {
        "app": "monday",
        "type": DELIVERED_TYPE[event.kind],
        "triggerTime": _iso(event.at),
        "subscriptionId": hook.id,
        "userId": event.user_id,
        "originalTriggerUuid": None,
        "boardId": event.board_id,
        "groupId": event.group_id,
        "pulseId": event.item_id,
        "pulseName": event.item_name,
    }
    if event.kind == "column":
        payload.update(
            columnId=event.column_id,
            columnType=event.column_type,
            columnTitle=event.column_title,
            value=event.value,
            previousValue=event.previous_value,
            changedAt=event.at,
        )
    elif event.kind == "name":
        payload.update(value=event.value, previousValue=event.previous_value)
    else:
        payload.update(columnValues=event.value)
    if event.parent_id is not None:
        payload.update(
            parentItemId=str(event.parent_id), parentItemBoardId=str(event.parent_board_id)
        )
    payload.update(isTopGroup=event.is_top_group, triggerUuid=trigger_uuid)
    return payload
