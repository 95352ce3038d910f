"""The admin's mapping form refuses what the API refuses, with the same message on the same
field (both call ``mapping_checks.check_mapping``): unknown columns, targets the form lacks,
a misspelt template and a ``subitem_map`` that names no line field or subitem column."""

from __future__ import annotations

import json

import pytest

from betterform import services as forms
from betterform.models import Form
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
def payload(demo):
    form = forms.save_form(Form(name="Renovation", slug="renovation", schema=SCHEMA))
    columns = demo["columns"]
    return {
        "name": "Sales pipeline",
        "board_id": str(demo["board_id"]),
        "form": form.pk,
        "trigger_column_id": columns["status"],
        "status_column_id": columns["status"],
        "file_column_id": columns["files"],
        "column_map": {columns["area"]: "answers.area"},
        "subitem_map": {
            "description": "name",
            "quantity": demo["subitem_columns"]["quantity"],
            "unit_price": demo["subitem_columns"]["unit_price"],
        },
        "trigger_label": "Quote requested",
        "stage_labels": dict(STAGES),
        "template_slug": "quote",
    }


def _admin_form(payload: dict) -> dict:
    data = {key: value for key, value in payload.items() if not isinstance(value, dict)}
    for name in ("column_map", "subitem_map", "stage_labels"):
        data[name] = json.dumps(payload[name])
    return {**data, "active": "on"}


def _both_refuse(admin_client, staff, payload, field: str) -> str:
    """Post to the admin and to the API; both refuse on ``field`` with the same message,
    which is returned. Nothing is saved."""
    response = admin_client.post(ADMIN_ADD, _admin_form(payload))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field], errors
    api = staff.post(MAPPINGS, payload, format="json")
    assert api.status_code == 400, api.json()
    assert list(api.json()["errors"]) == [field]
    assert api.json()["errors"][field] == errors[field]
    assert BoardMapping.objects.count() == 0
    return errors[field][0]


def test_a_good_mapping_is_saved_by_the_admin_and_the_api(admin_client, staff, payload):
    response = admin_client.post(ADMIN_ADD, _admin_form(payload))
    assert response.status_code == 302, response.context["adminform"].form.errors
    BoardMapping.objects.all().delete()
    assert staff.post(MAPPINGS, payload, format="json").status_code == 201


def test_a_column_that_is_not_on_the_board(admin_client, staff, payload):
    payload["column_map"] = {"numeric_nope": "answers.area"}
    assert "'numeric_nope'" in _both_refuse(admin_client, staff, payload, "column_map")


@pytest.mark.parametrize("target", ["answers.nope", "customer.shoe_size"])
def test_a_target_the_form_or_the_customer_lacks(admin_client, staff, payload, demo, target):
    payload["column_map"] = {demo["columns"]["area"]: target}
    message = _both_refuse(admin_client, staff, payload, "column_map")
    assert repr(target) in message and "customer.<name|email" in message


def test_a_misspelt_template_slug_lists_the_templates(admin_client, staff, payload):
    payload["template_slug"] = "qoute"
    message = _both_refuse(admin_client, staff, payload, "template_slug")
    assert "'qoute'" in message and "'quote'" in message


def test_an_inactive_database_template_is_not_a_template(admin_client, staff, payload):
    from createpdf.models import DocumentTemplate

    DocumentTemplate.objects.create(slug="offer", name="Offer", html="<p>x</p>", active=False)
    payload["template_slug"] = "offer"
    assert "'offer'" in _both_refuse(admin_client, staff, payload, "template_slug")


def test_a_subitem_map_key_the_sync_does_not_read(admin_client, staff, payload):
    payload["subitem_map"] = {**payload["subitem_map"], "colour": "name"}
    message = _both_refuse(admin_client, staff, payload, "subitem_map")
    assert "'colour'" in message and "unit_price" in message


def test_a_subitem_column_that_is_not_on_the_subitems_board(admin_client, staff, payload, demo):
    payload["subitem_map"] = {"quantity": "numeric_nope"}
    message = _both_refuse(admin_client, staff, payload, "subitem_map")
    assert "'numeric_nope'" in message
    assert repr(demo["subitem_columns"]["quantity"]) in message, "the allowed columns are listed"


def test_a_board_column_is_not_a_subitem_column(admin_client, staff, payload, demo):
    payload["subitem_map"] = {"quantity": demo["columns"]["area"]}
    assert repr(demo["columns"]["area"]) in _both_refuse(
        admin_client, staff, payload, "subitem_map"
    )


def test_a_subitem_map_that_is_not_an_object_of_column_ids(admin_client, staff, payload):
    payload["subitem_map"] = {"quantity": 3}
    _both_refuse(admin_client, staff, payload, "subitem_map")


def test_changing_only_the_template_is_checked(admin_client, staff, mapping):
    url = f"/admin/monday_integration/boardmapping/{mapping.pk}/change/"
    data = {
        "name": mapping.name,
        "board_id": mapping.board_id,
        "form": mapping.form_id,
        "trigger_column_id": mapping.trigger_column_id,
        "trigger_label": mapping.trigger_label,
        "column_map": json.dumps(mapping.column_map),
        "subitem_map": json.dumps(mapping.subitem_map),
        "file_column_id": mapping.file_column_id,
        "status_column_id": mapping.status_column_id,
        "stage_labels": json.dumps(mapping.stage_labels),
        "template_slug": "qoute",
        "active": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "'qoute'" in response.context["adminform"].form.errors["template_slug"][0]
    api = staff.patch(f"{MAPPINGS}{mapping.pk}/", {"template_slug": "qoute"}, format="json")
    assert api.status_code == 400 and "template_slug" in api.json()["errors"]
    mapping.refresh_from_db()
    assert mapping.template_slug == "quote"
