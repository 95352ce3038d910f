"""The staff API (board mappings checked against monday, webhook events, replay) and the admin."""

from __future__ import annotations

import json
import uuid

import pytest
from background_task.models import Task

from betterform import services as forms
from betterform.models import Form
from monday_integration.models import BoardMapping, ItemLink, WebhookEvent

pytestmark = pytest.mark.django_db

MAPPINGS = "/api/monday/mappings/"
EVENTS = "/api/monday/events/"
MINIMAL_SCHEMA = {
    "sections": [{"title": "Job", "fields": [{"key": "area", "label": "Area", "type": "number"}]}]
}


@pytest.fixture
def staff(api_client, django_user_model):
    user = django_user_model.objects.create_user("staff", is_staff=True)
    api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def rep(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("rep"))
    return api_client


@pytest.fixture
def form():
    return forms.save_form(Form(name="Renovation", slug="renovation", schema=MINIMAL_SCHEMA))


@pytest.fixture
def payload(demo, form):
    """A valid mapping of the fake's demo board."""
    columns = demo["columns"]
    return {
        "name": "Sales pipeline",
        "board_id": str(demo["board_id"]),
        "form": form.pk,
        "trigger_column_id": columns["status"],
        "status_column_id": columns["status"],
        "file_column_id": columns["files"],
        "column_map": {columns["customer"]: "customer.name", columns["area"]: "answers.area"},
    }


def _event(mapping, *, status="failed", item_id="123", **fields) -> WebhookEvent:
    return WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex,
        mapping=mapping,
        board_id=mapping.board_id,
        item_id=item_id,
        event_type="update_column_value",
        payload={"event": {"pulseId": item_id}},
        status=status,
        **fields,
    )


def _queued_event_ids() -> list[int]:
    tasks = Task.objects.filter(task_name__endswith="process_event_task")
    return sorted(json.loads(task.task_params)[0][0] for task in tasks)


# -- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", MAPPINGS),
        ("post", MAPPINGS),
        ("get", f"{MAPPINGS}1/"),
        ("patch", f"{MAPPINGS}1/"),
        ("delete", f"{MAPPINGS}1/"),
        ("get", EVENTS),
        ("get", f"{EVENTS}1/"),
        ("post", f"{EVENTS}1/replay/"),
    ],
)
@pytest.mark.parametrize(("who", "status"), [("rep", 403), ("anonymous", 401)])
def test_the_api_is_for_staff_only(api_client, django_user_model, method, path, who, status):
    if who == "rep":
        api_client.force_authenticate(django_user_model.objects.create_user("rep"))
    response = getattr(api_client, method)(path, {}, format="json")
    assert response.status_code == status


def test_a_rep_cannot_read_or_change_an_existing_mapping(rep, mapping):
    assert rep.get(f"{MAPPINGS}{mapping.pk}/").status_code == 403
    assert rep.patch(f"{MAPPINGS}{mapping.pk}/", {"active": False}).status_code == 403
    assert rep.delete(f"{MAPPINGS}{mapping.pk}/").status_code == 403
    mapping.refresh_from_db()
    assert mapping.active is True


# -- mappings ---------------------------------------------------------------------------------


def test_staff_create_a_mapping_of_the_demo_board_and_get_its_webhook_url(staff, payload):
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    mapping = BoardMapping.objects.get()
    assert body["id"] == mapping.pk
    assert body["board_id"] == payload["board_id"] == mapping.board_id
    assert mapping.column_map == payload["column_map"]
    assert body["stage_labels"] == {
        "working": "Quote in progress",
        "done": "Quote ready",
        "failed": "Quote failed",
    }
    assert body["webhook_url"] == (
        f"http://testserver/api/monday/webhooks/{mapping.webhook_secret}/"
    )
    assert body["webhook_id"] == ""
    assert "webhook_secret" not in body


