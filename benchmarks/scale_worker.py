"""One size of the scale bench in a process of its own: ``python -m benchmarks.scale_worker N``.

Its environment names its own PostgreSQL database (``DATABASE_URL``, created empty by
``bench_scale``). It migrates, builds ``N`` times the data (``scale_build``), answers one JSON
line on its stdout (the requests it can make, the build's figures), then times requests on
command: each stdin line ``{"name": ..., "calls": n}`` is answered with the mean seconds a
call. A request whose answer is not the one expected fails the bench (``error``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

PAGE_SIZE = 25  # the site's default
DEEP = 0.75  # how far through a list the deep page is


class Requests:
    """The issue's requests, each a function making one (checked) request."""

    def __init__(self, built: Any) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from betterform_site.pagination import PageNumberPagination

        users = get_user_model()
        staff = users.objects.create_superuser("bench-staff", "bench-staff@example.com", "x")
        rep = users.objects.get(username="bench-rep-0")  # owns the oldest quotes
        self.staff = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
        self.rep = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rep).key}")
        self.admin = Client()
        self.admin.force_login(staff)
        self.built = built
        self.notes: dict[str, str] = {}
        # Page numbers reach the first max_page_offset rows (a cursor walks further): the
        # deep page is 75% through, or the last page numbers reach when that is deeper.
        reach = PageNumberPagination.max_page_offset // PAGE_SIZE
        deep_quotes = min(int(built.quotes * DEEP) // PAGE_SIZE, reach)
        deep_submissions = min(int(built.submissions * DEEP) // PAGE_SIZE, reach)
        email = built.customer_email
        search = {"search": email}
        report = {"date_from": built.first_day, "date_to": built.last_day}
        self.recover_pool = list(built.deleted_quote_versions)
        get, post = self.get, self.post
        self.all: dict[str, Callable[[], Any]] = {
            "GET /api/quotes/deleted/ (staff)": lambda: get(self.staff, "/api/quotes/deleted/"),
            "GET /api/quotes/deleted/ (rep)": lambda: get(self.rep, "/api/quotes/deleted/"),
            "GET /api/submissions/deleted/ (staff)": lambda: get(
                self.staff, "/api/submissions/deleted/"
            ),
            "POST /api/quotes/recover/ (staff)": self.recover,
            "GET /api/submissions/?customer_email= (staff)": lambda: get(
                self.staff, "/api/submissions/", {"customer_email": email.upper()}
            ),
            "GET /api/quotes/?page= 75% deep, <=10k rows (staff)": lambda: get(
                self.staff, "/api/quotes/", {"page": deep_quotes}
            ),
            "GET /api/submissions/?page= 75% deep, <=10k rows (staff)": lambda: get(
                self.staff, "/api/submissions/", {"page": deep_submissions}
            ),
            "GET /api/quotes/?cursor= 75% deep (staff)": self.cursor_request("quotes"),
            "GET /api/submissions/?cursor= 75% deep (staff)": self.cursor_request("submissions"),
            "GET /api/quotes/?search=<number> (staff)": lambda: get(
                self.staff, "/api/quotes/", {"search": built.quote_number}
            ),
            "GET /api/submissions/?search=<email> (staff)": lambda: get(
                self.staff, "/api/submissions/", search
            ),
            "GET /admin/betterform/submission/?q=<email>": lambda: get(
                self.admin, "/admin/betterform/submission/", {"q": email}
            ),
            "GET /admin/betterform/form/": lambda: get(self.admin, "/admin/betterform/form/"),
            "GET /admin/betterform/quote/": lambda: get(self.admin, "/admin/betterform/quote/"),
            "GET /admin/betterform/submission/": lambda: get(
                self.admin, "/admin/betterform/submission/"
            ),
            "GET /api/submissions/?ordering=-updated_at (staff)": lambda: get(
                self.staff, "/api/submissions/", {"ordering": "-updated_at"}
            ),
            "GET /api/quotes/?ordering=-total (staff)": lambda: get(
                self.staff, "/api/quotes/", {"ordering": "-total"}
            ),
            "POST /api/pdf/reports/quotes-summary/ (staff)": lambda: post(
                self.staff, "/api/pdf/reports/quotes-summary/", report, (200, 202)
            ),
            "GET /api/quotes/ (rep, oldest quotes)": lambda: get(self.rep, "/api/quotes/"),
            "GET /api/submissions/ (rep, oldest)": lambda: get(self.rep, "/api/submissions/"),
            "GET /api/quotes/?status=sent (staff)": lambda: get(
                self.staff, "/api/quotes/", {"status": "sent"}
            ),
        }

    @staticmethod
    def get(client: Any, path: str, params: dict[str, Any] | None = None) -> Any:
        response = client.get(path, params or {})
        assert response.status_code == 200, (path, params, response.status_code)
        return response

    @staticmethod
    def post(client: Any, path: str, body: dict[str, Any], ok: tuple[int, ...]) -> Any:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code in ok, (path, response.status_code, response.content[:300])
        return response

    def recover(self) -> Any:
        version = self.recover_pool.pop()
        return self.post(self.staff, "/api/quotes/recover/", {"version": version}, (201,))

    def cursor_request(self, resource: str) -> Callable[[], Any] | None:
        """The list's page 75% through by cursor: page 1 with ``?cursor=``, then its ``next``
        links (100 a page) to the depth. None when the list answers no cursor."""
        path = f"/api/{resource}/"
        first = self.staff.get(path, {"cursor": ""})
        body = first.json() if first.status_code == 200 else {}
        nxt = body.get("next") if isinstance(body, dict) else None
        if not nxt or "cursor" not in parse_qs(urlsplit(nxt).query):
            self.notes[resource] = f"?cursor= answered {first.status_code} with no cursor next"
            return None
        live = self.built.quotes if resource == "quotes" else self.built.submissions
        target, seen, walked = int(live * DEEP), 0, time.perf_counter()
        query = {"cursor": "", "page_size": 100}
        while seen + 100 <= target:
            body = self.get(self.staff, path, query).json()
            seen += len(body["results"])
            query = {k: v[0] for k, v in parse_qs(urlsplit(body["next"]).query).items()}
        query.pop("page_size", None)
        deep = self.get(self.staff, path, query).json()
        assert len(deep["results"]) == PAGE_SIZE, len(deep["results"])
        self.notes[resource] = f"cursor walked to row {seen} in {time.perf_counter() - walked:.1f}s"
        url = f"{path}?{urlencode(query)}"
        return lambda: self.get(self.staff, url)


def main() -> int:
    scale = int(sys.argv[1])
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betterform_site.settings")
    import django
    from django.core.cache import cache
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started

    from benchmarks.harness import per_call
    from benchmarks.scale_build import build

    built = build(scale)
    requests = Requests(built)
    available = {name: fn is not None for name, fn in requests.all.items()}
    out.write(
        json.dumps(
            {
                "available": available,
                "notes": requests.notes,
                "build_seconds": built.seconds,
                "migrate_seconds": migrated,
                "quotes": built.quotes,
                "submissions": built.submissions,
                "versions": built.versions,
                "deletions": built.deletions,
            }
        )
        + "\n"
    )
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        cache.clear()  # the throttle's counters: the bench makes thousands of requests
        try:
            seconds = per_call(requests.all[command["name"]], calls=command["calls"])
        except Exception as error:  # reported to the bench, which fails the row
            out.write(json.dumps({"error": repr(error)[:500]}) + "\n")
            continue
        out.write(json.dumps({"seconds": seconds}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
