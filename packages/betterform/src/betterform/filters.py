"""Query-string filters for the API's lists (django-filter), one ``FilterSet`` per resource.

Search (``?search=``) and ordering (``?ordering=``) are set on the viewsets; these classes
hold the exact-match and range filters. Related objects are filtered by id or username
without loading them, so a filter never reveals whether someone else's object exists.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField

from betterform.models import Form, Submission
from createpdf.filtering import FilterSet


def to_utc(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in UTC: Python reads offsets up to ±23:59, PostgreSQL only ±15:59."""
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise forms.ValidationError("Enter a valid date/time.", code="invalid") from None


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        return None if parsed is None else to_utc(parsed)


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class CaseInsensitiveFilter(filters.CharFilter):
    """``lower(column) = lower(value)``: the same rows as ``iexact``, found through an index
    on ``Lower(column)`` (``iexact`` is ``UPPER(column) = UPPER(value)`` on PostgreSQL and a
    ``LIKE`` on SQLite, which no index serves)."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(Exact(Lower(self.field_name), Lower(Value(value))))


class FormFilter(FilterSet):
    owner = filters.CharFilter(
        field_name="owner__username", help_text="The owner's username (exact)."
    )

    class Meta:
        model = Form
        fields = ["published", "owner"]


class SubmissionFilter(FilterSet):
    form = filters.NumberFilter(field_name="form_id", help_text="The form's id.")
    created_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive."
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive."
    )
    customer_email = CaseInsensitiveFilter(
        field_name="customer_email", lookup_expr="iexact", help_text="Case-insensitive."
    )

    class Meta:
        model = Submission
        fields = ["form", "status", "source", "external_reference", "customer_email"]
