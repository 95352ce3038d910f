"""Fitting values taken from outside (monday, API callers, customers) to the model field that
stores them, before they are written, so SQLite (which stores anything) and PostgreSQL (which
refuses what does not fit) behave the same.

Two rules, both reading the limit from the model field itself, never from a copied number:

- ``fit_text``: display text (names, titles, descriptions, units) is shortened to the field's
  ``max_length``, ending in ``…`` when it was cut.
- ``check_fits``: a value whose meaning would change if it were shortened or rounded (an
  e-mail address, a phone number, an id, an amount) is returned unchanged when it fits, or
  refused with ``DoesNotFit``, whose message names the value's origin and the limit.

This module lives in createpdf, the app every other one already depends on, so betterform and
monday_integration use the same two functions without a new dependency.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import models

ELLIPSIS = "…"
V = TypeVar("V")


class DoesNotFit(ValueError):
    """A value cannot be stored without changing its meaning; the message says which value
    (its origin, as the caller named it) and what the field holds at most."""


def max_length(model: type[models.Model], field_name: str) -> int | None:
    """The ``max_length`` of ``model.field_name`` (``None`` for a field without one, such as
    a ``TextField``). Raises ``FieldDoesNotExist`` for an unknown field."""
    return model._meta.get_field(field_name).max_length


def shorten(text: str, limit: int | None) -> str:
    """``text`` cut to at most ``limit`` characters, the last being ``…`` when it was cut
    (trailing spaces before the ``…`` are dropped); unchanged when it fits or ``limit`` is
    ``None``."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def fit_text(model: type[models.Model], field_name: str, value: str) -> str:
    """Display text for ``model.field_name``: shortened with ``…`` to the field's
    ``max_length`` (see ``shorten``). Never raises for a long value."""
    return shorten(value, max_length(model, field_name))


def check_fits(model: type[models.Model], field_name: str, value: V, *, source: str) -> V:
    """``value`` unchanged if ``model.field_name`` stores it exactly, else ``DoesNotFit``.

    A string must not be longer than the field's ``max_length``. A number for a
    ``DecimalField`` (a ``Decimal``, an ``int``, a ``float`` or a numeric string) must be
    finite, have at most ``max_digits - decimal_places`` digits before the point and at most
    ``decimal_places`` after it (nothing is rounded). Anything else (``None``, a string that is
    not a number) is returned unchecked, for the field's own validation. ``source`` names
    where the value came from (``"monday column 'email' (Email)"``) for the message.
    """
    field = model._meta.get_field(field_name)
    where = f"{model._meta.object_name}.{field_name}"
    number = _as_decimal(value) if isinstance(field, models.DecimalField) else None
    if number is not None:
        _check_decimal(field, number, source, where)
    elif isinstance(value, str) and field.max_length is not None and len(value) > field.max_length:
        raise DoesNotFit(
            f"{source} is {len(value)} characters long; at most {field.max_length} fit "
            f"({where}), and it cannot be shortened without changing its meaning"
        )
    return value


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)  # exact, however long (str() refuses over 4300 digits)
    if isinstance(value, float | str):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return None
    return None


def _check_decimal(field: models.DecimalField, value: Decimal, source: str, where: str) -> None:
    """Checked from the digits and the exponent alone: no arithmetic, so no value (not even
    ``1E+99999999``, beyond what the decimal context holds) raises ``decimal.Overflow`` or
    ``InvalidOperation`` here instead of ``DoesNotFit``."""
    places, whole = field.decimal_places, field.max_digits - field.decimal_places
    limit = f"at most {whole} digits before the point and {places} after ({where})"
    if not value.is_finite():
        raise DoesNotFit(f"{source} is {value}, not a finite number; {limit}")
    if value.is_zero():
        return
    digits = value.adjusted() + 1  # before the point; 0 or less for a value below 1
    if digits > whole:
        raise DoesNotFit(f"{source} has {digits} digits before the point; {limit}")
    coefficient, exponent = value.as_tuple()[1:]
    shown_digits = "".join(map(str, coefficient))  # "1500" for 1.500 (1500E-3)
    trailing_zeros = len(shown_digits) - len(shown_digits.rstrip("0"))
    if exponent + trailing_zeros < -places:  # type: ignore[operator]
        shown = shorten(str(value), 40)
        raise DoesNotFit(f"{source} is {shown}, which has too many decimal places; {limit}")
