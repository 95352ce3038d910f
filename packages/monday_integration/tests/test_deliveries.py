"""Every kind of delivery monday sends, from the fake over real HTTP: answered 2xx, stored once
(``ignored`` unless it is the trigger) with the item and board in whatever field monday used."""

from __future__ import annotations

import pytest
from background_task.models import Task

from monday_integration.models import WebhookEvent


def _url(live_server, mapping) -> str:
    return f"{live_server.url}/api/monday/webhooks/{mapping.webhook_secret}/"


def _subitem(fake, demo) -> tuple[int, int]:
    """(parent, subitem) of the demo's first deal."""
    parent = fake.item(demo["items"][0])
    return parent.id, parent.subitems[0].id


def _create_item(fake, demo, mapping):
    item = fake.add_item(demo["board_id"], "New deal")
    return item.id, demo["board_id"]


def _create_subitem(fake, demo, mapping):
    sub = fake.add_subitem(demo["items"][0], "Tiles")
    return sub.id, sub.board_id


def _rename(fake, demo, mapping):
    fake.rename(demo["items"][0], "Renamed deal")
    return demo["items"][0], demo["board_id"]


def _other_column(fake, demo, mapping):
    fake.set_value(demo["items"][0], demo["columns"]["area"], "31")
    return demo["items"][0], demo["board_id"]


def _other_label(fake, demo, mapping):
    fake.set_status(demo["items"][0], mapping.trigger_column_id, "Working on it")
    return demo["items"][0], demo["board_id"]


def _subitem_column(fake, demo, mapping):
    _parent, sub = _subitem(fake, demo)
    fake.set_value(sub, demo["subitem_columns"]["quantity"], "7")
    return sub, fake.item(sub).board_id


def _archive(fake, demo, mapping):
    fake.archive_item(demo["items"][1])
    return demo["items"][1], demo["board_id"]


def _delete(fake, demo, mapping):
    fake.delete_item(demo["items"][1])
    return demo["items"][1], demo["board_id"]


def _restore(fake, demo, mapping):
    fake.archive_item(demo["items"][1])
    fake.restore_item(demo["items"][1])
    return demo["items"][1], demo["board_id"]


def _archive_subitem(fake, demo, mapping):
    _parent, sub = _subitem(fake, demo)
    fake.archive_item(sub)
    return sub, fake.item(sub).board_id


def _delete_subitem(fake, demo, mapping):
    _parent, sub = _subitem(fake, demo)
    fake.delete_item(sub)
    return sub, fake.item(sub).board_id


def _move_to_group(fake, demo, mapping):
    fake.add_group(demo["board_id"], "won", "Won")
    fake.move_item_to_group(demo["items"][0], "won")
    return demo["items"][0], demo["board_id"]


def _move_subitem(fake, demo, mapping):
    _parent, sub = _subitem(fake, demo)
    fake.move_subitem(sub, demo["items"][1])
    return demo["items"][1], demo["board_id"]  # destPulseId, destBoardId


def _create_column(fake, demo, mapping):
    fake.create_column(demo["board_id"], {"id": "notes", "title": "Notes", "type": "text"})
    return "", demo["board_id"]


def _post_update(fake, demo, mapping):
    fake.post_update(demo["items"][0], "<p>Call back on Monday</p>")
    return demo["items"][0], demo["board_id"]


# subscribed event, the change, the delivered type, keys the delivery must (not) carry
KINDS = [
    ("create_item", _create_item, "create_pulse", {"pulseId"}, set()),
    ("create_subitem", _create_subitem, "create_pulse", {"parentItemId"}, set()),
    ("change_name", _rename, "update_name", {"pulseId"}, set()),
    ("change_column_value", _other_column, "update_column_value", {"columnId"}, set()),
    ("change_status_column_value", _other_label, "update_column_value", {"value"}, set()),
    (
        "change_subitem_column_value",
        _subitem_column,
        "update_column_value",
        {"parentItemId"},
        set(),
    ),
    ("item_archived", _archive, "archive_pulse", {"itemId", "itemName"}, {"pulseId"}),
    ("item_deleted", _delete, "delete_pulse", {"itemId", "itemName"}, {"pulseId"}),
    ("item_restored", _restore, "restore_pulse", {"itemId", "itemName"}, {"pulseId"}),
    ("subitem_archived", _archive_subitem, "archive_pulse", {"parentBoardId"}, {"pulseId"}),
    ("subitem_deleted", _delete_subitem, "delete_pulse", {"parentBoardId"}, {"pulseId"}),
    ("item_moved_to_any_group", _move_to_group, "move_pulse_into_group", {"destGroupId"}, set()),
    (
        "move_subitem",
        _move_subitem,
        "move_subitem",
        {"sourceBoardId", "destBoardId", "sourcePulseId", "destPulseId", "subitem"},
        {"boardId", "pulseId"},
    ),
    ("create_column", _create_column, "create_column", {"columnId", "boardId"}, {"pulseId"}),
    ("create_update", _post_update, "create_update", {"pulseId", "body"}, set()),
]


@pytest.mark.parametrize(
    ("subscription", "change", "delivered", "has", "lacks"), KINDS, ids=[k[0] for k in KINDS]
)
def test_every_kind_of_delivery_is_answered_2xx_and_stored_ignored_with_its_item_and_board(
    fake, demo, mapping, live_server, subscription, change, delivered, has, lacks
):
    fake.subscribe(demo["board_id"], _url(live_server, mapping), subscription)
    item_id, board_id = change(fake, demo, mapping)
    [delivery] = fake.wait_for_deliveries(1, timeout=10)
    sent = delivery.payload["event"]
    assert sent["type"] == delivered
    assert has <= sent.keys() and not lacks & sent.keys(), sent
    assert delivery.status_code == 200, delivery
    event = WebhookEvent.objects.get()
    assert (event.event_type, event.status) == (delivered, "ignored")
    assert (event.item_id, event.board_id) == (str(item_id), str(board_id))
    assert event.trigger_uuid == sent["triggerUuid"]
    assert not Task.objects.exists()


def test_subitem_archive_carries_its_parent_as_numbers_and_creation_as_strings(
    fake, demo, mapping, live_server
):
    """As monday sends them (MONDAY.md, "Checked against ... real deliveries")."""
    url = _url(live_server, mapping)
    for subscription in ("create_subitem", "subitem_archived"):
        fake.subscribe(demo["board_id"], url, subscription)
    sub = fake.add_subitem(demo["items"][0], "Skirting")
    fake.archive_item(sub.id)
    sent = {d.payload["event"]["type"]: d.payload["event"] for d in fake.wait_for_deliveries(2)}
    created, archived = sent["create_pulse"], sent["archive_pulse"]
    assert created["parentItemId"] == str(demo["items"][0])
    assert archived["parentItemId"] == demo["items"][0]
    assert archived["parentBoardId"] == demo["board_id"]
    assert WebhookEvent.objects.filter(status="ignored", item_id=str(sub.id)).count() == 2


def test_a_status_change_to_the_trigger_label_is_still_the_trigger(
    fake, demo, mapping, live_server
):
    fake.subscribe(demo["board_id"], _url(live_server, mapping), "change_status_column_value")
    fake.set_status(demo["items"][0], mapping.trigger_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10)
    event = WebhookEvent.objects.get()
    assert (event.status, event.item_id) == ("received", str(demo["items"][0]))
    assert Task.objects.filter(task_name__endswith="process_event_task").count() == 1
