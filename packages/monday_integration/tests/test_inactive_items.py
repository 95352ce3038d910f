"""Items archived or deleted on monday by the time the worker reads them: monday's
``items(ids: ...)`` still returns them, with ``state``; the event ends ``ignored`` with the
reason and nothing is done on monday (no label, no upload, no update)."""

from __future__ import annotations

import httpx
import pytest

from monday_integration import operations
from monday_integration.client import MondayClient
from monday_integration.signals import event_finished

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(fake):
    with MondayClient(backoff=lambda attempt: 0.01) as monday:
        yield monday


@pytest.mark.parametrize("state", ["archived", "deleted"])
def test_an_inactive_item_ends_the_event_ignored_with_nothing_done(
    fake, demo, mapping, client, state
):
    item_id = demo["items"][0]
    getattr(fake, "archive_item" if state == "archived" else "delete_item")(item_id)
    before = fake.item(item_id)
    finished = []

    def record(sender, event, status, **kwargs):
        finished.append(status)

    event_finished.connect(record)
    try:
        event = operations.sync_item(mapping, str(item_id), client)
    finally:
        event_finished.disconnect(record)
    assert event.status == "ignored" and finished == ["ignored"]
    assert event.error == f"item {item_id} is {state} on monday; nothing was done"
    calls = [(r.operation_type, r.fields) for r in fake.requests if r.path.startswith("/v2")]
    assert calls == [("query", ("items",))]  # the read, and no mutation at all
    after = fake.item(item_id)
    assert after.label(mapping.status_column_id) == "Working on it"
    assert (after.values, after.updates, after.files) == (before.values, [], [])


def test_an_active_item_is_read_with_its_state(fake, demo, client):
    fake.archive_item(demo["items"][1])
    items = client.get_items(demo["items"])
    assert [(int(i.id), i.state, i.is_active) for i in items] == [
        (demo["items"][0], "active", True),
        (demo["items"][1], "archived", False),
        (demo["items"][2], "active", True),
    ]


def test_exclude_nonactive_leaves_archived_and_deleted_items_out(fake, demo):
    first, second, third = demo["items"]
    fake.archive_item(first)
    fake.delete_item(second)
    query = "query ($i: [ID!], $x: Boolean) { items(ids: $i, exclude_nonactive: $x) { id state } }"

    def read(exclude: bool | None) -> list[tuple[str, str]]:
        body = httpx.post(
            fake.url,
            headers={"Authorization": fake.token},
            json={"query": query, "variables": {"i": demo["items"], "x": exclude}},
        ).json()
        return [(i["id"], i["state"]) for i in body["data"]["items"]]

    everything = [(str(first), "archived"), (str(second), "deleted"), (str(third), "active")]
    assert read(None) == everything
    assert read(True) == [(str(third), "active")]
