"""The operations commands, run through ``call_command`` against the fake monday.

The ``fake`` fixture points ``MONDAY_API_URL`` and ``MONDAY_API_TOKEN`` at the fake; where the
fake must reach Django (challenges, deliveries) a live server answers it.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from background_task.models import Task
from django.core.management import CommandError, call_command

from betterform.models import Quote
from monday_integration.models import BoardMapping, ItemLink, WebhookEvent


def _run(name: str, *args: str, **options) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, **options)
    return out.getvalue()


def _queued_event_ids() -> list[int]:
    tasks = Task.objects.filter(task_name__endswith="process_event_task")
    return sorted(json.loads(task.task_params)[0][0] for task in tasks)


def _other_mapping(fake, mapping, name: str, **fields) -> BoardMapping:
    board = fake.add_board(
        name,
        [{"id": "status", "title": "Status", "type": "status", "labels": ["Quote requested"]}],
    )
    return BoardMapping.objects.create(
        name=name,
        board_id=str(board.id),
        form=mapping.form,
        trigger_column_id="status",
        status_column_id="status",
        **fields,
    )


def _failed_event(mapping, item_id: str, status: str = "failed") -> WebhookEvent:
    return WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex,
        mapping=mapping,
        board_id=mapping.board_id,
        item_id=item_id,
        event_type="update_column_value",
        payload={},
        status=status,
        error="monday is down" if status == "failed" else "",
    )


# -- monday_register_webhooks -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_register_webhooks_subscribes_each_active_mapping_once(fake, demo, mapping, live_server):
    inactive = _other_mapping(fake, mapping, "Archived board", active=False)
    subscribed = _other_mapping(fake, mapping, "Already subscribed", webhook_id="4242")
    url = f"{live_server.url}/api/monday/webhooks/{mapping.webhook_secret}/"

    out = _run("monday_register_webhooks", base_url=live_server.url)

    [challenge] = fake.challenges
    assert (challenge.url, challenge.status_code, challenge.ok) == (url, 200, True)
    [hook] = fake.webhooks
    assert (hook.board_id, hook.url) == (demo["board_id"], url)
    assert hook.event == "change_status_column_value"
    assert hook.config == {"columnId": mapping.trigger_column_id}
    mapping.refresh_from_db()
    assert mapping.webhook_id == str(hook.id)
    assert f"webhook {hook.id} -> {url}" in out
    inactive.refresh_from_db()
    subscribed.refresh_from_db()
    assert (inactive.webhook_id, subscribed.webhook_id) == ("", "4242")

    assert _run("monday_register_webhooks", base_url=f"{live_server.url}/") == ""
    assert len(fake.webhooks) == 1 and len(fake.challenges) == 1

    # The subscription works: a status change reaches the live server and is stored.
    fake.set_status(demo["items"][0], mapping.trigger_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10, ok_only=True)
    assert WebhookEvent.objects.get().status == "received"


@pytest.mark.django_db(transaction=True)
def test_register_webhooks_stores_nothing_when_the_challenge_fails(fake, demo, mapping):
    from monday_integration.errors import MondayError

    with pytest.raises(MondayError):
        _run("monday_register_webhooks", base_url="http://127.0.0.1:9")
    [challenge] = fake.challenges
    assert challenge.ok is False
    assert fake.webhooks == []
    mapping.refresh_from_db()
    assert mapping.webhook_id == ""


# -- monday_sync_item -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sync_item_runs_the_pipeline_now(fake, demo, mapping):
    item_id = str(demo["items"][2])
    out = _run("monday_sync_item", mapping.board_id, item_id)

    event = WebhookEvent.objects.get()
    assert (event.status, event.event_type, event.item_id) == ("done", "manual", item_id)
    assert f"item {item_id} synced (event {event.pk})" in out
    item = fake.item(item_id)
    assert item.label(mapping.status_column_id) == "Quote ready"
    assert len(item.files) == 1
    link = ItemLink.objects.get()
    assert link.item_id == item_id and link.quote == Quote.objects.get()


@pytest.mark.django_db
def test_sync_item_of_an_unknown_board_is_a_command_error(fake, demo, mapping):
    with pytest.raises(CommandError, match="no board mapping for board 424242"):
        _run("monday_sync_item", "424242", str(demo["items"][0]))
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_sync_item_that_fails_is_a_command_error_naming_the_stage(fake, demo, mapping):
    with pytest.raises(CommandError, match="item 999999999 failed at reading"):
        _run("monday_sync_item", mapping.board_id, "999999999")
    assert WebhookEvent.objects.get().status == "failed"


# -- monday_replay_failed ---------------------------------------------------------------------


@pytest.mark.django_db
def test_replay_failed_queues_every_failed_event(
    fake, demo, mapping, django_capture_on_commit_callbacks
):
    failed = [_failed_event(mapping, str(item)) for item in demo["items"][:2]]
    done = _failed_event(mapping, str(demo["items"][2]), status="done")
    ignored = _failed_event(mapping, str(demo["items"][2]), status="ignored")

    with django_capture_on_commit_callbacks(execute=True):
        out = _run("monday_replay_failed")

    assert "2 failed event(s) queued again." in out
    assert _queued_event_ids() == sorted(event.pk for event in failed)
    statuses = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert statuses == {
        failed[0].pk: "received",
        failed[1].pk: "received",
        done.pk: "done",
        ignored.pk: "ignored",
    }
    assert "0 failed event(s) queued again." in _run("monday_replay_failed")


# -- monday_reconcile -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reconcile_queues_items_whose_webhook_was_dropped(fake, demo, mapping, live_server):
    _run("monday_register_webhooks", base_url=live_server.url)
    dropped, delivered = (str(item) for item in demo["items"][:2])
    fake.faults.drop_webhooks(times=1)
    fake.set_status(dropped, mapping.trigger_column_id, "Quote requested")
    assert len(fake.dropped_events) == 1
    fake.set_status(delivered, mapping.trigger_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10, ok_only=True)
    received = WebhookEvent.objects.get(item_id=delivered)
    assert received.status == "received"

    out = _run("monday_reconcile")

    reconciled = WebhookEvent.objects.get(event_type="reconcile")
    assert (reconciled.item_id, reconciled.status) == (dropped, "received")
    assert f"item {dropped} queued (event {reconciled.pk})" in out
    assert "1 item(s) queued." in out
    assert _queued_event_ids() == sorted([received.pk, reconciled.pk])

    assert "0 item(s) queued." in _run("monday_reconcile"), "a queued item is not queued again"
    assert WebhookEvent.objects.filter(event_type="reconcile").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_trigger_whose_task_could_not_be_queued_is_queued_by_the_retry_or_reconcile(
    fake, demo, mapping, api_client, monkeypatch
):
    """Queuing the task fails once (SQLite's lock timeout, a dropped PostgreSQL connection, or
    the process dying between the two commits); monday retries the delivery and the periodic
    reconcile runs. Afterwards the item must be queued exactly once, whichever of the two
    catches it. Today the event was committed before the failed INSERT, the retry is answered
    as a duplicate without scheduling, and reconcile counts a ``received`` event as handled:
    nothing ever processes the item."""
    from django.db import OperationalError

    from monday_integration import tasks

    item_id = str(demo["items"][0])
    fake.set_status(item_id, mapping.trigger_column_id, "Quote requested")  # no subscription
    body = {
        "event": {
            "type": "update_column_value",
            "triggerUuid": uuid.uuid4().hex,
            "boardId": int(mapping.board_id),
            "pulseId": int(item_id),
            "columnId": mapping.trigger_column_id,
            "value": {"label": {"index": 3, "text": "Quote requested"}},
        }
    }
    url = f"/api/monday/webhooks/{mapping.webhook_secret}/"

    def locked(event_id: int) -> None:
        raise OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(tasks, "process_event_task", locked)
        api_client.raise_request_exception = False
        assert api_client.post(url, body, format="json").status_code >= 500
    assert api_client.post(url, body, format="json").status_code == 200  # monday's retry

    _run("monday_reconcile")

    queued = WebhookEvent.objects.filter(pk__in=_queued_event_ids(), item_id=item_id)
    assert queued.count() == 1, "the item is queued once, by the retry or by reconcile"
