"""Where a request's time goes: a per-phase breakdown of four API requests.

Through Django's test ``Client`` (the site's URLs, middleware and DRF, no network), each of

1. ``GET /api/quotes/?page_size=25`` (a rep with a token, ``QUOTES`` quotes of 3-5 lines);
2. ``GET /api/submissions/`` (the same rep, ``SUBMISSIONS`` submissions, 25 a page);
3. the monday webhook ingest (a distinct trigger event POSTed to a board mapping's URL);
4. ``POST /api/quotes/`` with ``WRITE_LINES`` lines (one write: validation, numbering, lines,
   totals and its revision)

is sent ``REQUESTS[endpoint]`` times in ``ROUNDS`` rounds after a warm-up, with DRF's hooks
wrapped for the run only (:class:`Phases`): each phase's time is its own, what it calls in
another phase excluded. The phases: authentication (``perform_authentication``), permissions,
throttling (``check_throttles``), queryset and filters (``get_queryset``,
``filter_queryset``), pagination (counting and loading the page: model instances built from
rows, related rows prefetched), validation (``is_valid``), save (``perform_create``: services
and the revision), ingest (``monday_integration.webhooks.receive``), SQL (time in the
cursor's ``execute``, through ``connection.execute_wrapper``; SQLite makes rows as they are
fetched, so there a query's time is partly in the phase that reads them), serialization (a
serializer's ``.data``), JSON rendering (``JSONRenderer.render``), other view code (the rest
of ``APIView.dispatch``: content negotiation, the handler, headers) and, outside
``dispatch``, middleware, URL routing and the test client.

Rows: per endpoint its time per request, then one row per phase: its milliseconds per request
and its share of the request in the name; each the median over the rounds (so one slow round
does not move it). Informational, no bars: the table says where to cut; ``bench_quotes_api``
and ``bench_http`` hold the bars.

SQLite by default (``python -m benchmarks -k profile``); on PostgreSQL set ``DATABASE_URL``
(see ``bench_quotes_api``). On a kept database the bench works as a user and on a form and
board mapping of its own and deletes them and what it created afterwards.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from benchmarks.bench_webhooks import WebhookBench, _database
from benchmarks.harness import Figure

QUOTES = 100
SUBMISSIONS = 60
WRITE_LINES = 4
WARMUP = 10
REQUESTS = {"quotes": 200, "submissions": 200, "webhook": 200, "write": 100}  # in ROUNDS
ROUNDS = 5
TOTAL = "request"
OUTSIDE = "middleware, routing, test client"
ORDER = [
    OUTSIDE,
    "authentication",
    "permissions",
    "throttling",
    "queryset and filters",
    "pagination (page, ORM rows)",
    "validation",
    "save (services, revision)",
    "ingest (webhooks.receive)",
    "SQL (cursor execute)",
    "serialization",
    "JSON rendering",
    "other view code",
]


def run() -> list[Figure]:
    from django.db import connection

    bench = ProfileBench()
    try:
        bench.create_rows()
        with Phases().installed() as phases, connection.execute_wrapper(phases.sql):
            return bench.results(phases)
    finally:
        bench.cleanup()


class Phases:
    """Exclusive time per phase: entering a phase pauses the one it is called from."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.queries = 0
        self._stack: list[list[Any]] = []  # [phase, started] of each open phase

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        now = time.perf_counter()
        if self._stack:
            outer = self._stack[-1]
            self.seconds[outer[0]] += now - outer[1]
        self._stack.append([name, now])
        try:
            yield
        finally:
            now = time.perf_counter()
            inner = self._stack.pop()
            self.seconds[inner[0]] += now - inner[1]
            if self._stack:
                self._stack[-1][1] = now

    def sql(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
        self.queries += 1
        with self.phase("SQL (cursor execute)"):
            return execute(sql, params, many, context)

    def reset(self) -> None:
        self.seconds.clear()
        self.queries = 0

    def wrap(self, function: Callable[..., Any], name: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name):
                return function(*args, **kwargs)

        return timed

    @contextlib.contextmanager
    def installed(self) -> Iterator[Phases]:
        """DRF's hooks wrapped on their classes for the block, put back after it."""
        from rest_framework import generics, renderers, serializers, views

        from betterform.api.quotes import QuoteViewSet
        from betterform.api.submissions import SubmissionViewSet
        from monday_integration import webhooks
        from monday_integration.views import WebhookView

        patched: list[tuple[Any, str, Any]] = []

        def patch(owner: Any, name: str, phase: str, *, prop: bool = False) -> None:
            original = owner.__dict__.get(name)
            current = getattr(owner, name) if not prop else owner.__dict__[name]
            wrapped = (
                property(self.wrap(current.fget, phase)) if prop else self.wrap(current, phase)
            )
            setattr(owner, name, wrapped)
            patched.append((owner, name, original))

        patch(views.APIView, "dispatch", "other view code")
        patch(WebhookView, "dispatch", "other view code")  # decorated: a dispatch of its own
        patch(views.APIView, "perform_authentication", "authentication")
        patch(views.APIView, "check_permissions", "permissions")
        patch(views.APIView, "check_object_permissions", "permissions")
        patch(views.APIView, "check_throttles", "throttling")
        patch(generics.GenericAPIView, "filter_queryset", "queryset and filters")
        patch(generics.GenericAPIView, "paginate_queryset", "pagination (page, ORM rows)")
        patch(generics.GenericAPIView, "get_paginated_response", "pagination (page, ORM rows)")
        for viewset in (QuoteViewSet, SubmissionViewSet):
            patch(viewset, "get_queryset", "queryset and filters")
            patch(viewset, "perform_create", "save (services, revision)")
        patch(serializers.BaseSerializer, "is_valid", "validation")
        patch(serializers.Serializer, "data", "serialization", prop=True)
        patch(serializers.ListSerializer, "data", "serialization", prop=True)
        patch(renderers.JSONRenderer, "render", "JSON rendering")
        patch(webhooks, "receive", "ingest (webhooks.receive)")
        try:
            yield self
        finally:
            for owner, name, original in reversed(patched):
                if original is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)


