"""PostgreSQL serves the lists' filters, search and orderings from indexes (issue 19).

Each list request's own query is captured and EXPLAINed with sequential scans disabled: the
plan names the index meant for it. PostgreSQL only: the trigram indexes exist only there
(migration 0002 skips them elsewhere), and SQLite's planner is not what production runs; CI
runs the suite on PostgreSQL too (``nox -s tests_postgres``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from betterform import services
from betterform.models import Quote, Submission

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql,  # PostgreSQL indexes and planner (trigram GIN)
]

QUOTES = "/api/quotes/"
SUBMISSIONS = "/api/submissions/"


def _plans(client, url: str, params: dict, table: str) -> list[str]:
    """The plans of the request's queries on ``table`` (not counts), seq scans disabled.

    A search reads every row but through a trigram index, and on these few rows the planner
    would rather walk the ordering's index and filter each row; plain index scans are off
    too for it, so the plan shows which index can find the rows (a bitmap scan)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.json()
    assert response.json()["results"]
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if "search" in params:
            cursor.execute("SET LOCAL enable_indexscan = off")
        for query in captured:
            sql = query["sql"]
            if f'FROM "{table}"' not in sql or "COUNT(" in sql:
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert plans
    return plans


@pytest.fixture
def lists(staff, submission):
    for index in range(3):
        line = {"description": "Item", "quantity": "1", "unit_price": f"{index}.00"}
        services.create_quote(lines=[line], owner=staff, currency="EUR", title=f"Worktop {index}")
        submission(customer={"name": f"Ada {index}", "email": f"Ada{index}@Example.com"})
    Quote.objects.filter(title="Worktop 1").update(status=Quote.Status.SENT)
    Submission.objects.filter(customer_name="Ada 1").update(status=Submission.Status.QUOTED)


@pytest.mark.parametrize(
    ("url", "params", "table", "index"),
    [
        (QUOTES, {}, "betterform_quote", "bf_quote_created_id"),
        (QUOTES, {"ordering": "total"}, "betterform_quote", "bf_quote_total_id"),
        (QUOTES, {"ordering": "-total", "cursor": ""}, "betterform_quote", "bf_quote_total_id"),
        (QUOTES, {"status": ["sent"]}, "betterform_quote", "bf_quote_status_created_id"),
        (QUOTES, {"search": "worktop"}, "betterform_quote", "bf_quote_title_trgm"),
        (QUOTES, {"search": "Q-20"}, "betterform_quote", "bf_quote_number_trgm"),
        (SUBMISSIONS, {"customer_email": "ADA1@example.com"}, "betterform_submission",
         "bf_sub_email_lower"),
        (SUBMISSIONS, {"search": "ada"}, "betterform_submission", "bf_sub_name_trgm"),
        (SUBMISSIONS, {"ordering": "-updated_at"}, "betterform_submission", "bf_sub_updated_id"),
        (SUBMISSIONS, {"status": "quoted"}, "betterform_submission", "bf_sub_status_created_id"),
    ],
)  # fmt: skip
def test_a_list_query_is_served_by_its_index(staff_client, lists, url, params, table, index):
    plans = _plans(staff_client, url, params, table)
    assert any(index in plan for plan in plans), plans


def test_a_reps_list_is_served_by_the_owner_index(rep_client, rep, lists):
    services.create_quote(lines=[], owner=rep, currency="EUR")
    plans = _plans(rep_client, QUOTES, {}, "betterform_quote")
    assert any("bf_quote_owner_created_id" in plan for plan in plans), plans


def test_a_deep_cursor_page_starts_at_its_position_in_the_index(staff_client, lists):
    first = staff_client.get(QUOTES, {"page_size": 1, "cursor": ""}).json()
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(first["next"])
    (sql,) = [q["sql"] for q in captured if 'FROM "betterform_quote"' in q["sql"]]
    assert "OFFSET" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond" in plan and "bf_quote_created_id" in plan, plan
