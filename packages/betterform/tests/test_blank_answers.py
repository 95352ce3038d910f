"""A required text answer of only white space (or invisible format characters) is no answer:
``clean_answers`` (the one path of the JSON API, the public form page and monday) names the
field as required, and nothing is stored; an optional one is left out of the answers."""

from __future__ import annotations

import pytest

from betterform import services
from betterform.answers import AnswersError, clean_answers
from betterform.models import Submission

pytestmark = pytest.mark.django_db

SCHEMA = {
    "sections": [
        {
            "title": "All",
            "fields": [
                {"key": "t", "label": "Title", "type": "text", "required": True},
                {"key": "notes", "label": "Notes", "type": "textarea", "required": True},
                {"key": "mail", "label": "Email", "type": "email", "required": True},
                {"key": "tel", "label": "Phone", "type": "phone", "required": True},
                {"key": "extra", "label": "Extra", "type": "text"},
                {"key": "more", "label": "More", "type": "textarea"},
            ],
        }
    ]
}
GOOD = {"t": "Kitchen", "notes": "Ground floor.", "mail": "ada@example.com", "tel": "+44 20 7946"}
BLANKS = ["   ", "\t\n ", "\u00a0\u3000", "\u200b\u200b", " \ufeff "]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("key", ["t", "notes", "mail", "tel"])
def test_a_blank_required_answer_is_missing(key, blank):
    with pytest.raises(AnswersError) as raised:
        clean_answers(SCHEMA, {**GOOD, key: blank})
    assert raised.value.errors == {key: ["this field is required"]}


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_optional_answer_is_left_out_and_a_draft_may_hold_a_blank(blank):
    cleaned = clean_answers(SCHEMA, {**GOOD, "extra": blank, "more": blank})
    assert cleaned == GOOD
    assert clean_answers(SCHEMA, {"t": blank}, partial=True) == {}


def test_text_with_white_space_around_it_is_an_answer():
    cleaned = clean_answers(SCHEMA, {**GOOD, "t": "  Kitchen ", "notes": "  Ground\n"})
    assert cleaned["t"] == "Kitchen" and cleaned["notes"] == "  Ground\n"


@pytest.mark.parametrize("blank", ["   ", "\u200b"])
def test_the_public_endpoint_answers_400_naming_the_required_field(anon_client, form, rep, blank):
    published = form(owner=rep, published=True, schema=SCHEMA)
    response = anon_client.post(
        f"/api/public/forms/{published.public_token}/",
        {"answers": {**GOOD, "t": blank}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"answers": {"t": ["this field is required"]}}
    assert not Submission.objects.exists()


def test_create_submission_refuses_a_blank_required_answer(form, rep):
    target = form(owner=rep, schema=SCHEMA)
    with pytest.raises(AnswersError) as raised:
        services.create_submission(target, answers={**GOOD, "t": "   "}, owner=rep)
    assert raised.value.errors == {"t": ["this field is required"]}
    assert not Submission.objects.exists()
    stored = services.create_submission(target, answers={**GOOD, "extra": "  "}, owner=rep)
    assert stored.answers == GOOD
