"""Text every database can store: no NUL character and no lone surrogate.

JSON can carry two kinds of character that no UTF-8 database column takes:

- NUL (``\\u0000``): PostgreSQL's ``text`` and ``jsonb`` refuse it (SQLite stores it);
- a lone surrogate (``\\ud800`` to ``\\udfff`` not in a pair, RFC 8259 section 8.2 allows
  them in JSON text): it has no UTF-8 encoding, so PostgreSQL's ``jsonb`` refuses it and
  Python's ``sqlite3`` cannot even send it. A pair (``\\ud83d\\ude00``) is decoded into one
  character by ``json.loads`` and is fine.

Two shapes are met the same way. A number Python reads as infinite or not a number (``1e400``,
and the ``NaN`` and ``Infinity`` that ``json.loads`` and Django's form field accept): it is
written back as ``Infinity``/``NaN``, which PostgreSQL's ``jsonb`` and SQLite's ``JSON_VALID``
check both refuse. And JSON nested more than ``MAX_DEPTH`` levels: ``json.loads`` raises
``RecursionError`` near 1,000 levels (not a ``ValueError``, so a 500), and walking, copying or
writing a value a few hundred levels deep overflows the stack further on.

Every door where JSON comes in uses this module, so such a character is met at the door,
never as a 500 at the database:

- a client's JSON body (``createpdf.parsers.JSONParser``, every API view): a 400 naming where;
- a form (the admin's, any ``ModelForm``): every JSON model field of our apps is a
  ``StorableJSONField`` (a test checks each one), whose form field refuses such a character
  with where it is, and shows it escaped again when it redisplays what was typed (written
  raw, a lone surrogate cannot even be encoded into the page);
- data that must be kept as it came (a monday webhook delivery, a monday API answer):
  ``make_storable`` drops NUL and replaces a lone surrogate with U+FFFD, the replacement
  character, as a UTF-8 decoder does for bytes it cannot read.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput

NUL = "\x00"
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Far more than any schema, answers, context or monday delivery needs (they nest under ten
# levels), far less than what overflows the stack (see the module docstring).
MAX_DEPTH = 100
TOO_DEEP = f"JSON nested more than {MAX_DEPTH} levels deep"


class TooDeep(ValueError):
    """A JSON value nested more than ``MAX_DEPTH`` levels (or too deep to parse at all)."""


def _number_name(number: float) -> str:
    """How JSON's extensions spell a number no database stores: ``Infinity``, ``-Infinity``,
    ``NaN``."""
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def too_deep(value: Any) -> bool:
    """Whether JSON ``value`` holds a list or object more than ``MAX_DEPTH`` levels deep
    (walked without recursion, so any depth can be asked)."""
    return _walk(value, numbers=False)


def _walk(value: Any, *, numbers: bool) -> bool:
    """Whether ``value`` is nested too deep or (``numbers``) holds a number no database
    stores, walked without recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if numbers and isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """``json.loads``, raising ``TooDeep`` (a ``ValueError``) instead of ``RecursionError``
    for text nested too deep to parse."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeep(TOO_DEEP) from None


def unstorable_character(text: str) -> str | None:
    """How the first character ``text`` cannot store is written (``"a NUL character
    (\\u0000)"``, ``"a lone surrogate (\\ud800)"``), or None when every one can be stored."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    character = found.group()
    if character == NUL:
        return "a NUL character (\\u0000)"
    return f"a lone surrogate (\\u{ord(character):04x})"


def _shown(key: str) -> str:
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", key)


def find_unstorable(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """``(where, what)`` for the first string or key in JSON ``value`` holding a character no
    database stores, a number none stores (``Infinity``, ``NaN``) or a list or object nested
    more than ``MAX_DEPTH`` levels: where as a path (``answers.notes``,
    ``lines[2].description``, the key itself with the character escaped), what as
    ``unstorable_character`` says it (``"a number no database stores (NaN)"``, ``TOO_DEEP``);
    or None."""
    if isinstance(value, str):
        what = unstorable_character(value)
        return (path or "(the value)", what) if what else None
    if isinstance(value, float) and not math.isfinite(value):
        return path or "(the value)", f"a number no database stores ({_number_name(value)})"
    if isinstance(value, (dict, list)) and depth >= MAX_DEPTH:
        return path or "(the value)", TOO_DEEP
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            here = f"{path}.{_shown(key)}" if path else _shown(key)
            what = unstorable_character(key)
            if what:
                return here, what
            found = find_unstorable(item, here, depth + 1)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_unstorable(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return None


def unstorable_message(where: str, what: str) -> str:
    return f"{where} holds {what}, which cannot be stored; remove it."


def validate_storable_json(value: Any) -> None:
    """Model field validator: raise ``ValidationError`` naming where ``value`` holds a
    character no database stores."""
    found = find_unstorable(value)
    if found:
        raise ValidationError(unstorable_message(*found), code="unstorable")


def make_storable(value: Any, depth: int = 0) -> Any:
    """``value`` (JSON: dicts, lists, strings, numbers) with NUL removed from every string and
    key, each lone surrogate replaced by U+FFFD, and a number no database stores written as
    the string JSON's extensions spell it (``"Infinity"``, ``"NaN"``): for data that must be
    kept (a delivery from monday) rather than refused. Raises ``TooDeep`` (a ``ValueError``)
    for a value nested more than ``MAX_DEPTH`` levels: there is nothing sensible to keep."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value) is None:
            return value
        return _SURROGATE.sub(REPLACEMENT, value.replace(NUL, ""))
    if isinstance(value, float) and not math.isfinite(value):
        return _number_name(value)
    if isinstance(value, (dict, list)) and depth >= MAX_DEPTH:
        raise TooDeep(TOO_DEEP)
    if isinstance(value, dict):
        return {make_storable(key): make_storable(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [make_storable(item, depth + 1) for item in value]
    return value


def escape_unstorable(json_text: str) -> str:
    """JSON text with each NUL and lone surrogate written as its ``\\uXXXX`` escape: the same
    JSON value, and text a page can be encoded with (they only occur inside JSON strings)."""
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


class StorableJSONFormField(forms.JSONField):
    """``forms.JSONField`` refusing what no database stores (``validate_storable_json``) and
    redisplaying it escaped (``escape_unstorable``). Text nested too deep to parse is refused
    like any other invalid JSON, and redisplayed as typed (Django's field raises
    ``RecursionError`` there, a 500)."""

    default_validators = [validate_storable_json]

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError(
                unstorable_message("(the value)", TOO_DEEP), code="unstorable"
            ) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        """What was typed, parsed to be shown again; text too deep to be written back (or to
        parse), or holding a number written back otherwise (``1e400`` as ``Infinity``), is
        shown as typed."""
        try:
            bound = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        if isinstance(data, str) and _walk(bound, numbers=True):
            return InvalidJSONInput(data)
        return bound

    def prepare_value(self, value: Any) -> Any:
        prepared = super().prepare_value(value)
        return escape_unstorable(prepared) if isinstance(prepared, str) else prepared


class StorableJSONField(models.JSONField):
    """``models.JSONField`` for our apps: validated by ``validate_storable_json`` (a model
    form's ``full_clean``, DRF's model serializers) and edited through
    ``StorableJSONFormField``. Stored exactly as ``models.JSONField``; no database change."""

    default_validators = [validate_storable_json]

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": StorableJSONFormField, **kwargs})
