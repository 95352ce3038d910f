"""Saving a board mapping checks its trigger and stage labels against the status column's real
labels on the board, through the API and the admin alike (``mapping_checks``)."""

from __future__ import annotations

import json

import pytest

from betterform import services as forms
from betterform.models import Form
from monday_integration.mapping_checks import MappingInvalid, check_mapping
from monday_integration.models import BoardMapping

pytestmark = pytest.mark.django_db

MAPPINGS = "/api/monday/mappings/"
ADMIN_ADD = "/admin/monday_integration/boardmapping/add/"
SCHEMA = {
    "sections": [{"title": "Job", "fields": [{"key": "area", "label": "Area", "type": "number"}]}]
}
STAGES = {"working": "Quote in progress", "done": "Quote ready", "failed": "Quote failed"}


@pytest.fixture
def staff(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("staff", is_staff=True))
    return api_client


@pytest.fixture
def form():
    return forms.save_form(Form(name="Renovation", slug="renovation", schema=SCHEMA))


@pytest.fixture
def payload(demo, form):
    columns = demo["columns"]
    return {
        "name": "Sales pipeline",
        "board_id": str(demo["board_id"]),
        "form": form.pk,
        "trigger_column_id": columns["status"],
        "status_column_id": columns["status"],
        "file_column_id": columns["files"],
        "column_map": {columns["area"]: "answers.area"},
        "trigger_label": "Quote requested",
        "stage_labels": dict(STAGES),
    }


def test_a_trigger_label_the_board_lacks_is_a_400_listing_the_column_s_labels(staff, payload):
    payload["trigger_label"] = "Price it"
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["trigger_label"]
    message = str(response.json()["errors"]["trigger_label"])
    assert "'Price it'" in message
    for label in ("Working on it", "Quote requested", "Quote ready", "Done"):
        assert repr(label) in message
    assert BoardMapping.objects.count() == 0


def test_a_label_is_stored_as_the_board_spells_it(staff, payload):
    payload["trigger_label"] = "quote  REQUESTED"
    payload["stage_labels"] = {"working": "quote in progress", "done": " QUOTE READY ", **{}}
    payload["stage_labels"]["failed"] = "Quote Failed"
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 201, response.json()
    mapping = BoardMapping.objects.get()
    assert mapping.trigger_label == "Quote requested"
    assert mapping.stage_labels == STAGES
    assert response.json()["trigger_label"] == "Quote requested"


def test_each_stage_label_the_board_lacks_is_named_with_its_stage(staff, payload):
    payload["stage_labels"] = {"working": "Quote in progress", "done": "Sent", "failed": "Oops"}
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["stage_labels"]
    message = str(response.json()["errors"]["stage_labels"])
    assert "'Sent' (done)" in message and "'Oops' (failed)" in message
    assert "(working)" not in message
    assert "'Quote ready'" in message, "the column's labels are listed"


def test_the_default_labels_are_checked_too(staff, payload, fake, demo):
    """A mapping that names no labels takes the model's defaults; a board without them is
    told so, rather than every trigger being stored as ignored."""
    board = fake.add_board(
        "Other pipeline",
        [{"id": "status", "title": "Status", "type": "status", "labels": ["New", "Won"]}],
    )
    payload.update(board_id=str(board.id), file_column_id="", column_map={})
    del payload["trigger_label"], payload["stage_labels"]
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == {"trigger_label", "stage_labels"}
    assert "'Quote requested'" in str(response.json()["errors"]["trigger_label"])
    assert "'New', 'Won'" in str(response.json()["errors"]["trigger_label"])


def test_a_trigger_column_that_is_not_a_status_column_is_a_400(staff, payload, demo):
    payload["trigger_column_id"] = demo["columns"]["customer"]
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["trigger_column_id"]
    assert "status column" in str(response.json()["errors"]["trigger_column_id"])


def test_a_trigger_label_a_stage_also_sets_is_refused(staff, payload):
    """The sync would set the label it is triggered by, and start itself again."""
    payload["trigger_label"] = "quote in progress"
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert "working" in str(response.json()["errors"]["trigger_label"])


