"""A NUL character (\\u0000) anywhere in a JSON body is a 400 naming where, on SQLite and on
PostgreSQL alike: PostgreSQL's text and jsonb cannot hold one, SQLite would store it. Every
JSON door is covered by the site's parser; each member of the kind is tried here."""

from __future__ import annotations

import pytest

from betterform.models import Form, Submission

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
