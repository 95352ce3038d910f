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
import operator
import re
import weakref
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from functools import reduce
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator
from django.db import connections, models
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast, StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django_filters.fields import BaseCSVField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import get_model_field, translate_validation
from rest_framework import filters as drf_filters
from rest_framework import serializers

from createpdf.search_terms import short_terms_message, unsearchable_terms

EARLIEST = datetime.date(2, 1, 1)
LATEST = datetime.date(9998, 12, 31)
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 10


# A search matching at most this many rows is answered by their ids (see matches_first).
SEARCH_FEW_MATCHES = 500

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


def _asked(filterset_class: type[django_filters.FilterSet], params: Any) -> bool:
    """Whether the query string may give ``filterset_class`` a value: a parameter named after
    one of its filters (or its widgets' ``<name>_<suffix>``), or a required filter."""
    names = _filter_names.get(filterset_class, ())
    if names == ():
        filters = filterset_class.base_filters
        required = any(filter_.extra.get("required") for filter_ in filters.values())
        names = _filter_names[filterset_class] = None if required else tuple(filters) or None
    return names is None or any(key.startswith(names) for key in params)


# Per filterset class (weakly: ``filterset_fields`` makes a class per request): its filters'
# names, or None (a required filter, or none at all) to always build the filterset.
_filter_names: weakref.WeakKeyDictionary[type, tuple[str, ...] | None] = weakref.WeakKeyDictionary()


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend on :class:`FilterSet`; a plain filterset is guarded too.

    A list asked for without any of its filters' parameters is the queryset as it is, without
    building the filterset (its form, fields and validation: a tenth of a list request,
    ``benchmarks/bench_profile.py``): every filter leaves the rows alone on an empty value
    (django-filter's ``Filter.filter`` and ours; ``test_filtering_unasked.py`` checks each
    app's filtersets), and a filterset with a required filter is always built."""

    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        """``DjangoFilterBackend.filter_queryset``, the filterset class looked up once."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not _asked(filterset_class, request.query_params):
            return queryset
        filterset = filterset_class(**self.get_filterset_kwargs(request, queryset, view))
        guard(filterset)
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            guard(filterset)
        return filterset


def contains(lookup: str, term: str, vendor: str) -> models.Q:
    """``Q(<lookup>=term)``; on PostgreSQL, an ``icontains`` of an email-looking term is
    ``icontains`` of its part up to the ``@`` (what the trigram index looks up) and
    ``STRPOS(UPPER(column), UPPER(term)) > 0`` (checked on the rows found): the same rows.

    A trigram index finds a ``LIKE`` by reading the rows of every trigram of the term; the
    trigrams of a domain (``example.com``) are in most rows of an email column, so looking up a
    whole address reads most of the index (12 ms at 100,000 rows, against 1 ms for
    ``meyer.55000@``)."""
    path, _, name = lookup.rpartition(LOOKUP_SEP)
    local, at, domain = term.partition("@")
    if vendor != "postgresql" or name != "icontains" or not at or not domain or len(local) < 2:
        return models.Q(**{lookup: term})
    text = Cast(path, models.TextField())  # as icontains reads any column: its text
    whole = GreaterThan(StrIndex(Upper(text), Upper(models.Value(term))), 0)
    return models.Q(**{lookup: local + at}) & models.Q(whole)


def matches_first(
    queryset: models.QuerySet, searched: models.QuerySet, few: int = SEARCH_FEW_MATCHES
) -> models.QuerySet:
    """``searched`` (``queryset`` narrowed by a search), found through the search's own
    indexes first when it matches few rows.

    A list's page is ``ORDER BY <its ordering> LIMIT n``. The planner cannot tell how many rows
    a ``LIKE '%term%'`` matches and guesses a handful spread over the table, so it walks the
    ordering's index and filters each row: when the term is rare that walk reads the whole
    table (a quote number or an email among 100,000 rows: 100 ms). So the matching ids are read
    first with no order (on PostgreSQL through the trigram indexes, a bitmap scan), at most
    ``few + 1`` of them: when there are no more than ``few``, the list is those ids (primary key
    lookups, then a sort of a few rows); otherwise the term is common, the walk finds a page
    quickly and ``searched`` is answered as it is (as it is when nothing matches: its count
    finds nothing as fast). The same rows either way."""
    ids = list(searched.order_by().values_list("pk", flat=True)[: few + 1])
    if not ids or len(ids) > few:
        return searched  # none (its count finds none as fast), or a common term
    return queryset.filter(pk__in=ids)


class SearchFilter(drf_filters.SearchFilter):
    """``?search=``: at most 200 characters and 10 words, each with 3 letters or digits in a
    row (``SEARCH_MIN_RUN``), no NUL; otherwise a 400 naming it.
    A search matching few rows is answered through their ids (:func:`matches_first`)."""

    def filter_queryset(self, request, queryset, view):
        searched = self._search(request, queryset, view)
        if searched is queryset or not isinstance(searched, models.QuerySet):
            return searched  # no search terms
        return matches_first(queryset, searched)

    def _search(self, request, queryset, view):
        """DRF's search, each term's condition built by :func:`contains`."""
        search_fields = self.get_search_fields(view, request)
        terms = self.get_search_terms(request)
        if not search_fields or not terms or not isinstance(queryset, models.QuerySet):
            return super().filter_queryset(request, queryset, view)
        vendor = connections[queryset.db].vendor
        lookups = [self.construct_search(str(field), queryset) for field in search_fields]
        conditions = (
            reduce(operator.or_, (contains(lookup, term, vendor) for lookup in lookups))
            for term in terms
        )
        searched = queryset.filter(reduce(operator.and_, conditions))
        if self.must_call_distinct(searched, search_fields):  # as DRF does
            searched = queryset.filter(models.Exists(searched.filter(pk=models.OuterRef("pk"))))
        return searched

    def get_search_terms(self, request) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            message = "Null characters are not allowed."
        elif len(value) > SEARCH_MAX_LENGTH:
            message = f"Enter at most {SEARCH_MAX_LENGTH} characters."
        else:
            terms = super().get_search_terms(request)
            short = unsearchable_terms(terms)
            if len(terms) > SEARCH_MAX_TERMS:
                message = f"Enter at most {SEARCH_MAX_TERMS} words."
            elif short:
                message = short_terms_message(short)
            else:
                return terms
        raise serializers.ValidationError({self.search_param: [message]})
