"""The template admin refuses what the template API refuses, with the same message on the same
field (both call ``createpdf.template_checks``): HTML or CSS that does not compile in the
sandbox, and a sample context that is not a JSON object."""

from __future__ import annotations

import json

import pytest

from createpdf.models import DocumentTemplate

pytestmark = pytest.mark.django_db

ADMIN_ADD = "/admin/createpdf/documenttemplate/add/"
TEMPLATES_API = "/api/pdf/templates/"
GOOD = {"slug": "offer", "name": "Offer", "html": "<p>{{ name }}</p>", "css": "p { color: red }"}


def _admin_form(values: dict) -> dict:
    data = {**GOOD, "sample_context": "{}", "active": "on", **values}
    if not isinstance(data["sample_context"], str):
        data["sample_context"] = json.dumps(data["sample_context"])
    return data


def _both_refuse(admin_client, staff_client, values: dict, field: str) -> str:
    response = admin_client.post(ADMIN_ADD, _admin_form(values))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field], errors
    api = staff_client.post(TEMPLATES_API, {**GOOD, **values}, format="json")
    assert api.status_code == 400, api.json()
    api_errors = api.json().get("errors", api.json())
    assert api_errors[field] == errors[field]
    assert DocumentTemplate.objects.count() == 0
    return errors[field][0]


def test_a_good_template_is_saved_by_the_admin(admin_client):
    response = admin_client.post(ADMIN_ADD, _admin_form({}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert DocumentTemplate.objects.get().css == GOOD["css"]


def test_css_that_does_not_compile(admin_client, staff_client):
    message = _both_refuse(admin_client, staff_client, {"css": "{% if %}"}, "css")
    assert message.startswith("does not compile: line 1")


def test_html_that_does_not_compile(admin_client, staff_client):
    message = _both_refuse(admin_client, staff_client, {"html": "<p>{{ name </p>"}, "html")
    assert message.startswith("does not compile: line 1")


def test_a_sample_context_that_is_not_an_object(admin_client, staff_client):
    message = _both_refuse(admin_client, staff_client, {"sample_context": [1, 2]}, "sample_context")
    assert message == "must be a JSON object."


def test_changing_a_template_s_css_is_checked(admin_client):
    template = DocumentTemplate.objects.create(**GOOD)
    url = f"/admin/createpdf/documenttemplate/{template.pk}/change/"
    response = admin_client.post(url, _admin_form({"css": "p { {{ x }"}))
    assert response.status_code == 200
    assert "does not compile" in response.context["adminform"].form.errors["css"][0]
    template.refresh_from_db()
    assert template.css == GOOD["css"]
