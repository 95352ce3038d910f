"""createpdf's own report: documents rendered in a period, by month and by template."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from rest_framework import serializers

from createpdf.models import Document
from createpdf.registry import Report


class DateRangeParameters(serializers.Serializer):
    date_from = serializers.DateField(help_text="First day included.")
    date_to = serializers.DateField(help_text="Last day included.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": "must be on or after date_from."})
        if (attrs["date_to"] - attrs["date_from"]).days > 3660:
            raise serializers.ValidationError({"date_to": "a report covers at most ten years."})
        return attrs


def documents_activity_context(params: dict[str, Any], requested_by: Any) -> dict[str, Any]:
    period = Document.objects.filter(
        created_at__date__gte=params["date_from"], created_at__date__lte=params["date_to"]
    )
    by_month = list(
        period.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("month")
    )
    by_template = list(
        period.values("template_slug")
        .annotate(count=Count("id"))
        .order_by("-count", "template_slug")
    )
    by_status = {
        row["status"]: row["count"] for row in period.values("status").annotate(count=Count("id"))
    }
    months = [row["month"].strftime("%Y-%m") for row in by_month]
    return {
        "title": "Documents activity",
        "subtitle": f"{params['date_from']:%d %B %Y} to {params['date_to']:%d %B %Y}",
        "generated_at": timezone.now().strftime("%Y-%m-%d %H:%M %Z"),
        "sections": [
            {
                "title": "By month",
                "chart": {
                    "kind": "bar",
                    "title": "Documents by month",
                    "labels": months,
                    "series": {"Documents": [row["count"] for row in by_month]},
                },
                "table": {
                    "columns": ["Month", "Documents"],
                    "rows": [
                        [month, row["count"]] for month, row in zip(months, by_month, strict=True)
                    ],
                },
            },
            {
                "title": "By template",
                "chart": {
                    "kind": "pie",
                    "title": "Documents by template",
                    "slices": {row["template_slug"]: row["count"] for row in by_template},
                }
                if by_template
                else None,
                "table": {
                    "columns": ["Template", "Documents"],
                    "rows": [[row["template_slug"], row["count"]] for row in by_template],
                },
            },
            {
                "title": "By status",
                "chart": None,
                "table": {
                    "columns": ["Status", "Documents"],
                    "rows": [[status, count] for status, count in sorted(by_status.items())],
                },
            },
        ],
    }


DOCUMENTS_ACTIVITY = Report(
    name="documents-activity",
    title="Documents activity",
    description="Documents requested in a date range, by month, template and status.",
    parameters=DateRangeParameters,
    build_context=documents_activity_context,
)
