"""The form schema: ordered sections of typed fields, with optional pricing.

Structure is checked with JSON Schema (``jsonschema``); what JSON Schema cannot say simply
(unique keys, options for choice fields, min <= max, prices that are money) is checked here.
Every error names its path, e.g. ``sections[1].fields[3].options: required for choice fields``.

Example::

    {"sections": [{"title": "Project", "fields": [
        {"key": "area", "label": "Kitchen area", "type": "number", "required": true,
         "min": 1, "max": 200, "pricing": {"unit_price": "85.00", "unit_label": "m²"}},
        {"key": "finish", "label": "Finish", "type": "choice", "options": [
            {"value": "basic", "label": "Basic"},
            {"value": "premium", "label": "Premium", "price": "2500.00"}]}]}],
     "pricing": {"currency": "EUR", "tax_rate": "21", "fixed_fees": [
        {"description": "Site visit", "amount": "150.00"}]}}
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator

FIELD_TYPES = (
    "text",
    "textarea",
    "email",
    "phone",
    "integer",
    "number",
    "money",
    "boolean",
    "date",
    "choice",
    "multi_choice",
)
CHOICE_TYPES = ("choice", "multi_choice")
NUMERIC_TYPES = ("integer", "number", "money")
LENGTH_TYPES = ("text", "textarea", "email", "phone")
MAX_FIELDS = 200

_MONEY = {"type": ["string", "number"]}
_OPTION = {
    "type": "object",
    "required": ["value", "label"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": "string", "minLength": 1, "maxLength": 100},
        "label": {"type": "string", "minLength": 1, "maxLength": 200},
        "price": _MONEY,
    },
}
_FIELD = {
    "type": "object",
    "required": ["key", "label", "type"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "label": {"type": "string", "minLength": 1, "maxLength": 200},
        "type": {"enum": list(FIELD_TYPES)},
        "required": {"type": "boolean"},
        "help_text": {"type": "string", "maxLength": 1000},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 100000},
        "min_date": {"type": "string", "format": "date"},
        "max_date": {"type": "string", "format": "date"},
        "min_choices": {"type": "integer", "minimum": 0},
        "max_choices": {"type": "integer", "minimum": 1},
        "options": {"type": "array", "items": _OPTION, "maxItems": 500},
        "pricing": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "unit_price": _MONEY,
                "unit_label": {"type": "string", "maxLength": 40},
                "price": _MONEY,
                "tax_rate": _MONEY,
            },
        },
    },
}
FORM_SCHEMA = {
    "type": "object",
    "required": ["sections"],
    "additionalProperties": False,
    "properties": {
        "sections": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["title", "fields"],
                "additionalProperties": False,
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": {"type": "string", "maxLength": 2000},
                    "fields": {"type": "array", "items": _FIELD},
                },
            },
        },
        "pricing": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "tax_rate": _MONEY,
                "fixed_fees": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["description", "amount"],
                        "additionalProperties": False,
                        "properties": {
                            "description": {"type": "string", "minLength": 1, "maxLength": 200},
                            "amount": _MONEY,
                            "tax_rate": _MONEY,
                        },
                    },
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(FORM_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class SchemaError(ValueError):
    """The schema is not valid; ``errors`` maps each path to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {m}" for path, ms in errors.items() for m in ms))


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "schema"


def _structure_errors(schema: Any) -> Iterator[tuple[str, str]]:
    for error in sorted(_VALIDATOR.iter_errors(schema), key=lambda e: list(map(str, e.path))):
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            yield _path([*path, missing]), "required"
        elif error.validator == "additionalProperties":
            yield _path(path), error.message.replace("Additional properties", "unknown keys")
        elif error.validator == "enum":
            yield _path(path), f"must be one of {', '.join(FIELD_TYPES)}"
        else:
            yield _path(path), error.message


