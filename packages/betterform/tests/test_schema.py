"""Form schemas: valid ones pass; every problem is reported with its path."""

from __future__ import annotations

import copy

import pytest

from betterform.schema import SchemaError, validate_schema

VALID = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "required": True,
                    "min": 1,
                    "max": 200,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium", "price": "2500.00"},
                    ],
                },
                {
                    "key": "extras",
                    "label": "Extras",
                    "type": "multi_choice",
                    "max_choices": 2,
                    "options": [{"value": "led", "label": "LED", "price": 120}],
                },
                {
                    "key": "disposal",
                    "label": "Disposal",
                    "type": "boolean",
                    "pricing": {"price": "199.99", "tax_rate": "9"},
                },
                {"key": "start", "label": "Start", "type": "date", "min_date": "2026-01-01"},
                {"key": "notes", "label": "Notes", "type": "textarea", "max_length": 2000},
            ],
        },
        {
            "title": "Contact",
            "fields": [
                {"key": "email", "label": "Email", "type": "email", "required": True},
                {"key": "phone", "label": "Phone", "type": "phone"},
                {"key": "rooms", "label": "Rooms", "type": "integer", "min": 0},
                {"key": "budget", "label": "Budget", "type": "money"},
                {"key": "name", "label": "Name", "type": "text"},
            ],
        },
    ],
    "pricing": {
        "currency": "EUR",
        "tax_rate": "21",
        "fixed_fees": [{"description": "Site visit", "amount": "150.00"}],
    },
}


def _errors(schema) -> dict[str, list[str]]:
    with pytest.raises(SchemaError) as raised:
        validate_schema(schema)
    return raised.value.errors


def _with(path_setter):
    schema = copy.deepcopy(VALID)
    path_setter(schema)
    return schema


def test_a_schema_using_every_field_type_is_valid():
    validate_schema(VALID)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda s: s["sections"][1]["fields"].append(
                {"key": "x", "label": "X", "type": "choice"}
            ),
            "sections[1].fields[5].options",
            "required for choice fields",
        ),
        (
            lambda s: s["sections"][1]["fields"].append(
                {"key": "area", "label": "A", "type": "text"}
            ),
            "sections[1].fields[5].key",
            "'area' is already used at sections[0].fields[0]",
        ),
        (
            lambda s: s["sections"][0]["fields"][0].update(min=10, max=5),
            "sections[0].fields[0].max",
            "must be >= min",
        ),
        (
            lambda s: s["sections"][0]["fields"][1]["options"].append(
                {"value": "basic", "label": "B"}
            ),
            "sections[0].fields[1].options",
            "option values must be unique",
        ),
        (
            lambda s: s["sections"][0]["fields"][1]["options"][1].update(price="-5"),
            "sections[0].fields[1].options[1].price",
            "must be a number >= 0",
        ),
        (
            lambda s: s["sections"][0]["fields"][0]["pricing"].update(unit_price="1.234"),
            "sections[0].fields[0].pricing.unit_price",
            "has more than 2 decimal places",
        ),
        (lambda s: s["pricing"].update(tax_rate="150"), "pricing.tax_rate", "at most 100"),
        (
            lambda s: s["sections"][1]["fields"][4].update(min=1),
            "sections[1].fields[4]",
            "min/max apply to numeric fields, not text",
        ),
        (
            lambda s: s["sections"][1]["fields"][4].update(options=[{"value": "a", "label": "A"}]),
            "sections[1].fields[4].options",
            "only choice fields have options, not text",
        ),
        (
            lambda s: s["sections"][0]["fields"][4].update(max_date="2025-01-01"),
            "sections[0].fields[4].max_date",
            "must be on or after min_date",
        ),
        (
            lambda s: (
                s["sections"][1]["fields"][4]["pricing"]
                if False
                else s["sections"][1]["fields"][4].update(pricing={"unit_price": "3"})
            ),
            "sections[1].fields[4].pricing.unit_price",
            "applies to integer and number fields",
        ),
    ],
    ids=[
        "options-missing",
        "duplicate-key",
        "min-max",
        "duplicate-option",
        "negative-price",
        "price-decimals",
        "tax-over-100",
        "min-on-text",
        "options-on-text",
        "date-range",
        "unit-price-on-text",
    ],
)
def test_semantic_errors_name_their_path(change, path, message):
    errors = _errors(_with(change))
    assert path in errors, errors
    assert any(message in text for text in errors[path]), errors[path]


@pytest.mark.parametrize(
    ("schema", "path", "message"),
    [
        ({}, "sections", "required"),
        ({"sections": []}, "sections", "should be non-empty"),
        (
            {"sections": [{"title": "T", "fields": [{"key": "a", "label": "A", "type": "numbr"}]}]},
            "sections[0].fields[0].type",
            "must be one of text, textarea",
        ),
        (
            {"sections": [{"title": "T", "fields": [{"label": "A", "type": "text"}]}]},
            "sections[0].fields[0].key",
            "required",
        ),
        (
            {
                "sections": [
                    {"title": "T", "fields": [{"key": "Bad Key", "label": "A", "type": "text"}]}
                ]
            },
            "sections[0].fields[0].key",
            "does not match",
        ),
        (
            {
                "sections": [
                    {
                        "title": "T",
                        "fields": [{"key": "a", "label": "A", "type": "text", "colour": "red"}],
                    }
                ]
            },
            "sections[0].fields[0]",
            "unknown keys",
        ),
        ({"sections": [{"title": "T", "fields": []}]}, "sections", "the form has no fields"),
        ([1, 2], "schema", "is not of type 'object'"),
    ],
    ids=[
        "no-sections",
        "empty-sections",
        "unknown-type",
        "no-key",
        "bad-key",
        "unknown-prop",
        "no-fields",
        "not-an-object",
    ],
)
def test_structural_errors_name_their_path(schema, path, message):
    errors = _errors(schema)
    assert path in errors, errors
    assert any(message in text for text in errors[path]), errors[path]
