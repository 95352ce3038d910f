"""Every effect on monday happens once per event, across retries, take-overs and replays.

A worker "dies" here by raising ``WorkerKilled`` (a ``BaseException``, which nothing in the
pipeline catches, like SIGKILL) at a chosen point; its lease is then made to run out, as it
would once renewals stop, and another run takes the event over. The fake monday counts what
was applied. The real-process version (two workers, kill -9) is in ``test_once_only_live``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from monday_integration import effects, operations, sync
from monday_integration.client import MondayClient
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the pipeline catches it."""


def _expire_lease(event: WebhookEvent) -> None:
    WebhookEvent.objects.filter(pk=event.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def _mutations(fake, field: str) -> list:
    return [r for r in fake.requests if field in r.fields and r.status == 200]


def _dies_after(client: MondayClient, method: str, monkeypatch, *, applied: bool) -> None:
    """Make ``client.<method>`` kill the worker, after monday applied the call or before."""
    real = getattr(client, method)

    def dying(*args, **kwargs):
        if applied:
            real(*args, **kwargs)
        raise WorkerKilled(method)

    monkeypatch.setattr(client, method, dying)


@pytest.fixture
def event(mapping, demo):
    return operations._synthetic_event(mapping, str(demo["items"][0]), "manual")


@pytest.mark.parametrize(
    "resumed",
    ["taken-over", "taken-over-after-monday-forgot-the-key", "replayed-by-hand"],
)
@pytest.mark.parametrize("applied", [True, False], ids=["after-monday-applied", "before"])
@pytest.mark.parametrize("method", ["upload_file_to_column", "create_update", "set_status"])
def test_a_worker_killed_at_any_effect_is_resumed_and_each_effect_happens_once(
    run_worker,
    fake,
    mapping,
    event,
    method,
    applied,
    resumed,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    with MondayClient(backoff=lambda attempt: 0.01) as dying_client:
        _dies_after(dying_client, method, monkeypatch, applied=applied)
        with pytest.raises(WorkerKilled):
            sync.process_event(event.pk, client=dying_client)
    event.refresh_from_db()
    assert event.status == "processing" and event.is_stalled is False

    assert sync.process_event(event.pk).status == "processing", "a live lease is not taken"
    _expire_lease(event)
    if resumed == "taken-over-after-monday-forgot-the-key":
        fake.idempotency.expire_all()  # the worker stayed dead past monday's 30 minutes
    if resumed == "replayed-by-hand":
        fake.idempotency.expire_all()
        with django_capture_on_commit_callbacks(execute=True):
            sync.schedule_replay(WebhookEvent.objects.get(pk=event.pk))
        run_worker()
        event.refresh_from_db()
    else:
        with MondayClient(backoff=lambda attempt: 0.01) as client:
            event = sync.process_event(event.pk, client=client)

    assert event.status == "done", event.error
    assert event.attempts == 2
    item = fake.item(event.item_id)
    assert len(item.files) == 1, item.files
    assert len([u for u in item.updates if "is ready" in u.body]) == 1, item.updates
    assert item.label(mapping.status_column_id) == "Quote ready"
    if resumed == "taken-over":
        # Repeated requests carried the key of the first: monday answered from its store.
        uploads = _mutations(fake, "add_file_to_column")
        assert len({r.idempotency_key for r in uploads}) == 1
        assert all(r.replayed for r in uploads[1:])


def test_idempotency_keys_are_derived_from_the_event_and_the_step(fake, event):
    sync.process_event(event.pk)
    event.refresh_from_db()
    keys = {r.idempotency_key for r in fake.requests if r.operation_type == "mutation"}
    expected = {effects.idempotency_key(event, step) for step in event.effects if "/" in step}
    assert keys == expected and len(keys) == 4  # working, upload, done, update


def test_a_second_worker_does_not_start_an_event_a_live_worker_holds(fake, mapping, event):
    from createpdf import leases

    held = leases.claim(
        WebhookEvent, event.pk, available=leases.stalled() | ~leases.stalled(), seconds=60
    )
    WebhookEvent.objects.filter(pk=event.pk).update(status="processing")
    assert held is not None
    before = len(fake.requests)
    assert sync.process_event(event.pk).status == "processing"
    assert len(fake.requests) == before, "nothing was sent to monday"


def test_a_replay_of_a_done_event_does_not_upload_the_same_pdf_again(
    run_worker, fake, mapping, event, django_capture_on_commit_callbacks
):
    sync.process_event(event.pk)
    with django_capture_on_commit_callbacks(execute=True):
        sync.schedule_replay(WebhookEvent.objects.get(pk=event.pk))
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    item = fake.item(event.item_id)
    assert len(item.files) == 1, "the unchanged PDF is still on the item"
    assert item.label(mapping.status_column_id) == "Quote ready"


def test_a_new_trigger_for_an_unchanged_quote_reuses_the_file_unless_it_was_removed(
    fake, mapping, demo
):
    item_id = str(demo["items"][0])
    with MondayClient(backoff=lambda attempt: 0.01) as client:
        operations.sync_item(mapping, item_id, client)
        operations.sync_item(mapping, item_id, client)
        assert len(_files_in_column(fake, mapping, item_id)) == 1
        client.clear_file_column(mapping.board_id, item_id, mapping.file_column_id)
        assert _files_in_column(fake, mapping, item_id) == []
        assert operations.sync_item(mapping, item_id, client).status == "done"
    assert len(_files_in_column(fake, mapping, item_id)) == 1, "put back once it was gone"


def _files_in_column(fake, mapping, item_id) -> list:
    return (fake.item(item_id).value(mapping.file_column_id) or {}).get("files", [])


def test_replaying_an_event_a_live_worker_holds_is_refused(event):
    WebhookEvent.objects.filter(pk=event.pk).update(
        status="processing", lease_expires_at=timezone.now() + timedelta(seconds=60)
    )
    with pytest.raises(sync.SyncError, match="a worker is syncing this event now"):
        sync.schedule_replay(WebhookEvent.objects.get(pk=event.pk))


def test_a_job_finding_its_event_held_runs_again_later_and_takes_over_a_dead_holder(
    run_worker, fake, event, django_capture_on_commit_callbacks
):
    from background_task.models import Task
    from django.db import transaction

    from monday_integration.tasks import process_event_task

    WebhookEvent.objects.filter(pk=event.pk).update(
        status="processing",
        leased_by="other-host:7:abc",
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        process_event_task(event.pk)
    run_worker()
    task = Task.objects.get()
    assert task.attempts == 1 and "being synced by another worker" in task.last_error
    assert WebhookEvent.objects.get(pk=event.pk).status == "processing"

    _expire_lease(event)  # the holder died
    Task.objects.update(run_at=timezone.now())  # its backoff is over
    run_worker()
    assert WebhookEvent.objects.get(pk=event.pk).status == "done"
    assert not Task.objects.exists()
