"""A NUL character (\\u0000) anywhere in a JSON body is a 400 naming where, on SQLite and on
PostgreSQL alike: PostgreSQL's text and jsonb cannot hold one, SQLite would store it. Every
JSON door is covered by the site's parser; each member of the kind is tried here."""

from __future__ import annotations

import json

import pytest

from betterform.admin_forms import STARTER_SCHEMA
from betterform.models import Form, Submission

from .conftest import posted_form

FORM_ADD = "/admin/betterform/form/add/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(form, rep):
    return form(owner=rep, published=True)


def test_a_public_submission_with_a_nul_in_an_answer_is_a_400_and_nothing_is_stored(
    anon_client, published, kitchen_answers, customer
):
    body = {"answers": {**kitchen_answers, "notes": "Ground\x00floor"}, "customer": customer}
    response = anon_client.post(f"/api/public/forms/{published.public_token}/", body, format="json")
    assert response.status_code == 400
    assert "answers.notes holds a NUL character" in response.json()["detail"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/api/submissions/", {"answers": {"notes\x00": "x"}}, "answers.notes\\u0000"),
        (
            "/api/forms/",
            {"name": "F", "slug": "f", "schema": {"sections": ["\x00"]}},
            "schema.sections[0]",
        ),
        (
            "/api/quotes/",
            {"currency": "EUR", "lines": [{"description": "a\x00"}]},
            "lines[0].description",
        ),
    ],
    ids=["a-key", "a-schema", "a-nested-list"],
)
def test_every_json_body_with_a_nul_anywhere_is_a_400(staff_client, path, body, where):
    response = staff_client.post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert f"{where} holds a NUL character" in response.json()["detail"]
    assert not Form.objects.exists() and not Submission.objects.exists()


# A lone surrogate ("\ud800", RFC 8259 lets JSON text carry one) is the other character no
# database stores: PostgreSQL's jsonb refuses it and Python's sqlite3 cannot even encode it.
# ``json.dumps`` writes it escaped, as a client would send it.


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/api/submissions/", {"answers": {"notes": "cut \ud83d"}}, "answers.notes"),
        (
            "/api/forms/",
            {"name": "F", "slug": "f", "schema": {"sections": [{"\udc00": 1}]}},
            "schema.sections[0].\\udc00",
        ),
        (
            "/api/quotes/",
            {"currency": "EUR", "lines": [{"description": "a\ud800"}]},
            "lines[0].description",
        ),
    ],
    ids=["a-value", "a-key", "a-nested-list"],
)
def test_every_json_body_with_a_lone_surrogate_anywhere_is_a_400(staff_client, path, body, where):
    response = staff_client.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert f"{where} holds a lone surrogate" in response.json()["detail"]
    assert not Form.objects.exists() and not Submission.objects.exists()


def test_the_form_admin_refuses_a_schema_it_could_not_store_and_shows_it_escaped(admin_client):
    schema = json.dumps(STARTER_SCHEMA).replace("What do you need?", "Cut \\ud83d")
    page = admin_client.get(FORM_ADD)
    data = {**posted_form(page), "name": "Plumbing", "slug": "plumbing", "schema": schema}
    response = admin_client.post(FORM_ADD, data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["schema"]
    assert message == (
        "sections[0].fields[0].label holds a lone surrogate (\\ud83d), which cannot be "
        "stored; remove it."
    )
    assert "Cut \\ud83d" in response.content.decode(), "what was typed, shown as typed"
    assert not Form.objects.exists()


def test_the_submission_admin_refuses_answers_it_could_not_store(admin_client, published):
    url = "/admin/betterform/submission/add/"
    data = {
        **posted_form(admin_client.get(url)),
        "form": published.pk,
        "status": "draft",
        "answers": '{"notes": "a\\u0000b\\udfff"}',
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["answers"]
    assert message.startswith("notes holds a NUL character (\\u0000), which cannot be stored")
    assert "a\\u0000b\\udfff" in response.content.decode(), "shown as typed"
    assert not Submission.objects.exists()
