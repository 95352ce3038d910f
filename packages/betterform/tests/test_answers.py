"""Answers are checked against the schema version they answer, with an error per key."""

from __future__ import annotations

import pytest

from betterform.answers import MAX_ANSWERS_BYTES, AnswersError, clean_answers

SCHEMA = {
    "sections": [
        {
            "title": "All",
            "fields": [
                {
                    "key": "name",
                    "label": "Name",
                    "type": "text",
                    "required": True,
                    "max_length": 10,
                },
                {"key": "notes", "label": "Notes", "type": "textarea"},
                {"key": "email", "label": "Email", "type": "email"},
                {"key": "phone", "label": "Phone", "type": "phone"},
                {"key": "rooms", "label": "Rooms", "type": "integer", "min": 1, "max": 20},
                {"key": "area", "label": "Area", "type": "number", "min": 0.5},
                {"key": "budget", "label": "Budget", "type": "money", "max": 100000},
                {"key": "urgent", "label": "Urgent", "type": "boolean"},
                {"key": "start", "label": "Start", "type": "date", "min_date": "2026-01-01"},
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium"},
                    ],
                },
                {
                    "key": "extras",
                    "label": "Extras",
                    "type": "multi_choice",
                    "max_choices": 2,
                    "options": [
                        {"value": "a", "label": "A"},
                        {"value": "b", "label": "B"},
                        {"value": "c", "label": "C"},
                    ],
                },
            ],
        }
    ]
}


def _errors(answers, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(AnswersError) as raised:
        clean_answers(SCHEMA, answers, **kwargs)
    return raised.value.errors


def test_valid_answers_are_normalised():
    cleaned = clean_answers(
        SCHEMA,
        {
            "name": " Ada ",
            "email": "ada@example.com",
            "phone": "+32 470 12 34 56",
            "rooms": 3,
            "area": 12.5,
            "budget": "2500.50",
            "urgent": False,
            "start": "2026-03-01",
            "finish": "premium",
            "extras": ["c", "a"],
        },
    )
    assert cleaned["name"] == "Ada"
    assert cleaned["area"] == "12.5" and cleaned["budget"] == "2500.50"
    assert cleaned["extras"] == ["a", "c"], "kept in form order"
    assert cleaned["urgent"] is False


def test_unknown_keys_and_missing_required_fields_are_named():
    assert _errors({"nmae": "Ada"}) == {
        "nmae": ["unknown field: this form has no such key"],
        "name": ["this field is required"],
    }


def test_drafts_may_leave_required_fields_empty():
    assert clean_answers(SCHEMA, {}, partial=True) == {}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("name", "x" * 11, "must be at most 10 characters"),
        ("name", 42, "must be text"),
        ("email", "not-an-email", "must be an email address"),
        ("phone", "call me", "must be a phone number"),
        ("rooms", 2.5, "must be a whole number"),
        ("rooms", True, "must be a whole number"),
        ("rooms", 0, "must be at least 1"),
        ("area", "lots", "must be a number"),
        ("area", "NaN", "must be a finite number"),
        ("budget", "10.555", "at most 2 decimal places"),
        ("budget", 100000.01, "must be at most 100000"),
        ("urgent", "yes", "must be true or false"),
        ("start", "01/03/2026", "must be a date as YYYY-MM-DD"),
        ("start", "2025-12-31", "must be on or after 2026-01-01"),
        ("finish", "gold", "must be one of: basic, premium"),
        ("extras", "a", "must be a list of choices"),
        ("extras", ["a", "z"], "unknown choices ['z']"),
        ("extras", ["a", "b", "c"], "choose at most 2"),
        ("extras", ["a", "a"], "choices must not repeat"),
    ],
)
def test_wrong_types_and_limits_are_reported_per_field(key, value, message):
    errors = _errors({"name": "Ada", key: value})
    assert list(errors) == [key]
    assert message in errors[key][0]


def test_a_huge_payload_is_refused_before_field_checks():
    errors = _errors({"notes": "x" * (MAX_ANSWERS_BYTES + 1)})
    assert "the limit is" in errors["answers"][0]


def test_answers_must_be_an_object():
    assert _errors(["name"]) == {"answers": ["must be an object of field key -> answer"]}
