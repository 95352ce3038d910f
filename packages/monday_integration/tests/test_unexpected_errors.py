"""Whatever the pipeline raises, at whatever stage (database errors included), the event ends
``failed`` with the reason, the item shows the failed label and an update, the worker goes
on, and a replay succeeds once the cause is gone; an event whose worker died is ``stalled``
in the API and in ``/healthz``, never ``processing`` forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DataError, IntegrityError, OperationalError
from django.utils import timezone

from monday_integration import operations, sync
from monday_integration.client import MondayClient
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

# Where to inject, and the stage the event is at when it fails there.
STAGES = {
    "read the item": (MondayClient, "get_items", "reading"),
    "submission": (sync, "upsert_submission", "submission"),
    "quote": (sync, "build_quote", "quote"),
    "pdf": (sync, "render_quote_pdf", "pdf"),
    "upload": (sync, "upload_quote_pdf", "upload"),
    "final update": (MondayClient, "create_update", "upload"),
}
ERRORS = {
    "DataError": DataError("value too long for type character varying(200)"),
    "IntegrityError": IntegrityError("duplicate key value violates unique constraint"),
    "OperationalError": OperationalError("database is locked"),
    "RuntimeError": RuntimeError("something nobody expected"),
    "KeyError": KeyError("label"),
}


def _raiser(owner, name: str, error: BaseException):
    if name == "create_update":  # only the "ready" update: the failure's update still goes
        real = getattr(owner, name)

        def fail_ready(self, item_id, body, **kwargs):
            if "is ready" in body:
                raise error
            return real(self, item_id, body, **kwargs)

        return fail_ready

    def raise_it(*args, **kwargs):
        raise error

    return raise_it


@pytest.mark.parametrize("error_name", list(ERRORS))
@pytest.mark.parametrize("where", list(STAGES))
def test_an_error_at_any_stage_fails_the_event_visibly_and_replay_succeeds(
    run_worker,
    fake,
    mapping,
    demo,
    where,
    error_name,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    owner, name, stage = STAGES[where]
    error = ERRORS[error_name]
    item_id = str(demo["items"][0])
    event = operations._synthetic_event(mapping, item_id, "manual")
    with monkeypatch.context() as patch:
        patch.setattr(owner, name, _raiser(owner, name, error))
        sync.process_event(event.pk)

    event.refresh_from_db()
    assert event.status == "failed"
    assert event.stage == stage
    assert type(error).__name__ in event.error and str(error).strip("'") in event.error
    assert event.leased_by == "" and event.finished_at is not None
    item = fake.item(item_id)
    assert item.label(mapping.status_column_id) == "Quote failed"
    assert "could not prepare the quote" in item.updates[-1].body
    assert type(error).__name__ in item.updates[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        sync.schedule_replay(event)
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    assert fake.item(item_id).label(mapping.status_column_id) == "Quote ready"


def test_a_failing_event_does_not_stop_the_worker_from_running_the_next(
    run_worker, fake, mapping, demo, monkeypatch, django_capture_on_commit_callbacks
):
    from monday_integration.tasks import process_event_task

    first = operations._synthetic_event(mapping, str(demo["items"][0]), "manual")
    second = operations._synthetic_event(mapping, str(demo["items"][1]), "manual")
    calls = []
    real = sync.build_quote

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DataError("value too long for type character varying(200)")
        return real(*args, **kwargs)

    monkeypatch.setattr(sync, "build_quote", fails_once)
    with django_capture_on_commit_callbacks(execute=True):
        process_event_task(first.pk)
        process_event_task(second.pk)
    run_worker()
    statuses = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "failed", second.pk: "done"}


def _stalled_event(mapping, **fields) -> WebhookEvent:
    event = operations._synthetic_event(mapping, "123", "manual")
    WebhookEvent.objects.filter(pk=event.pk).update(
        status="processing",
        stage="upload",
        leased_by="gone-host:4242:abc",
        lease_expires_at=timezone.now() - timedelta(seconds=5),
        **fields,
    )
    return WebhookEvent.objects.get(pk=event.pk)


@pytest.fixture
def staff(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("ops", is_staff=True))
    return api_client


def test_an_event_whose_worker_is_gone_is_listed_stalled_not_processing(staff, mapping):
    stalled = _stalled_event(mapping)
    live = operations._synthetic_event(mapping, "456", "manual")
    WebhookEvent.objects.filter(pk=live.pk).update(
        status="processing", lease_expires_at=timezone.now() + timedelta(seconds=60)
    )
    processing = staff.get("/api/monday/events/?status=processing").json()["results"]
    assert [row["id"] for row in processing] == [live.pk]
    listed = staff.get("/api/monday/events/?status=stalled").json()["results"]
    assert [(row["id"], row["status"]) for row in listed] == [(stalled.pk, "stalled")]
    assert staff.get(f"/api/monday/events/{stalled.pk}/").json()["status"] == "stalled"


def test_a_stalled_event_can_be_replayed_but_a_live_one_is_a_409(staff, mapping):
    stalled = _stalled_event(mapping)
    assert staff.post(f"/api/monday/events/{stalled.pk}/replay/").status_code == 202
    live = operations._synthetic_event(mapping, "456", "manual")
    WebhookEvent.objects.filter(pk=live.pk).update(
        status="processing", lease_expires_at=timezone.now() + timedelta(seconds=60)
    )
    response = staff.post(f"/api/monday/events/{live.pk}/replay/")
    assert response.status_code == 409
    assert "a worker is syncing this event now" in response.json()["detail"]


def test_a_stalled_event_is_taken_over_by_the_next_run(fake, mapping, demo):
    event = operations._synthetic_event(mapping, str(demo["items"][2]), "manual")
    WebhookEvent.objects.filter(pk=event.pk).update(
        status="processing", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    event = sync.process_event(event.pk)
    assert event.status == "done", event.error
    assert event.attempts == 1


def test_a_refused_delivery_cannot_be_replayed(staff, mapping):
    refused = operations._synthetic_event(mapping, "789", "manual")
    WebhookEvent.objects.filter(pk=refused.pk).update(status="refused", error="no JWT")
    response = staff.post(f"/api/monday/events/{refused.pk}/replay/")
    assert response.status_code == 409
    assert "never authenticated" in response.json()["detail"]
    assert WebhookEvent.objects.get(pk=refused.pk).status == "refused"
