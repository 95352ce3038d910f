"""The numbers on the admin's front page, in three queries: quotes created this month (count,
and value per currency), webhook events that failed or stalled, and worker health. Each
number comes with the admin URL of the list it counts, filtered the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from betterform.models import Quote
from betterform_site.models import WorkerHeartbeat
from betterform_site.workers import WorkerStatus, worker_status
from createpdf import leases
from monday_integration.models import WebhookEvent

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Dashboard:
    month_start: date
    quotes: int
    quote_values: list[tuple[str, Decimal]]  # (currency, sum of totals), by currency
    quotes_url: str
    failed_events: int
    failed_url: str
    stalled_events: int
    stalled_url: str
    workers: WorkerStatus
    workers_url: str


def _changelist(model: type, **params: str) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def build_dashboard(now: datetime | None = None) -> Dashboard:
    """The dashboard at ``now`` (default: this moment). "This month" starts at midnight on the
    1st in the site's time zone, as the quote list's date range filter reads its dates."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    month_start = today.replace(day=1)
    since = timezone.make_aware(datetime.combine(month_start, datetime.min.time()))

    per_currency = (
        Quote.objects.filter(created_at__gte=since)
        .order_by("currency")
        .values_list("currency")
        .annotate(count=Count("pk"), value=Sum("total"))
    )
    quote_values, quotes = [], 0
    for currency, count, value in per_currency:
        # SQLite's SUM drops the scale (150.5): amounts are shown to the cent.
        quote_values.append((currency, Decimal(value or 0).quantize(CENT)))
        quotes += count

    # A "stalled" event is a processing one whose lease ran out (WebhookEventQuerySet.stalled).
    stalled = Q(leases.stalled(now), status=WebhookEvent.Status.PROCESSING)
    events = WebhookEvent.objects.aggregate(
        failed=Count("pk", filter=Q(status=WebhookEvent.Status.FAILED)),
        stalled=Count("pk", filter=stalled),
    )

    return Dashboard(
        month_start=month_start,
        quotes=quotes,
        quote_values=quote_values,
        quotes_url=_changelist(
            Quote,
            created_at__range__gte=month_start.isoformat(),
            created_at__range__lte=today.isoformat(),
        ),
        failed_events=events["failed"],
        failed_url=_changelist(WebhookEvent, status__exact=WebhookEvent.Status.FAILED),
        stalled_events=events["stalled"],
        stalled_url=_changelist(WebhookEvent, status=WebhookEvent.STALLED),
        workers=worker_status(now),
        workers_url=_changelist(WorkerHeartbeat),
    )