def _money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _money_errors(path: str, value: Any, *, percent: bool = False) -> Iterator[tuple[str, str]]:
    amount = _money(value)
    if amount is None or amount < 0:
        yield path, 'must be a number >= 0, as a string such as "12.50"'
    elif percent and amount > 100:
        yield path, "is a percentage: at most 100"
    elif not percent and amount.as_tuple().exponent < -2:  # type: ignore[operator]
        yield path, "has more than 2 decimal places"


def _field_errors(field: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    kind = field["type"]
    if kind in CHOICE_TYPES:
        options = field.get("options")
        if not options:
            yield f"{path}.options", "required for choice fields"
        else:
            values = [option["value"] for option in options]
            if len(set(values)) != len(values):
                yield f"{path}.options", "option values must be unique"
            for index, option in enumerate(options):
                if "price" in option:
                    yield from _money_errors(f"{path}.options[{index}].price", option["price"])
    elif "options" in field:
        yield f"{path}.options", f"only choice fields have options, not {kind}"
    if "min" in field and "max" in field and field["min"] > field["max"]:
        yield f"{path}.max", "must be >= min"
    if ("min" in field or "max" in field) and kind not in NUMERIC_TYPES:
        yield path, f"min/max apply to numeric fields, not {kind}"
    if "max_length" in field and kind not in LENGTH_TYPES:
        yield f"{path}.max_length", f"applies to text fields, not {kind}"
    if ("min_date" in field or "max_date" in field) and kind != "date":
        yield path, f"min_date/max_date apply to date fields, not {kind}"
    if field.get("min_date", "") > field.get("max_date", "9999-12-31"):
        yield f"{path}.max_date", "must be on or after min_date"
    if ("min_choices" in field or "max_choices" in field) and kind != "multi_choice":
        yield path, f"min_choices/max_choices apply to multi_choice fields, not {kind}"
    pricing = field.get("pricing", {})
    if "unit_price" in pricing and kind not in ("integer", "number"):
        yield f"{path}.pricing.unit_price", "applies to integer and number fields"
    if "price" in pricing and kind != "boolean":
        yield f"{path}.pricing.price", "applies to boolean fields (a price when checked)"
    for name in ("unit_price", "price"):
        if name in pricing:
            yield from _money_errors(f"{path}.pricing.{name}", pricing[name])
    if "tax_rate" in pricing:
        yield from _money_errors(f"{path}.pricing.tax_rate", pricing["tax_rate"], percent=True)


def _semantic_errors(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    count = 0
    for s_index, section in enumerate(schema["sections"]):
        for f_index, field in enumerate(section["fields"]):
            path = f"sections[{s_index}].fields[{f_index}]"
            count += 1
            if field["key"] in seen:
                yield f"{path}.key", f"{field['key']!r} is already used at {seen[field['key']]}"
            seen.setdefault(field["key"], path)
            yield from _field_errors(field, path)
    if count == 0:
        yield "sections", "the form has no fields"
    if count > MAX_FIELDS:
        yield "sections", f"a form has at most {MAX_FIELDS} fields"
    pricing = schema.get("pricing", {})
    if "tax_rate" in pricing:
        yield from _money_errors("pricing.tax_rate", pricing["tax_rate"], percent=True)
    for index, fee in enumerate(pricing.get("fixed_fees", [])):
        yield from _money_errors(f"pricing.fixed_fees[{index}].amount", fee["amount"])
        if "tax_rate" in fee:
            yield from _money_errors(
                f"pricing.fixed_fees[{index}].tax_rate", fee["tax_rate"], percent=True
            )


def validate_schema(schema: Any) -> None:
    """Raise ``SchemaError`` listing every problem by path; return None when valid."""
    errors: dict[str, list[str]] = {}
    problems = list(_structure_errors(schema))
    if not problems:
        problems = list(_semantic_errors(schema))
    for path, message in problems:
        errors.setdefault(path, []).append(message)
    if errors:
        raise SchemaError(errors)


def fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every field of a (valid) schema by key, in form order."""
    return {field["key"]: field for section in schema["sections"] for field in section["fields"]}
