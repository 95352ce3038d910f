"""Filters of the staff API's event list."""

from __future__ import annotations

import django_filters

from createpdf.filtering import FilterSet
from monday_integration.models import WebhookEvent

SHOWN_STATUSES = [*WebhookEvent.Status.choices, (WebhookEvent.STALLED, "Stalled")]


class WebhookEventFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=SHOWN_STATUSES,
        method="filter_status",
        help_text=(
            "processing: a live worker holds the event now; stalled: it was processing and "
            "its worker stopped renewing the lease (replay it, or wait for the take-over); "
            "refused: answered 401 for its signature (unsigned where signed deliveries are "
            "required, or a JWT that does not verify) and not accepted since."
        ),
    )

    class Meta:
        model = WebhookEvent
        fields = ["status", "mapping", "item_id", "event_type"]

    def filter_status(self, queryset, name: str, value: str):
        return queryset.with_status(value)
