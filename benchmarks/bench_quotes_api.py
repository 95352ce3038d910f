"""The quotes list API (``GET /api/quotes/``) against a bare DRF ``ModelViewSet`` on the same rows.

The bench creates ``QUOTES`` quotes with 3 to 5 lines each (``services.create_quote``), owned
by a rep of its own who asks with a token. Through Django's test ``Client`` (the site's
middleware, no network):

1. ``/api/quotes/`` (the real viewset: nested lines with computed amounts, filters, search and
   ordering, the rep scoped to their own quotes, pagination) versus a bare ``ModelViewSet``
   serving the same data the plain way: ``ModelSerializer``s of ``Quote`` with its lines
   nested (prefetched in one query, stored columns only), no filter backends, ``AllowAny``,
   the same token authentication, throttling and pagination, mounted in a temporary URLconf
   on the same rows in the same order and the same page size (``PAGE_SIZE``). What the ratio
   shows is what our API adds to bare DRF: computed line amounts, filters, search, ordering,
   owner scoping. Bar: at most ``MAX_RATIO`` times the bare time per request, in interleaved
   rounds. (Against a baseline that leaves the lines out, loading 100 line objects a page
   alone costs more than 1.5x: that compares two different answers, not two stacks.)
2. Queries per list request at ``page_size=10`` and ``page_size=100``: must be equal (no query
   per quote or per line). The run fails when they differ.

SQLite by default (``python -m benchmarks`` makes a temporary file database). On PostgreSQL::

    createdb -h 127.0.0.1 -U postgres betterform_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/betterform_bench \\
        python -m benchmarks -k quotes_api

On a kept database the bench works as a user of its own and deletes that user, its token and
its quotes afterwards.
"""

from __future__ import annotations

import types
import uuid
from decimal import Decimal
from typing import Any

from benchmarks.harness import Comparison, Figure, compare

QUOTES = 200
PAGE_SIZE = 25
MAX_RATIO = 1.5
CALLS = 40  # requests a round; 2 x CALLS x ROUNDS stays far below the user throttle (3000/min)
ROUNDS = 7
QUERY_PAGE_SIZES = (10, 100)


def run() -> list[Comparison | Figure]:
    from django.test import override_settings

    bench = QuotesApiBench()
    try:
        bench.create_quotes()
        with override_settings(ROOT_URLCONF=bench.urlconf()):
            return bench.results()
    finally:
        bench.cleanup()


