"""Our own writes coming back from monday: a delivery whose ``userId`` is the API token's user
(learned with ``me``) is stored ``own_write``, never scheduled; anyone else's is handled as
before, and a trigger is processed whoever set it."""

from __future__ import annotations

import uuid

import graphql
import pytest
from background_task.models import Task

from monday_integration import identity, sync
from monday_integration.models import ApiIdentity, WebhookEvent
from monday_integration.queries import ME
from monday_integration.testing.graphql_api import schema as fake_schema


def _event(mapping, user_id, *, label="Quote in progress", column=None) -> dict:
    return {
        "event": {
            "type": "update_column_value",
            "triggerUuid": uuid.uuid4().hex,
            "boardId": int(mapping.board_id),
            "pulseId": 123,
            "pulseName": "Deal",
            "columnId": column or mapping.status_column_id,
            "columnType": "color",
            "value": {"label": {"index": 1, "text": label, "style": {}, "is_done": False}},
            "previousValue": None,
            "triggerTime": "2026-11-30T10:00:00Z",
            "userId": user_id,
        }
    }


def _post(api_client, mapping, body):
    url = f"/api/monday/webhooks/{mapping.webhook_secret}/"
    response = api_client.post(url, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _scheduled() -> int:
    return Task.objects.filter(task_name__endswith="process_event_task").count()


@pytest.mark.django_db
def test_me_answers_the_token_user_and_account_as_monday_does(fake, fast_client):
    assert graphql.validate(fake_schema(), graphql.parse(ME)) == []
    me = fast_client.me()
    assert me.user_id == str(fake.api_user_id)
    assert (me.account_id, me.account_slug) == (str(fake.account_id), fake.account_slug)


@pytest.mark.django_db
def test_a_delivery_from_the_token_user_is_stored_own_write_and_never_scheduled(
    api_client, fake, mapping, fast_client, django_capture_on_commit_callbacks
):
    identity.learn(fast_client)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(api_client, mapping, _event(mapping, fake.api_user_id))
    assert answer["status"] == "own_write"
    assert WebhookEvent.objects.get().status == "own_write"
    assert _scheduled() == 0
    with pytest.raises(sync.SyncError, match="made this change itself"):
        sync.schedule_replay(WebhookEvent.objects.get())
    assert _scheduled() == 0 and WebhookEvent.objects.get().status == "own_write"


@pytest.mark.django_db
def test_deliveries_from_another_user_are_handled_as_before(
    api_client, fake, mapping, fast_client, django_capture_on_commit_callbacks
):
    identity.learn(fast_client)
    with django_capture_on_commit_callbacks(execute=True):
        trigger = _post(
            api_client, mapping, _event(mapping, fake.ui_user_id, label="Quote requested")
        )
        other = _post(api_client, mapping, _event(mapping, fake.ui_user_id))
    assert (trigger["status"], other["status"]) == ("received", "ignored")
    assert _scheduled() == 1


@pytest.mark.django_db
def test_a_trigger_set_as_the_token_user_is_processed(
    api_client, fake, mapping, fast_client, django_capture_on_commit_callbacks
):
    """With a personal token the token's user is also a person, who sets the trigger in
    monday's UI: a trigger is never taken for an own write."""
    identity.learn(fast_client)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(
            api_client, mapping, _event(mapping, fake.api_user_id, label="Quote requested")
        )
    assert answer["status"] == "received" and _scheduled() == 1


@pytest.mark.django_db
def test_until_the_token_user_is_learned_its_changes_are_ignored_then_relabelled(
    api_client, fake, mapping, fast_client
):
    assert _post(api_client, mapping, _event(mapping, fake.api_user_id))["status"] == "ignored"
    assert _post(api_client, mapping, _event(mapping, fake.ui_user_id))["status"] == "ignored"
    # Ended ``ignored`` by a worker (an archived item): not a delivery to relabel.
    worked = WebhookEvent.objects.create(
        trigger_uuid="worked",
        mapping=mapping,
        event_type="update_column_value",
        payload=_event(mapping, fake.api_user_id, label="Quote requested"),
        status="ignored",
        error="the item is archived",
    )
    learned = identity.learn(fast_client)
    assert learned.user_id == str(fake.api_user_id) and learned.account_slug == fake.account_slug
    statuses = sorted(WebhookEvent.objects.exclude(pk=worked.pk).values_list("status", flat=True))
    assert statuses == ["ignored", "own_write"]
    worked.refresh_from_db()
    assert worked.status == "ignored"


@pytest.mark.django_db
def test_the_identity_is_kept_per_token(settings, fake, fast_client):
    identity.learn(fast_client)
    assert identity.current() is not None
    settings.MONDAY_API_TOKEN = "another-token"
    assert identity.current() is None, "a new token is learned again"
    assert ApiIdentity.objects.count() == 1
    assert "another-token" not in str(list(ApiIdentity.objects.values()))


def test_item_url_uses_the_setting_then_the_learned_slug_then_none(settings, db, fake, fast_client):
    assert identity.item_url("1", "2") == "https://monday.com/boards/1/pulses/2"
    identity.learn(fast_client)
    assert (
        identity.item_url("1", "2") == f"https://{fake.account_slug}.monday.com/boards/1/pulses/2"
    )
    settings.MONDAY_ACCOUNT_SLUG = "acme"
    assert identity.item_url("1", "2") == "https://acme.monday.com/boards/1/pulses/2"


@pytest.mark.django_db(transaction=True)
def test_the_fake_sends_our_label_writes_back_and_they_are_own_writes_end_to_end(
    run_worker, fake, demo, mapping, subscribe, fast_client
):
    """monday (the fake) delivers the labels the sync sets, as made by the token's user;
    they are stored ``own_write``, nothing is scheduled for them, and the trigger is done."""
    identity.learn(fast_client)
    subscribe(mapping)
    item_id = demo["items"][0]
    fake.set_status(item_id, mapping.status_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10)
    run_worker()
    # The trigger, then "Quote in progress" and "Quote ready" set by the sync.
    deliveries = fake.wait_for_deliveries(3, timeout=10, ok_only=True)
    users = [d.payload["event"]["userId"] for d in deliveries[:3]]
    assert users == [fake.ui_user_id, fake.api_user_id, fake.api_user_id]
    fake.wait_for_idle(timeout=10)
    assert run_worker() == 0, "nothing was scheduled for the own writes"
    events = WebhookEvent.objects.order_by("received_at", "id")
    assert [event.status for event in events] == ["done", "own_write", "own_write"]
    labels = [event.payload["event"]["value"]["label"]["text"] for event in events[1:]]
    assert labels == ["Quote in progress", "Quote ready"]
    assert all(event.started_at is None for event in events[1:])
