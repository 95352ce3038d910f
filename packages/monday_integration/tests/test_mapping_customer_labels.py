"""A mapping's labels for what the customer does (viewed, accepted, declined, expired) and its
e-mailing of quotes are checked as its other labels are, by the one validation path the API and
the admin share (``mapping_checks``); the admin editor offers them as selects."""

from __future__ import annotations

import copy

import pytest

from betterform import services as forms
from betterform.models import Form
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.mapping_checks import MappingInvalid, check_mapping
from monday_integration.models import BoardMapping

pytestmark = pytest.mark.django_db

MAPPINGS = "/api/monday/mappings/"
ADMIN_ADD = "/admin/monday_integration/boardmapping/add/"
STAGES = {"working": "Quote in progress", "done": "Quote ready", "failed": "Quote failed"}


@pytest.fixture
def staff(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("staff", is_staff=True))
    return api_client


@pytest.fixture
def form():
    schema = copy.deepcopy(DEMO_FORM_SCHEMA)
    return forms.save_form(Form(name="Renovation", slug="renovation", schema=schema))


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
        "column_map": {columns["area"]: "answers.area", columns["email"]: "customer.email"},
        "trigger_label": "Quote requested",
        "stage_labels": dict(STAGES),
    }


def test_customer_labels_are_stored_as_the_board_spells_them_and_empty_ones_dropped(staff, payload):
    payload["stage_labels"] = {
        **STAGES,
        "viewed": "quote viewed",
        "accepted": " QUOTE ACCEPTED ",
        "declined": "",
    }
    payload["send_quote_to_customer"] = True
    payload["customer_message"] = "Thanks for the call."
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 201, response.json()
    mapping = BoardMapping.objects.get()
    assert mapping.stage_labels == {
        **STAGES,
        "viewed": "Quote viewed",
        "accepted": "Quote accepted",
    }
    assert mapping.send_quote_to_customer and mapping.customer_message == "Thanks for the call."
    body = response.json()
    assert body["send_quote_to_customer"] is True
    assert body["customer_message"] == "Thanks for the call."


def test_a_customer_label_the_board_lacks_is_named_with_its_stage(staff, payload):
    payload["stage_labels"] = {**STAGES, "accepted": "Won", "expired": "Quote expired"}
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    message = str(response.json()["errors"]["stage_labels"])
    assert "'Won' (accepted)" in message and "'Quote accepted'" in message, message


def test_an_unknown_stage_is_refused(staff, payload):
    payload["stage_labels"] = {**STAGES, "acepted": "Quote accepted"}
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400
    assert "no stage 'acepted'" in str(response.json()["errors"]["stage_labels"])


def test_a_customer_label_equal_to_the_trigger_is_refused(payload):
    fields = {**payload, "stage_labels": {**STAGES, "viewed": "Quote requested"}}
    fields["form"] = Form.objects.get()
    with pytest.raises(MappingInvalid) as raised:
        check_mapping(fields)
    assert "viewed label" in raised.value.errors["trigger_label"]


def test_emailing_quotes_needs_a_column_mapped_to_the_customer_email(staff, payload, demo):
    del payload["column_map"][demo["columns"]["email"]]
    payload["send_quote_to_customer"] = True
    response = staff.post(MAPPINGS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert "customer.email" in str(response.json()["errors"]["send_quote_to_customer"])


def test_switching_emailing_on_for_a_saved_mapping_is_checked(staff, payload, demo):
    del payload["column_map"][demo["columns"]["email"]]
    created = staff.post(MAPPINGS, payload, format="json")
    assert created.status_code == 201, created.json()
    url = f"{MAPPINGS}{created.json()['id']}/"
    response = staff.patch(url, {"send_quote_to_customer": True}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["send_quote_to_customer"]


def test_the_admin_editor_offers_customer_labels_and_the_email_settings(admin_client, demo, form):
    page = admin_client.get(f"{ADMIN_ADD}?board_id={demo['board_id']}&form={form.pk}")
    html = page.content.decode()
    for stage in ("viewed", "accepted", "declined", "expired"):
        assert f'name="stage_labels__{stage}"' in html
    assert '<option value="Quote accepted">Quote accepted</option>' in html
    assert 'name="send_quote_to_customer"' in html and 'name="customer_message"' in html

    columns, sub = demo["columns"], demo["subitem_columns"]
    data = {
        "name": "Picked",
        "board_id": str(demo["board_id"]),
        "form": form.pk,
        "trigger_column_id": columns["status"],
        "trigger_label": "Quote requested",
        "status_column_id": columns["status"],
        "file_column_id": columns["files"],
        "column_map__customer.email": columns["email"],
        "column_map__answers.area": columns["area"],
        "subitem_map__description": "name",
        "subitem_map__quantity": sub["quantity"],
        "stage_labels__working": "Quote in progress",
        "stage_labels__done": "Quote ready",
        "stage_labels__failed": "Quote failed",
        "stage_labels__accepted": "Quote accepted",
        "stage_labels__declined": "",
        "template_slug": "quote",
        "send_quote_to_customer": "on",
        "customer_message": "Here is your quote.",
        "active": "on",
    }
    response = admin_client.post(ADMIN_ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    mapping = BoardMapping.objects.get()
    assert mapping.stage_labels == {**STAGES, "accepted": "Quote accepted"}
    assert mapping.send_quote_to_customer and mapping.customer_message == "Here is your quote."

    data["column_map__customer.email"] = ""
    data["name"] = "Another"
    change = f"/admin/monday_integration/boardmapping/{mapping.pk}/change/"
    response = admin_client.post(change, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "customer.email" in errors["send_quote_to_customer"][0]