def test_the_webhook_url_answers_monday_s_challenge(staff, payload):
    url = staff.post(MAPPINGS, payload, format="json").json()["webhook_url"]
    response = staff.post(url, {"challenge": "ping"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "ping"}


def test_unknown_column_ids_are_a_400_naming_each_by_field(staff, payload):
    valid = next(iter(payload["column_map"]))
    payload.update(
        trigger_column_id="color_missing_trigger",
        status_column_id="color_missing_status",
        file_column_id="file_missing",
        column_map={
            **payload["column_map"],
            "text_missing_one": "customer.email",
            "text_missing_two": "answers.area",
        },
    )
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "trigger_column_id",
        "status_column_id",
        "file_column_id",
        "column_map",
    }
    assert "color_missing_trigger" in str(errors["trigger_column_id"])
    assert "color_missing_status" in str(errors["status_column_id"])
    assert "file_missing" in str(errors["file_column_id"])
    assert "text_missing_one" in str(errors["column_map"])
    assert "text_missing_two" in str(errors["column_map"])
    assert valid not in str(errors["column_map"]), "existing columns are not reported"
    assert BoardMapping.objects.count() == 0


def test_one_unknown_column_names_only_its_field(staff, payload):
    payload["column_map"] = {"numeric_nope": "answers.area"}
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["column_map"]
    assert "numeric_nope" in str(response.json()["errors"]["column_map"])
    assert BoardMapping.objects.count() == 0


def test_an_unknown_board_is_a_400_on_board_id(staff, payload):
    payload["board_id"] = "987654321"
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["board_id"]
    assert BoardMapping.objects.count() == 0


@pytest.mark.parametrize(
    "labels",
    [
        {"working": "Quote in progress", "done": "Quote ready"},
        {"working": "Quote in progress", "done": "Quote ready", "failed": ""},
        ["Quote in progress", "Quote ready", "Quote failed"],
    ],
    ids=["failed-missing", "failed-empty", "not-an-object"],
)
def test_stage_labels_need_every_stage(staff, payload, labels):
    payload["stage_labels"] = labels
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["stage_labels"]
    assert BoardMapping.objects.count() == 0


def test_a_column_map_that_is_not_an_object_is_a_400(staff, payload):
    """A list of existing column ids passes the column check today and is stored; every sync
    of the board then dies in ``item_to_submission`` (``list.items``)."""
    payload["column_map"] = list(payload["column_map"])
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["column_map"]
    assert BoardMapping.objects.count() == 0


def test_column_map_targets_must_be_a_customer_detail_or_a_form_field(staff, payload, demo):
    """Caught at save, like unknown column ids, rather than by every sync failing with
    "maps to 'answers.colour', which the form lacks"."""
    columns = demo["columns"]
    payload["column_map"] = {
        columns["customer"]: "customer.name",
        columns["area"]: "answers.colour",
        columns["email"]: "mail",
    }
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert "answers.colour" in str(response.json()["errors"]["column_map"])
    assert "mail" in str(response.json()["errors"]["column_map"])
    assert BoardMapping.objects.count() == 0


def test_staff_list_read_update_and_delete_mappings(staff, mapping, demo):
    listed = staff.get(MAPPINGS).json()
    assert [row["id"] for row in listed["results"]] == [mapping.pk]
    assert listed["results"][0]["webhook_url"].endswith(f"/{mapping.webhook_secret}/")
    assert staff.get(f"{MAPPINGS}{mapping.pk}/").json()["name"] == "Sales pipeline"

    response = staff.patch(
        f"{MAPPINGS}{mapping.pk}/", {"trigger_label": "Done", "active": False}, format="json"
    )
    assert response.status_code == 200, response.json()
    mapping.refresh_from_db()
    assert (mapping.trigger_label, mapping.active) == ("Done", False)

    assert staff.delete(f"{MAPPINGS}{mapping.pk}/").status_code == 204
    assert BoardMapping.objects.count() == 0


def test_an_update_is_checked_against_the_board_too(staff, mapping):
    response = staff.patch(
        f"{MAPPINGS}{mapping.pk}/", {"status_column_id": "status_gone"}, format="json"
    )
    assert response.status_code == 400
    assert "status_gone" in str(response.json()["errors"]["status_column_id"])
    mapping.refresh_from_db()
    assert mapping.status_column_id == "status"


def test_webhook_id_and_secret_cannot_be_set_through_the_api(staff, payload):
    payload.update(webhook_id="777", webhook_secret="chosen-by-the-client")
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 201, response.json()
    mapping = BoardMapping.objects.get()
    assert mapping.webhook_id == ""
    assert mapping.webhook_secret != "chosen-by-the-client"