class QuotesApiBench:
    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from rest_framework.authtoken.models import Token

        tag = uuid.uuid4().hex[:12]
        self.user = get_user_model().objects.create_user(
            username=f"bench-quotes-{tag}", email=f"bench-quotes-{tag}@example.com"
        )
        token = Token.objects.create(user=self.user)
        self.client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def create_quotes(self) -> None:
        from betterform import services

        for index in range(QUOTES):
            services.create_quote(
                owner=self.user,
                title=f"Bench quote {index}",
                customer_name=f"Customer {index}",
                customer_email=f"customer{index}@example.com",
                notes="Prices valid for the period stated.",
                lines=[
                    {
                        "description": f"Item {line} of quote {index}",
                        "quantity": Decimal(line + 1) + Decimal("0.125"),
                        "unit": "m2",
                        "unit_price": Decimal("19.99") * (line + 1),
                        "tax_rate": Decimal("21.00"),
                        "discount_percent": Decimal("5.00") if line % 2 else Decimal(0),
                    }
                    for line in range(3 + index % 3)  # 3, 4 or 5 lines
                ],
            )

    # -- what is measured ------------------------------------------------------------------

    def urlconf(self) -> types.ModuleType:
        from django.urls import include, path
        from rest_framework import permissions, serializers, viewsets
        from rest_framework.routers import SimpleRouter

        import betterform_site.urls
        from betterform.models import Quote, QuoteLine

        class BareLineSerializer(serializers.ModelSerializer):
            class Meta:
                model = QuoteLine
                fields = "__all__"

        class BareQuoteSerializer(serializers.ModelSerializer):
            lines = BareLineSerializer(many=True, read_only=True)

            class Meta:
                model = Quote
                fields = "__all__"

        class BareQuoteViewSet(viewsets.ModelViewSet):
            serializer_class = BareQuoteSerializer
            permission_classes = [permissions.AllowAny]
            filter_backends: list[type] = []
            # The rows the rep sees on /api/quotes/, in its default order.
            queryset = (
                Quote.objects.filter(owner=self.user)
                .prefetch_related("lines")
                .order_by("-created_at", "-id")
            )

        router = SimpleRouter()
        router.register("quotes", BareQuoteViewSet, basename="bare-quote")
        urlconf = types.ModuleType("bench_quotes_api_urls")
        urlconf.urlpatterns = [
            path("bare/", include(router.urls)),
            *betterform_site.urls.urlpatterns,
        ]
        return urlconf

    def get(self, path: str) -> dict[str, Any]:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:500])
        return response.json()

    # -- the rows --------------------------------------------------------------------------

    def results(self) -> list[Comparison | Figure]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        subject_url = f"/api/quotes/?page_size={PAGE_SIZE}"
        baseline_url = f"/bare/quotes/?page_size={PAGE_SIZE}"
        subject, baseline = self.get(subject_url), self.get(baseline_url)
        assert subject["count"] == baseline["count"] == QUOTES, (subject["count"], QUOTES)
        assert [q["id"] for q in subject["results"]] == [q["id"] for q in baseline["results"]]
        assert len(subject["results"]) == PAGE_SIZE
        assert all(3 <= len(quote["lines"]) <= 5 for quote in subject["results"])

        comparison = compare(
            f"GET /api/quotes/ (rep, token, {PAGE_SIZE} a page) vs bare ModelViewSet",
            lambda: self.get(subject_url),
            lambda: self.get(baseline_url),
            calls=CALLS,
            rounds=ROUNDS,
            max_ratio=MAX_RATIO,
            paired=True,
        )

        queries: dict[int, list[str]] = {}
        for page_size in QUERY_PAGE_SIZES:
            with CaptureQueriesContext(connection) as captured:
                page = self.get(f"/api/quotes/?page_size={page_size}")
            assert len(page["results"]) == page_size, (len(page["results"]), page_size)
            queries[page_size] = [query["sql"] for query in captured.captured_queries]
        small, large = (len(queries[size]) for size in QUERY_PAGE_SIZES)

        on = f"{_database()}; {QUOTES} quotes of 3-5 lines, Django test Client"
        return [
            Comparison(
                comparison.name,
                comparison.subject_seconds,
                comparison.baseline_seconds,
                comparison.max_ratio,
                f"{on}; {1 / comparison.subject_seconds:.0f} req/s vs "
                f"{1 / comparison.baseline_seconds:.0f} req/s bare; ratio: median of "
                f"{ROUNDS} rounds' own ratios",
                comparison.paired_ratio,
            ),
            Figure(f"GET /api/quotes/ queries, page_size={QUERY_PAGE_SIZES[0]}", small, ""),
            Figure(
                f"GET /api/quotes/ queries, page_size={QUERY_PAGE_SIZES[1]}",
                large,
                "",
                max_value=small,
                min_value=small,
                note=f"bar: equal to page_size={QUERY_PAGE_SIZES[0]} (no query per quote or line)"
                + ("" if large == small else f"; queries: {queries[QUERY_PAGE_SIZES[1]]}"),
            ),
        ]

    def cleanup(self) -> None:
        from betterform.models import Quote

        Quote.objects.filter(owner=self.user).delete()
        self.user.delete()  # and its token


def _database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    if connection.vendor == "sqlite":
        return f"sqlite {connection.Database.sqlite_version}"
    return connection.vendor
