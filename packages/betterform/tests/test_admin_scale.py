"""The admin's change lists on big tables: a bounded number of queries, no count or distinct
scan over the whole table (``createpdf.admin_paging``), and on PostgreSQL no count at all when
the list is unfiltered (the planner's estimate instead)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext

from betterform import services
from betterform.models import Form, Quote, Submission
from createpdf.admin_paging import ScaledPaginator

pytestmark = pytest.mark.django_db

LISTS = {
    Form: "/admin/betterform/form/",
    Submission: "/admin/betterform/submission/",
    Quote: "/admin/betterform/quote/",
}
# A count, or a list of distinct values (a filter's choices, a date drill-down's years).
SCANS = re.compile(r"^\s*SELECT\s+(COUNT\(|DISTINCT\b)", re.IGNORECASE)
COUNTS = re.compile(r"^\s*SELECT\s+COUNT\(", re.IGNORECASE)


def _whole_table_scans(queries: CaptureQueriesContext) -> list[str]:
    """Counts and distinct reads that no LIMIT bounds."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if SCANS.search(query["sql"]) and " LIMIT " not in query["sql"].upper()
    ]


def _add(form_factory: Any, count: int) -> None:
    for _ in range(count):
        form = form_factory()
        submission = services.create_submission(form, answers=_answers(), customer={})
        with reversion.create_revision():
            services.build_quote(submission)


def _answers() -> dict[str, Any]:
    return {"area": 12, "finish": "premium", "extras": [], "removal": False, "notes": ""}


def _visit(admin_client: Any, url: str) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200, url
    return queries


@pytest.mark.parametrize("model", LISTS, ids=lambda model: model.__name__)
def test_change_lists_take_the_same_queries_and_never_count_the_whole_table(
    admin_client, form, model
):
    _add(form, 2)
    few = len(_visit(admin_client, LISTS[model]))
    _add(form, 8)
    queries = _visit(admin_client, LISTS[model])
    assert len(queries) == few, "the number of queries does not grow with the rows"
    assert not _whole_table_scans(queries), _whole_table_scans(queries)


@pytest.mark.parametrize("model", LISTS, ids=lambda model: model.__name__)
def test_filtered_change_lists_count_at_most_a_bound(admin_client, form, model):
    _add(form, 3)
    queries = _visit(admin_client, f"{LISTS[model]}?q=kitchen")
    counts = [query["sql"] for query in queries.captured_queries if COUNTS.match(query["sql"])]
    assert counts and all(" LIMIT " in sql.upper() for sql in counts), counts


def test_a_filtered_list_past_the_bound_still_pages(admin_client, form, monkeypatch):
    monkeypatch.setattr(ScaledPaginator, "exact_up_to", 2)
    _add(form, 4)
    page = admin_client.get("/admin/betterform/quote/?status__exact=draft")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 3  # "more than 2": counted no further
    assert page.context["cl"].full_result_count is None, "no second count"


def test_currency_filter_offers_recent_values_and_the_chosen_one(admin_client, form):
    _add(form, 1)
    Quote.objects.update(currency="CHF")
    page = admin_client.get("/admin/betterform/quote/?currency=JPY").content.decode()
    assert "?currency=CHF" in page and "?currency=JPY" in page


def test_date_range_filter_replaces_the_drill_down(admin_client, form):
    _add(form, 1)
    page = admin_client.get(
        "/admin/betterform/submission/?created_at__gte=2000-01-01+00:00:00%2B00:00"
    )
    assert page.status_code == 200 and page.context["cl"].result_count == 1
    assert page.context["cl"].date_hierarchy is None


@pytest.mark.postgresql  # pg_class estimates
@pytest.mark.parametrize("model", LISTS, ids=lambda model: model.__name__)
def test_unfiltered_lists_on_postgresql_read_the_estimate_not_a_count(
    admin_client, form, model, monkeypatch
):
    monkeypatch.setattr(ScaledPaginator, "exact_up_to", 2)
    _add(form, 5)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    queries = _visit(admin_client, LISTS[model])
    counts = [query["sql"] for query in queries.captured_queries if COUNTS.match(query["sql"])]
    assert not counts, counts
    assert any("reltuples" in query["sql"] for query in queries.captured_queries)
