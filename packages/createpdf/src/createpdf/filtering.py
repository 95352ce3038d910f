"""Query-string filters that answer 400, never 500: each value is checked against its column.

Every app's ``FilterSet`` derives from :class:`FilterSet` here, and the API's lists use
:class:`FilterBackend` (which also guards a plain django-filter ``FilterSet`` and builds the
``filterset_fields`` shortcut on this base) and :class:`SearchFilter`. Before a filter's own
parsing, and before it can reach the database, a value is refused with a 400 naming the
parameter when it

- holds a NUL character (PostgreSQL cannot take one);
- is longer than the column (``max_length``);
- is not a whole number in the column's range, for an integer column or a relation to one
  (the range of the database in use: SQLite's 64 bits, PostgreSQL's integer or bigint):
  no fractions, exponents or NaN, so ``?form=1.5`` is not read as form 1;
- is not a finite number that fits a decimal column's digits;
- is a date or a date and time outside the years 2 to 9998, so a day or a time-zone offset
  added either way still fits (Python's dates end at year 9999).

A value the filter's own field cannot read as a date or number overflows nowhere either:
an ``OverflowError`` while parsing is a 400 too. createpdf holds this because every other
app depends on it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator
from django.db import connections, models
from django_filters.fields import BaseCSVField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import get_model_field
from rest_framework import filters as drf_filters
from rest_framework import serializers

EARLIEST = datetime.date(2, 1, 1)
LATEST = datetime.date(9998, 12, 31)
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 10

# At most 20 significant digits: more is past 64 bits, and too long for int() to read.
_WHOLE_NUMBER = re.compile(r"\s*[+-]?0*[0-9]{1,20}\s*\Z")
# Lookups that compare the column's own value; a transform (__year, __date, ...) or
# __isnull compares something else, so the column's bounds do not apply to it.
_COLUMN_LOOKUPS = {
    "exact",
    "iexact",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "range",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
}


def _column(model: type[models.Model], filter_: django_filters.Filter) -> models.Field | None:
    """The column a filter compares with (a relation's target), or None when it is not one."""
    if filter_.lookup_expr not in _COLUMN_LOOKUPS or not filter_.field_name:
        return None
    try:
        field = get_model_field(model, filter_.field_name)
    except FieldDoesNotExist:
        return None
    while field is not None and field.is_relation:
        field = getattr(field, "target_field", None)
    return field if isinstance(field, models.Field) else None


def _raw_items(field: forms.Field, value: Any) -> Iterator[str]:
    """The strings a form field is given: one, several (repeated or comma-separated)."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _raw_items(field, item)
    elif isinstance(value, str):
        yield from value.split(",") if isinstance(field, BaseCSVField) else (value,)


def _cleaned_items(value: Any) -> Iterator[Any]:
    if isinstance(value, slice):
        yield from (value.start, value.stop)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _cleaned_items(item)
    else:
        yield value


def _check_raw(text: str, column: models.Field | None, db: str) -> None:
    if "\x00" in text:
        raise ValidationError("Null characters are not allowed.", code="null_characters")
    if column is None or not text.strip():
        return
    max_length = getattr(column, "max_length", None)
    if isinstance(column, models.CharField | models.TextField) and max_length:
        if len(text) > max_length:
            raise ValidationError(
                f"Enter at most {max_length} characters (this has {len(text)}).",
                code="max_length",
            )
    elif isinstance(column, models.IntegerField):
        low, high = connections[db].ops.integer_field_range(column.get_internal_type())
        if not _WHOLE_NUMBER.match(text) or not (
            (low is None or int(text) >= low) and (high is None or int(text) <= high)
        ):
            raise ValidationError(
                f"Enter a whole number from {low} to {high}.", code="invalid_integer"
            )
    elif isinstance(column, models.DecimalField):
        message = (
            f"Enter a number with at most {column.max_digits} digits, "
            f"{column.decimal_places} of them after the decimal point."
        )
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            return  # not a number at all: the filter's own field says so
        if not number.is_finite():
            raise ValidationError(message, code="invalid_decimal")
        try:
            DecimalValidator(column.max_digits, column.decimal_places)(number)
        except ValidationError:
            raise ValidationError(message, code="invalid_decimal") from None
    elif isinstance(column, models.FloatField):
        try:
            number = float(text)
        except ValueError:
            return
        if number != number or number in (float("inf"), float("-inf")):
            raise ValidationError("Enter a finite number.", code="invalid_float")


def _check_cleaned(value: Any) -> None:
    for item in _cleaned_items(value):
        if isinstance(item, datetime.date) and not EARLIEST.year <= item.year <= LATEST.year:
            raise ValidationError(
                f"Enter a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}.",
                code="date_out_of_range",
            )
        if isinstance(item, Decimal | float) and not Decimal(item).is_finite():
            raise ValidationError("Enter a finite number.", code="invalid_number")


def _guarded(clean: Callable[[Any], Any], field: forms.Field, column, db: str):
    def guarded_clean(value: Any) -> Any:
        for text in _raw_items(field, value):
            _check_raw(text, column, db)
        try:
            cleaned = clean(value)
        except OverflowError:
            raise ValidationError("Enter a value in range.", code="overflow") from None
        _check_cleaned(cleaned)
        return cleaned

    guarded_clean.guarded = True  # type: ignore[attr-defined]
    return guarded_clean


def guard(filterset: django_filters.FilterSet) -> None:
    """Check every field of the filterset's form against its column before it is parsed."""
    form = filterset.form
    model = filterset.queryset.model
    db = filterset.queryset.db
    for name, field in form.fields.items():
        if getattr(field.clean, "guarded", False):
            continue
        filter_ = filterset.filters.get(name)
        column = _column(model, filter_) if filter_ is not None else None
        field.clean = _guarded(field.clean, field, column, db)


class FilterSet(django_filters.FilterSet):
    """The base of every filterset: values out of their column's range are a 400, not a 500."""

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            self._form = super().form
            guard(self)
        return self._form


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend on :class:`FilterSet`; a plain filterset is guarded too."""

    filterset_base = FilterSet

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            guard(filterset)
        return filterset


class SearchFilter(drf_filters.SearchFilter):
    """``?search=``: at most 200 characters and 10 words, no NUL; otherwise a 400 naming it."""

    def get_search_terms(self, request) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            message = "Null characters are not allowed."
        elif len(value) > SEARCH_MAX_LENGTH:
            message = f"Enter at most {SEARCH_MAX_LENGTH} characters."
        else:
            terms = super().get_search_terms(request)
            if len(terms) <= SEARCH_MAX_TERMS:
                return terms
            message = f"Enter at most {SEARCH_MAX_TERMS} words."
        raise serializers.ValidationError({self.search_param: [message]})
