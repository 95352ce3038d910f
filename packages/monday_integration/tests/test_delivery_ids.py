"""What identifies a delivery: the item and board in whatever field monday uses, a too-long id
refused by name, and a stable key for a delivery without ``triggerUuid``."""

from __future__ import annotations

import uuid

import pytest
from background_task.models import Task

from createpdf.fitting import max_length
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

HEAD = {"app": "monday", "triggerTime": "2026-11-23T10:00:00.000Z", "userId": 7}


def _post(api_client, mapping, event: dict):
    url = f"/api/monday/webhooks/{mapping.webhook_secret}/"
    return api_client.post(url, {"event": event}, format="json")


def _trigger(mapping, **changes) -> dict:
    return {
        **HEAD,
        "type": "update_column_value",
        "boardId": int(mapping.board_id),
        "pulseId": 123,
        "columnId": mapping.trigger_column_id,
        "columnType": "color",
        "value": {"label": {"index": 3, "text": "Quote requested", "style": {}}},
        **changes,
    }


ARCHIVE = {"type": "archive_pulse", "boardId": 11, "itemId": 22, "itemName": "Deal"}
SUB_DELETE = {**ARCHIVE, "type": "delete_pulse", "parentItemId": 21, "parentBoardId": 10}
MOVE = {
    "type": "move_subitem",
    "sourceBoardId": 10,
    "destBoardId": 12,
    "sourcePulseId": 21,
    "destPulseId": 23,
    "subitem": {"id": 22, "name": "Tiles", "boardId": 13},
}
COLUMN = {"type": "create_column", "boardId": 11, "columnId": "notes", "columnType": "text"}


@pytest.mark.parametrize(
    ("event", "item_id", "board_id"),
    [(ARCHIVE, "22", "11"), (SUB_DELETE, "22", "11"), (MOVE, "23", "12"), (COLUMN, "", "11")],
    ids=["archive_pulse", "subitem-delete_pulse", "move_subitem", "create_column"],
)
def test_the_item_and_board_are_taken_from_the_field_monday_uses(
    api_client, mapping, event, item_id, board_id
):
    response = _post(api_client, mapping, {**HEAD, **event, "triggerUuid": uuid.uuid4().hex})
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    stored = WebhookEvent.objects.get()
    assert (stored.item_id, stored.board_id) == (item_id, board_id)
    assert stored.event_type == event["type"]


@pytest.mark.parametrize(
    ("event", "key", "field"),
    [
        ({**ARCHIVE, "itemId": int("9" * 40)}, "itemId", "item_id"),
        ({**MOVE, "destPulseId": int("9" * 40)}, "destPulseId", "item_id"),
        ({**MOVE, "destBoardId": "1" * 40}, "destBoardId", "board_id"),
    ],
    ids=["itemId", "destPulseId", "destBoardId"],
)
def test_a_too_long_id_in_any_field_is_a_400_naming_it(api_client, mapping, event, key, field):
    response = _post(api_client, mapping, {**HEAD, **event, "triggerUuid": uuid.uuid4().hex})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert f"event.{key}" in detail and f"at most {max_length(WebhookEvent, field)}" in detail
    assert not WebhookEvent.objects.exists()


def test_an_event_without_a_type_is_a_400(api_client, mapping):
    response = _post(api_client, mapping, {"boardId": 1, "triggerUuid": "x"})
    assert response.status_code == 400 and "event lacks type" in response.json()["detail"]


def test_without_trigger_uuid_the_retries_collapse_on_a_key_derived_from_the_body(
    api_client, mapping, django_capture_on_commit_callbacks
):
    event = _trigger(mapping)
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(api_client, mapping, event)
    retry = _post(api_client, mapping, {**event, "isRetry": True})
    assert first.status_code == retry.status_code == 200
    assert first.json()["status"] == "received" and retry.json()["duplicate"] is True
    stored = WebhookEvent.objects.get()
    assert stored.trigger_uuid.startswith("body:") and len(stored.trigger_uuid) == 64
    assert Task.objects.filter(task_name__endswith="process_event_task").count() == 1

    # Another change (another time) is another delivery.
    other = _post(api_client, mapping, {**event, "triggerTime": "2026-11-23T10:05:00.000Z"})
    assert other.json()["duplicate"] is False
    assert WebhookEvent.objects.count() == 2


def test_the_same_body_to_two_mappings_is_two_deliveries(api_client, mapping):
    from monday_integration.models import BoardMapping

    second = BoardMapping.objects.create(
        name="Copy",
        board_id="42",
        form=mapping.form,
        trigger_column_id=mapping.trigger_column_id,
        status_column_id=mapping.status_column_id,
    )
    event = {**HEAD, **ARCHIVE}
    assert _post(api_client, mapping, event).json()["duplicate"] is False
    assert _post(api_client, second, event).json()["duplicate"] is False
    assert WebhookEvent.objects.count() == 2
