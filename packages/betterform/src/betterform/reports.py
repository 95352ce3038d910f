"""The "Quotes summary" report: quotes created in a date range, by month and by form.

It fills createpdf's generic ``report`` template (title, subtitle, generated_at, sections of
an optional chart and a table). Amounts in different currencies are never added together:
each currency gets its own sections, or one currency is chosen with ``currency``.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from rest_framework import serializers

from betterform.documents import format_money
from betterform.models import Quote
from betterform.pricing import round_money
from createpdf.registry import Report
from createpdf.reports import DateRangeParameters

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
NO_FORM = "No form"


class QuotesSummaryParameters(DateRangeParameters):
    currency = serializers.CharField(
        required=False,
        min_length=3,
        max_length=3,
        help_text="Only quotes in this ISO 4217 currency; by default every currency, apart.",
    )

    def validate_currency(self, value: str) -> str:
        code = value.upper()
        if not _CURRENCY_CODE.fullmatch(code):
            raise serializers.ValidationError("Use a three-letter ISO 4217 code such as 'EUR'.")
        return code


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from ``first``'s to ``last``'s, so empty months show."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_label(month: datetime.date) -> str:
    return f"{month:%b %Y}"


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period(params: dict[str, Any]) -> QuerySet[Quote]:
    start = datetime.datetime.combine(params["date_from"], datetime.time.min)
    end = datetime.datetime.combine(
        params["date_to"] + datetime.timedelta(days=1), datetime.time.min
    )
    quotes = Quote.objects.filter(
        created_at__gte=timezone.make_aware(start), created_at__lt=timezone.make_aware(end)
    )
    if params.get("currency"):
        quotes = quotes.filter(currency=params["currency"])
    return quotes


def _month_section(currency: str, rows: list[dict[str, Any]], months: list) -> dict[str, Any]:
    by_month = {row["month"]: row for row in rows}
    counts = [by_month[m]["count"] if m in by_month else 0 for m in months]
    totals = [by_month[m]["total"] if m in by_month else Decimal("0.00") for m in months]
    labels = [_month_label(month) for month in months]
    return {
        "title": f"By month ({currency})",
        "chart": {
            "kind": "bar",
            "title": f"Quoted per month ({currency})",
            "labels": labels,
            "series": {f"Total ({currency})": [str(total) for total in totals]},
        },
        "table": {
            "columns": ["Month", "Quotes", f"Total ({currency})"],
            "rows": [
                [label, count, format_money(total)]
                for label, count, total in zip(labels, counts, totals, strict=True)
                if count
            ],
        },
    }


def _form_section(currency: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = sorted(rows, key=lambda row: (-row["total"], row["label"]))
    return {
        "title": f"By form ({currency})",
        "chart": {
            "kind": "pie",
            "title": f"Quoted per form ({currency})",
            "slices": {row["label"]: str(row["total"]) for row in rows if row["total"] > 0},
        }
        if any(row["total"] > 0 for row in rows)
        else None,
        "table": {
            "columns": ["Form", "Quotes", f"Total ({currency})"],
            "rows": [[row["label"], row["count"], format_money(row["total"])] for row in rows],
        },
    }


def _form_labels(rows: list[dict[str, Any]]) -> None:
    """Name each form; two forms with one name are told apart by id."""
    names: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["form_id"] is not None:
            names[row["form__name"]].add(row["form_id"])
    for row in rows:
        name = row["form__name"]
        if row["form_id"] is None:
            row["label"] = NO_FORM
        else:
            row["label"] = f"{name} (#{row['form_id']})" if len(names[name]) > 1 else name


def _summed(rows: Any) -> list[dict[str, Any]]:
    """Rows of ``count`` and ``total``; SQLite's SUM drops trailing zeros, so cents are
    restored here (``700`` -> ``700.00``)."""
    return [{**row, "total": round_money(row["total"] or Decimal(0))} for row in rows]


def quotes_summary_context(params: dict[str, Any], requested_by: Any) -> dict[str, Any]:
    quotes = _period(params)
    totals = {"count": Count("id"), "total": Sum("total")}
    overview = _summed(quotes.values("currency").annotate(**totals).order_by("currency"))
    monthly = _summed(
        quotes.annotate(month=TruncMonth("created_at"))
        .values("currency", "month")
        .annotate(**totals)
        .order_by("month")
    )
    per_form = _summed(quotes.values("currency", "form_id", "form__name").annotate(**totals))
    _form_labels(per_form)
    months = _months(params["date_from"], params["date_to"])
    sections: list[dict[str, Any]] = [
        {
            "title": "Overview",
            "chart": None,
            "table": {
                "columns": ["Currency", "Quotes", "Total"],
                "rows": [
                    [row["currency"], row["count"], format_money(row["total"])] for row in overview
                ],
            },
        }
    ]
    for currency in [row["currency"] for row in overview]:
        month_rows = [
            {**row, "month": _as_date(row["month"])}
            for row in monthly
            if row["currency"] == currency
        ]
        sections.append(_month_section(currency, month_rows, months))
        sections.append(_form_section(currency, [r for r in per_form if r["currency"] == currency]))
    currency_note = f", {params['currency']} only" if params.get("currency") else ""
    return {
        "title": "Quotes summary",
        "subtitle": f"Quotes created {params['date_from']:%d %B %Y} to "
        f"{params['date_to']:%d %B %Y}{currency_note}",
        "generated_at": timezone.now().strftime("%Y-%m-%d %H:%M %Z"),
        "sections": sections,
    }


def _as_date(month: datetime.datetime | datetime.date) -> datetime.date:
    """TruncMonth gives an aware datetime in the current time zone; keep its calendar day."""
    if isinstance(month, datetime.datetime):
        return timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
    return month


QUOTES_SUMMARY = Report(
    name="quotes-summary",
    title="Quotes summary",
    description=(
        "Quotes created in a date range: counts and totals by month and by form, "
        "per currency (or for one currency)."
    ),
    parameters=QuotesSummaryParameters,
    build_context=quotes_summary_context,
)