# -- events -----------------------------------------------------------------------------------


def test_staff_list_events_filtered_by_status_and_item(staff, mapping):
    failed = _event(mapping, status="failed", item_id="1", error="monday is down")
    done = _event(mapping, status="done", item_id="1")
    other = _event(mapping, status="failed", item_id="2")

    def ids(query: str) -> set[int]:
        response = staff.get(f"{EVENTS}?{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {failed.pk, done.pk, other.pk}
    assert ids("status=failed") == {failed.pk, other.pk}
    assert ids("item_id=1") == {failed.pk, done.pk}
    assert ids("status=failed&item_id=1") == {failed.pk}


def test_staff_read_one_event_with_its_payload_and_error(staff, mapping):
    event = _event(mapping, error="monday is down", stage="upload")
    response = staff.get(f"{EVENTS}{event.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed" and body["stage"] == "upload"
    assert body["error"] == "monday is down"
    assert body["payload"] == {"event": {"pulseId": "123"}}
    assert body["mapping"] == mapping.pk


def test_events_are_read_only(staff, mapping):
    event = _event(mapping)
    assert staff.post(EVENTS, {}, format="json").status_code == 405
    assert staff.patch(f"{EVENTS}{event.pk}/", {"status": "done"}).status_code == 405
    assert staff.delete(f"{EVENTS}{event.pk}/").status_code == 405


def test_replaying_a_failed_event_is_202_and_queues_it(
    staff, mapping, django_capture_on_commit_callbacks
):
    event = _event(mapping, error="monday is down")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"{EVENTS}{event.pk}/replay/")
    assert response.status_code == 202
    assert response.json()["status"] == "received" and response.json()["error"] == ""
    assert _queued_event_ids() == [event.pk]


def test_replaying_an_ignored_event_is_409_and_queues_nothing(
    staff, mapping, django_capture_on_commit_callbacks
):
    event = _event(mapping, status="ignored")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"{EVENTS}{event.pk}/replay/")
    assert response.status_code == 409
    assert "ignored" in response.json()["detail"]
    assert Task.objects.count() == 0
    event.refresh_from_db()
    assert event.status == "ignored"


def test_replaying_an_unknown_event_is_404(staff):
    assert staff.post(f"{EVENTS}999999/replay/").status_code == 404


# -- admin ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["boardmapping", "webhookevent", "itemlink"])
def test_the_admin_changelists_load(admin_client, mapping, model):
    _event(mapping, error="monday is down")
    _event(mapping, status="ignored")
    submission = forms.create_submission(
        mapping.form, answers={"area": 10}, external_reference="123"
    )
    ItemLink.objects.create(mapping=mapping, item_id="123", submission=submission)
    response = admin_client.get(f"/admin/monday_integration/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_the_admin_replay_action_queues_failed_events_and_skips_ignored_ones(
    admin_client, mapping, django_capture_on_commit_callbacks
):
    failed = _event(mapping, error="monday is down")
    ignored = _event(mapping, status="ignored")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/monday_integration/webhookevent/",
            {"action": "replay_selected", "_selected_action": [failed.pk, ignored.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 event(s) queued again." in [str(m) for m in response.context["messages"]]
    assert _queued_event_ids() == [failed.pk]
    failed.refresh_from_db()
    ignored.refresh_from_db()
    assert (failed.status, ignored.status) == ("received", "ignored")


def test_the_admin_replay_action_skips_live_and_refused_events_with_a_reason(
    admin_client, mapping, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    live = _event(mapping, status="processing")
    WebhookEvent.objects.filter(pk=live.pk).update(
        lease_expires_at=timezone.now() + timedelta(seconds=60)
    )
    refused = _event(mapping, status="refused", error="no JWT")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/monday_integration/webhookevent/",
            {"action": "replay_selected", "_selected_action": [live.pk, refused.pk]},
            follow=True,
        )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "0 event(s) queued again." in shown
    assert any("a worker is syncing this event now" in m for m in shown)
    assert any("never authenticated" in m for m in shown)
    assert _queued_event_ids() == []
