"""Query-string filters for the quotes list (django-filter).

Search (``?search=``) and ordering (``?ordering=``) are set on the viewset. The form and the
submission are filtered by id without loading them, so a filter never reveals whether someone
else's object exists.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field

from betterform.filters import to_utc
from betterform.models import Quote
from createpdf.filtering import FilterSet


class DateOrDateTimeField(forms.Field):
    """``2026-01-31`` (a whole day) or an ISO 8601 date and time; naive times are local."""

    default_error_messages = {
        "invalid": "Enter a date (YYYY-MM-DD) or an ISO 8601 date and time.",
    }

    def to_python(self, value: Any) -> datetime.date | datetime.datetime | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            # A date first: Python's fromisoformat would read "2026-01-31" as midnight.
            parsed: datetime.date | None = parse_date(text) or parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(parsed, datetime.datetime):
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)
            parsed = to_utc(parsed)
        return parsed


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class CreatedBoundFilter(filters.Filter):
    """A bound on ``created_at`` from a date or a date and time. Dates become time bounds
    (start of the day, local time), so the ``created_at`` index is used."""

    field_class = DateOrDateTimeField
    before = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(field_name="created_at", **kwargs)

    def filter(self, qs: QuerySet, value: datetime.date | datetime.datetime | None) -> QuerySet:
        if value is None:
            return qs
        if not isinstance(value, datetime.datetime):
            value = _start_of(value + datetime.timedelta(days=1) if self.before else value)
        lookup = "lt" if self.before else "gte"
        return qs.filter(**{f"{self.field_name}__{lookup}": value})


# anyOf, not oneOf: both branches are strings, and where formats are not checked (they are
# annotations in JSON Schema) a date matches both, which oneOf refuses.
_DATE_OR_DATETIME = [
    {"type": "string", "format": "date"},
    {"type": "string", "format": "date-time"},
]


@extend_schema_field(
    {
        "anyOf": _DATE_OR_DATETIME,
        "description": "Created on or after: a date (from the start of that day, local time) "
        "or an ISO 8601 date and time (inclusive).",
    }
)
class CreatedAfterFilter(CreatedBoundFilter):
    before = False


@extend_schema_field(
    {
        "anyOf": _DATE_OR_DATETIME,
        "description": "Created before: a date (up to the end of that day, local time) or an "
        "ISO 8601 date and time (exclusive, as on submissions).",
    }
)
class CreatedBeforeFilter(CreatedBoundFilter):
    before = True


@extend_schema_field({"type": "integer", "description": "An id (exact)."})
class IdFilter(filters.NumberFilter):
    """An id: whole numbers only, compared without loading the related object."""

    field_class = forms.IntegerField


class QuoteFilter(FilterSet):
    # distinct=False: the filter joins nothing, so no row comes twice; django-filter's default
    # DISTINCT compares whole rows.
    status = filters.MultipleChoiceFilter(
        choices=Quote.Status.choices,
        distinct=False,
        help_text="One or more statuses (repeat the parameter).",
    )
    form = IdFilter(field_name="form_id")
    submission = IdFilter(field_name="submission_id")
    number = filters.CharFilter(field_name="number", help_text="The quote number (exact).")
    total_min = filters.NumberFilter(
        field_name="total", lookup_expr="gte", help_text="Total at least this (inclusive)."
    )
    total_max = filters.NumberFilter(
        field_name="total", lookup_expr="lte", help_text="Total at most this (inclusive)."
    )
    created_after = CreatedAfterFilter()
    created_before = CreatedBeforeFilter()
    valid_until = filters.DateFromToRangeFilter(
        help_text="valid_until_after / valid_until_before: dates, both inclusive."
    )

    class Meta:
        model = Quote
        fields = ["status", "form", "submission", "number"]