class ProfileBench(WebhookBench):
    """The webhook bench's form and board mapping, plus a rep with quotes and submissions."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from rest_framework.authtoken.models import Token

        super().__init__()
        self.user = get_user_model().objects.create_user(
            username=f"bench-profile-{self.tag}", email=f"bench-profile-{self.tag}@example.com"
        )
        token = Token.objects.create(user=self.user)
        self.rep = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def create_rows(self) -> None:
        from betterform import services

        for index in range(QUOTES):
            services.create_quote(
                owner=self.user, lines=self.lines(3 + index % 3), **self.quote(index)
            )
        for index in range(SUBMISSIONS):
            services.create_submission(
                self.form,
                answers={"area": 10 + index},
                customer={"name": f"Kunde {index}", "email": f"kunde{index}@example.com"},
                owner=self.user,
            )

    @staticmethod
    def quote(index: int) -> dict[str, Any]:
        return {
            "title": f"Profile quote {index}",
            "customer_name": f"Customer {index}",
            "customer_email": f"customer{index}@example.com",
            "notes": "Prices valid for the period stated.",
        }

    @staticmethod
    def lines(count: int) -> list[dict[str, Any]]:
        return [
            {
                "description": f"Item {line}",
                "quantity": Decimal(line + 1) + Decimal("0.125"),
                "unit": "m2",
                "unit_price": Decimal("19.99") * (line + 1),
                "tax_rate": Decimal("21.00"),
                "discount_percent": Decimal("5.00") if line % 2 else Decimal(0),
            }
            for line in range(count)
        ]

    def requests(self) -> dict[str, tuple[str, Callable[[], None]]]:
        quotes_url = "/api/quotes/?page_size=25"
        write = json.dumps(
            {**self.quote(0), "lines": [{**line} for line in self.lines(WRITE_LINES)]},
            default=str,
        )

        def get(client: Any, url: str) -> Callable[[], None]:
            def send() -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return send

        def post_quote() -> None:
            response = self.rep.post("/api/quotes/", write, content_type="application/json")
            assert response.status_code == 201, (response.status_code, response.content[:300])

        def ingest() -> None:
            self.deliver(self.body(uuid.uuid4().hex), duplicate=False)

        return {
            "quotes": (f"GET {quotes_url} ({QUOTES} quotes)", get(self.rep, quotes_url)),
            "submissions": (
                f"GET /api/submissions/ ({SUBMISSIONS} submissions)",
                get(self.rep, "/api/submissions/"),
            ),
            "webhook": ("POST monday webhook (new trigger event)", ingest),
            "write": (f"POST /api/quotes/ ({WRITE_LINES} lines)", post_quote),
        }

    def results(self, phases: Phases) -> list[Figure]:
        on = f"{_database()}; Django test Client; exclusive time per phase"
        rows: list[Figure] = []
        for key, (label, send) in self.requests().items():
            for _ in range(WARMUP):
                send()
            rounds, queries = [], 0
            for _ in range(ROUNDS):
                count = REQUESTS[key] // ROUNDS
                phases.reset()
                start = time.perf_counter()
                for _ in range(count):
                    send()
                total = time.perf_counter() - start
                queries = phases.queries // count
                seconds = {**phases.seconds, OUTSIDE: total - sum(phases.seconds.values())}
                rounds.append({TOTAL: total / count} | {k: v / count for k, v in seconds.items()})
            each = {name: statistics.median(r.get(name, 0.0) for r in rounds) for name in rounds[0]}
            rows.append(
                Figure(
                    f"profile {label}",
                    each[TOTAL] * 1e3,
                    "ms",
                    note=f"{on}, median of {ROUNDS} rounds of {REQUESTS[key] // ROUNDS} "
                    f"requests; {queries} queries a request",
                )
            )
            for name in ORDER:
                if name in each:
                    share = f"{each[name] / each[TOTAL]:6.1%}"
                    rows.append(Figure(f"  {name:34} {share:>8}", each[name] * 1e3, "ms"))
        return rows

    def cleanup(self) -> None:
        from betterform.models import Quote

        Quote.objects.filter(owner=self.user).delete()
        self.form.submissions.all().delete()
        super().cleanup()
        self.user.delete()  # and its token
