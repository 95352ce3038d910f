"""The bench's URLconf (``benchmarks.http_settings``): the site's URLs plus bare baselines.

Each bare endpoint answers what its subject answers, the plain way, so ``bench_http`` compares
stacks and not answers (it checks the JSON is equal before timing):

- ``bare/quotes/``: a ``ListAPIView`` with plain ``ModelSerializer``s of ``Quote`` and its
  lines (the same fields; the line amounts read from ``QuoteLine.amounts``), DRF's own
  ``PageNumberPagination`` (the site's page shape: ``count``, ``count_is_exact``, ``next``,
  ``previous``, ``results``; ``?page_size=``),
  token authentication, ``IsAuthenticated``, DRF's default throttles, no filter backends;
  a rep gets their own quotes, as on ``/api/quotes/``.
- ``bare/submissions/``: the same for ``Submission`` (``form_version`` by number, the
  customer as one object, the owner by username).
- ``bare/healthz``: a plain Django view running the SQL ``/healthz`` runs (recorded from the
  real view on the first call, so it follows what ``/healthz`` queries) and answering the
  body it recorded.
- ``bare/insert/``: one INSERT (a ``WorkerHeartbeat`` row) behind a plain Django view; the
  baseline of the webhook ingest.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import authentication, generics, pagination, permissions, serializers
from rest_framework.response import Response

from betterform.models import Quote, QuoteLine, Submission
from betterform_site.health import healthz
from betterform_site.models import WorkerHeartbeat
from betterform_site.urls import urlpatterns as site_urlpatterns

AMOUNT = {"read_only": True, "max_digits": 14, "decimal_places": 2}


class BarePagination(pagination.PageNumberPagination):
    """DRF's page numbers, with the site's page shape (``count_is_exact``: always true here,
    the bench's tables are far below the site's counting limit)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_exact": True,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


class BareLineSerializer(serializers.ModelSerializer):
    gross = serializers.DecimalField(source="amounts.gross", **AMOUNT)
    discount = serializers.DecimalField(source="amounts.discount", **AMOUNT)
    tax = serializers.DecimalField(source="amounts.tax", **AMOUNT)
    total = serializers.DecimalField(source="amounts.total", **AMOUNT)

    class Meta:
        model = QuoteLine
        fields = ["id", "description", "quantity", "unit", "unit_price", "tax_rate"]
        fields += ["discount_percent", "gross", "discount", "tax", "total"]


class BareQuoteSerializer(serializers.ModelSerializer):
    lines = BareLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "number", "status", "submission", "form", "title", "customer_name"]
        fields += ["customer_email", "currency", "valid_until", "notes", "subtotal"]
        fields += ["discount_total", "tax_total", "total", "owner", "lines", "created_at"]
        fields += ["updated_at"]


class BareCustomerSerializer(serializers.Serializer):
    name = serializers.CharField(source="customer_name")
    email = serializers.CharField(source="customer_email")
    phone = serializers.CharField(source="customer_phone")
    company = serializers.CharField(source="customer_company")
    address = serializers.CharField(source="customer_address")


class BareSubmissionSerializer(serializers.ModelSerializer):
    form_version = serializers.IntegerField(source="form_version.number")
    customer = BareCustomerSerializer(source="*")
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "form", "form_version", "answers", "customer", "status", "source"]
        fields += ["external_reference", "owner", "created_at", "updated_at"]


class BareList(generics.ListAPIView):
    """A rep's own rows, or every row for staff; the model's default ordering."""

    authentication_classes = [authentication.TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = BarePagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        rows = self.queryset.all()
        return rows if self.request.user.is_staff else rows.filter(owner=self.request.user)


_healthz: dict[str, Any] = {}


def _record_healthz() -> None:
    """The SQL of one real ``/healthz`` call, and its body (recorded once per process)."""
    request = RequestFactory().get("/healthz")
    with CaptureQueriesContext(connection) as captured:
        response = healthz(request)
    _healthz["sql"] = [query["sql"] for query in captured.captured_queries]
    _healthz["body"] = json.loads(response.content)


def bare_healthz(request: HttpRequest) -> HttpResponse:
    if "sql" not in _healthz:
        _record_healthz()
    with connection.cursor() as cursor:
        for sql in _healthz["sql"]:
            cursor.execute(sql)
            cursor.fetchall()
    return JsonResponse(_healthz["body"])


_heartbeats = itertools.count(1)


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    row = WorkerHeartbeat.objects.create(
        worker_id=f"bench-http-{os.getpid()}-{next(_heartbeats)}",
        hostname="bench",
        pid=os.getpid(),
        started_at=now,
        last_seen=now,
    )
    return JsonResponse({"id": row.pk, "bytes": len(request.body)})


quotes = BareList.as_view(
    queryset=Quote.objects.prefetch_related("lines"), serializer_class=BareQuoteSerializer
)
submissions = BareList.as_view(
    queryset=Submission.objects.select_related("owner", "form_version"),
    serializer_class=BareSubmissionSerializer,
)

urlpatterns = [
    path("bare/quotes/", quotes),
    path("bare/submissions/", submissions),
    path("bare/healthz", bare_healthz),
    path("bare/insert/", bare_insert),
    *site_urlpatterns,
]
handler404 = "betterform_site.exceptions.not_found"
