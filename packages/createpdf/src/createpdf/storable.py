"""Text every database can store: no NUL character and no lone surrogate.

JSON can carry two kinds of character that no UTF-8 database column takes:

- NUL (``\\u0000``): PostgreSQL's ``text`` and ``jsonb`` refuse it (SQLite stores it);
- a lone surrogate (``\\ud800`` to ``\\udfff`` not in a pair, RFC 8259 section 8.2 allows
  them in JSON text): it has no UTF-8 encoding, so PostgreSQL's ``jsonb`` refuses it and
  Python's ``sqlite3`` cannot even send it. A pair (``\\ud83d\\ude00``) is decoded into one
  character by ``json.loads`` and is fine.

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

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

NUL = "\x00"
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def find_unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """``(where, what)`` for the first string or key in JSON ``value`` holding a character no
    database stores: where as a path (``answers.notes``, ``lines[2].description``, the key
    itself with the character escaped), what as ``unstorable_character`` says it; or None."""
    if isinstance(value, str):
        what = unstorable_character(value)
        return (path or "(the value)", what) if what else None
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            here = f"{path}.{_shown(key)}" if path else _shown(key)
            what = unstorable_character(key)
            if what:
                return here, what
            found = find_unstorable(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_unstorable(item, f"{path}[{index}]")
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


def make_storable(value: Any) -> Any:
    """``value`` (JSON: dicts, lists, strings, numbers) with NUL removed from every string and
    key, and each lone surrogate replaced by U+FFFD: for data that must be kept (a delivery
    from monday) rather than refused."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value) is None:
            return value
        return _SURROGATE.sub(REPLACEMENT, value.replace(NUL, ""))
    if isinstance(value, dict):
        return {make_storable(key): make_storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [make_storable(item) for item in value]
    return value


def escape_unstorable(json_text: str) -> str:
    """JSON text with each NUL and lone surrogate written as its ``\\uXXXX`` escape: the same
    JSON value, and text a page can be encoded with (they only occur inside JSON strings)."""
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


class StorableJSONFormField(forms.JSONField):
    """``forms.JSONField`` refusing what no database stores (``validate_storable_json``) and
    redisplaying it escaped (``escape_unstorable``)."""

    default_validators = [validate_storable_json]

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
