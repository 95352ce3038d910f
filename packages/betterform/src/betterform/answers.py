"""Answers to a form, validated against the schema version they answer.

``clean_answers(schema, answers)`` returns the normalised answers (numbers as strings of
Decimals, dates as ISO strings) or raises ``AnswersError`` with messages per field key:
unknown keys, missing required fields, wrong types and limits. Text of only white space (or
invisible format characters) is no answer: a required field is then missing, an optional one
is left out.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from betterform.schema import fields

MAX_ANSWERS_BYTES = 256 * 1024
DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 10000, "email": 254, "phone": 30}
PHONE = re.compile(r"\+?[0-9][0-9 ().\-/]{4,29}")


class AnswersError(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{key}: {m}" for key, ms in errors.items() for m in ms))


class Invalid(Exception):
    pass


def _is_blank(value: Any) -> bool:
    """No answer: nothing, an empty list, or text that shows nothing (white space and format
    characters such as zero-width spaces only), which never satisfies a required field."""
    if isinstance(value, str):
        return not "".join(c for c in value if unicodedata.category(c) != "Cf").strip()
    return value is None or value == []


def _text(field: dict[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be text")
    limit = field.get("max_length", DEFAULT_MAX_LENGTH[field["type"]])
    if len(value) > limit:
        raise Invalid(f"must be at most {limit} characters")
    return value.strip() if field["type"] != "textarea" else value


def _email(field: dict[str, Any], value: Any) -> str:
    text = _text(field, value)
    try:
        validate_email(text)
    except ValidationError:
        raise Invalid("must be an email address") from None
    return text


def _phone(field: dict[str, Any], value: Any) -> str:
    text = _text(field, value)
    if not PHONE.fullmatch(text):
        raise Invalid("must be a phone number (digits, spaces, + - ( ) .)")
    return text


def _bounded(field: dict[str, Any], number: Decimal) -> None:
    if "min" in field and number < Decimal(str(field["min"])):
        raise Invalid(f"must be at least {field['min']}")
    if "max" in field and number > Decimal(str(field["max"])):
        raise Invalid(f"must be at most {field['max']}")


def _integer(field: dict[str, Any], value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("must be a whole number")
    _bounded(field, Decimal(value))
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid("must be a number") from None
    if not number.is_finite():
        raise Invalid("must be a finite number")
    return number


def _number(field: dict[str, Any], value: Any) -> str:
    number = _decimal(value)
    _bounded(field, number)
    return str(number)


def _money(field: dict[str, Any], value: Any) -> str:
    number = _decimal(value)
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise Invalid("must have at most 2 decimal places")
    _bounded(field, number)
    return str(number)


def _boolean(field: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


def _date(field: dict[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a date as YYYY-MM-DD")
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise Invalid("must be a date as YYYY-MM-DD") from None
    if "min_date" in field and value < field["min_date"]:
        raise Invalid(f"must be on or after {field['min_date']}")
    if "max_date" in field and value > field["max_date"]:
        raise Invalid(f"must be on or before {field['max_date']}")
    return day.isoformat()


def _choice(field: dict[str, Any], value: Any) -> str:
    allowed = [option["value"] for option in field["options"]]
    if value not in allowed:
        raise Invalid(f"must be one of: {', '.join(allowed)}")
    return value


def _multi_choice(field: dict[str, Any], value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Invalid("must be a list of choices")
    allowed = [option["value"] for option in field["options"]]
    unknown = [item for item in value if item not in allowed]
    if unknown:
        raise Invalid(f"unknown choices {unknown!r}; allowed: {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise Invalid("choices must not repeat")
    if len(value) < field.get("min_choices", 0):
        raise Invalid(f"choose at least {field['min_choices']}")
    if "max_choices" in field and len(value) > field["max_choices"]:
        raise Invalid(f"choose at most {field['max_choices']}")
    return [item for item in allowed if item in value]  # form order


CLEANERS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "text": _text,
    "textarea": _text,
    "email": _email,
    "phone": _phone,
    "integer": _integer,
    "number": _number,
    "money": _money,
    "boolean": _boolean,
    "date": _date,
    "choice": _choice,
    "multi_choice": _multi_choice,
}


def clean_answers(schema: dict[str, Any], answers: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate and normalise; ``partial`` (drafts) skips the required check."""
    if not isinstance(answers, dict):
        raise AnswersError({"answers": ["must be an object of field key -> answer"]})
    size = len(json.dumps(answers, default=str).encode())
    if size > MAX_ANSWERS_BYTES:
        raise AnswersError({"answers": [f"are {size} bytes; the limit is {MAX_ANSWERS_BYTES}"]})
    known = fields(schema)
    errors: dict[str, list[str]] = {
        key: ["unknown field: this form has no such key"] for key in answers if key not in known
    }
    cleaned: dict[str, Any] = {}
    for key, field in known.items():
        value = answers.get(key)
        if _is_blank(value):
            if field.get("required") and not partial:
                errors[key] = ["this field is required"]
            continue
        try:
            cleaned[key] = CLEANERS[field["type"]](field, value)
        except Invalid as problem:
            errors[key] = [str(problem)]
    if errors:
        raise AnswersError(errors)
    return cleaned
