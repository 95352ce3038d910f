import datetime
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from createpdf.filtering import FilterSet
from createpdf.models import Document


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601, converted to UTC: Python reads offsets up to ±23:59, PostgreSQL only ±15:59."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class DocumentFilter(FilterSet):
    template = django_filters.CharFilter(field_name="template_slug")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Document
        fields = ["status", "template", "created_after", "created_before"]