def test_an_update_checks_labels_against_the_board(staff, mapping):
    url = f"{MAPPINGS}{mapping.pk}/"
    response = staff.patch(url, {"trigger_label": "Quote Requestd"}, format="json")
    assert response.status_code == 400
    assert "'Quote requested'" in str(response.json()["errors"]["trigger_label"])
    response = staff.patch(url, {"stage_labels": {**STAGES, "done": "done"}}, format="json")
    assert response.status_code == 200, response.json()
    mapping.refresh_from_db()
    assert mapping.trigger_label == "Quote requested"
    assert mapping.stage_labels["done"] == "Done"


def test_a_mapping_the_board_moved_away_from_can_still_be_switched_off(staff, mapping, fake):
    """Only saves that change what the mapping takes from the board ask monday; switching it
    back on does, since the board may have changed meanwhile."""
    BoardMapping.objects.filter(pk=mapping.pk).update(trigger_label="Renamed on monday")
    url = f"{MAPPINGS}{mapping.pk}/"
    fake.faults.server_error(times=None)  # monday is not even asked
    off = staff.patch(url, {"active": False, "name": "Old pipeline"}, format="json")
    assert off.status_code == 200, off.json()
    fake.faults.clear()
    on = staff.patch(url, {"active": True}, format="json")
    assert on.status_code == 400
    assert "'Renamed on monday'" in str(on.json()["errors"]["trigger_label"])


def test_monday_rate_limiting_the_check_is_a_503_with_retry_after(staff, payload, fake):
    fake.faults.rate_limit(times=None, retry_in_seconds=40)
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 503, response.json()
    assert "monday could not be reached" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) >= 40
    assert BoardMapping.objects.count() == 0


def test_monday_down_while_saving_is_a_503(staff, payload, fake):
    fake.faults.server_error(times=None)
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 503, response.json()
    assert "Retry-After" in response.headers
    assert BoardMapping.objects.count() == 0


def _admin_form(payload: dict) -> dict:
    data = {key: value for key, value in payload.items() if not isinstance(value, dict)}
    data.update(
        column_map=json.dumps(payload["column_map"]),
        subitem_map="{}",
        stage_labels=json.dumps(payload["stage_labels"]),
        template_slug="quote",
        active="on",
    )
    return data


def test_the_admin_refuses_a_label_the_board_lacks(admin_client, payload):
    payload["trigger_label"] = "Price it"
    response = admin_client.post(ADMIN_ADD, _admin_form(payload))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["trigger_label"]
    assert "'Quote requested'" in " ".join(errors["trigger_label"])
    assert BoardMapping.objects.count() == 0


def test_the_admin_stores_labels_as_the_board_spells_them(admin_client, payload):
    payload["trigger_label"] = "QUOTE requested"
    payload["stage_labels"] = {**STAGES, "failed": "quote failed"}
    response = admin_client.post(ADMIN_ADD, _admin_form(payload))
    assert response.status_code == 302, response.context["adminform"].form.errors
    mapping = BoardMapping.objects.get()
    assert (mapping.trigger_label, mapping.stage_labels) == ("Quote requested", STAGES)


def test_the_admin_checks_column_ids_as_the_api_does(admin_client, payload):
    payload["status_column_id"] = "status_gone"
    response = admin_client.post(ADMIN_ADD, _admin_form(payload))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "'status_gone'" in " ".join(errors["status_column_id"])
    assert BoardMapping.objects.count() == 0


def test_check_mapping_returns_the_board_s_spelling(payload, form):
    fields = {**payload, "form": form, "trigger_label": "quote requested"}
    assert check_mapping(fields) == {"trigger_label": "Quote requested", "stage_labels": STAGES}
    with pytest.raises(MappingInvalid) as raised:
        check_mapping({**fields, "stage_labels": {**STAGES, "working": "Busy"}})
    assert list(raised.value.errors) == ["stage_labels"]


def test_staff_can_require_signed_deliveries_through_the_api(staff, mapping):
    url = f"{MAPPINGS}{mapping.pk}/"
    response = staff.patch(url, {"require_signed_deliveries": True}, format="json")
    assert response.status_code == 200 and response.json()["require_signed_deliveries"] is True
    mapping.refresh_from_db()
    assert mapping.require_signed_deliveries is True


def test_the_admin_can_require_signed_deliveries(admin_client, mapping):
    url = f"/admin/monday_integration/boardmapping/{mapping.pk}/change/"
    assert 'name="require_signed_deliveries"' in admin_client.get(url).content.decode()
