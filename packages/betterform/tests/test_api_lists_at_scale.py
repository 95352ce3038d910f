"""Lists that stay fast on big tables, on every database: keyset pages (``?cursor=``) beside
page numbers, the case-insensitive email filter through ``lower()``, the status filter
without DISTINCT, and the quote list without joins its answer does not read. That
PostgreSQL serves them from indexes is in ``test_indexes_postgresql.py``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betterform import services
from betterform.models import Quote, Submission

pytestmark = pytest.mark.django_db

QUOTES = "/api/quotes/"
SUBMISSIONS = "/api/submissions/"


def _quotes(count: int, owner=None) -> list[Quote]:
    """Quotes whose created_at and total repeat (ties the cursor must break by id)."""
    now = timezone.now()
    quotes = []
    for index in range(count):
        line = {"description": "Item", "quantity": "1", "unit_price": f"{10 * (index % 3)}.00"}
        quote = services.create_quote(lines=[line], owner=owner, currency="EUR")
        Quote.objects.filter(pk=quote.pk).update(
            created_at=now - datetime.timedelta(minutes=index // 2)
        )
        quotes.append(quote)
    return quotes


def _walk(client, url: str, params: dict) -> tuple[list[int], list[dict]]:
    """Every row of a list through its ``next`` cursors; the bodies as they came."""
    ids, bodies = [], []
    response = client.get(url, {**params, "cursor": ""})
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        bodies.append(body)
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return ids, bodies
        response = client.get(body["next"])


@pytest.mark.parametrize("ordering", [None, "total", "-total", "created_at", "number"])
def test_a_cursor_walks_every_quote_once_in_the_lists_order(staff_client, staff, ordering):
    _quotes(11, owner=staff)
    params = {"page_size": 100} | ({"ordering": ordering} if ordering else {})
    expected = [row["id"] for row in staff_client.get(QUOTES, params).json()["results"]]
    by_value = {row["id"]: row for row in staff_client.get(QUOTES, params).json()["results"]}

    ids, bodies = _walk(staff_client, QUOTES, {**params, "page_size": 3})

    assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids)) == 11
    key = ordering or "-created_at"
    name = key.lstrip("-")
    values = [by_value[i][name] for i in ids]
    parse = Decimal if name == "total" else str
    assert [parse(v) for v in values] == sorted(
        (parse(v) for v in values), reverse=key.startswith("-")
    )
    assert [len(body["results"]) for body in bodies] == [3, 3, 3, 2]
    assert all(body["count"] is None for body in bodies)
    assert bodies[0]["previous"] is None


def test_a_cursor_page_has_the_page_numbers_rows_and_goes_back(staff_client, staff):
    _quotes(7, owner=staff)
    by_number = staff_client.get(QUOTES, {"page_size": 3, "page": 2}).json()
    first = staff_client.get(QUOTES, {"page_size": 3, "cursor": ""}).json()
    second = staff_client.get(first["next"]).json()
    assert second["results"] == by_number["results"]
    back = staff_client.get(second["previous"]).json()
    assert back["results"] == first["results"]
    assert back["previous"] is None and back["next"] is not None


def test_page_numbers_answer_as_before(staff_client, staff):
    _quotes(3, owner=staff)
    body = staff_client.get(QUOTES, {"page_size": 2}).json()
    assert list(body) == ["count", "count_is_exact", "next", "previous", "results"]
    assert body["count"] == 3 and "page=2" in body["next"] and "cursor" not in body["next"]


def test_a_cursor_keeps_filters_and_a_reps_scope(rep_client, rep, other_rep):
    mine = _quotes(5, owner=rep)
    _quotes(3, owner=other_rep)
    ids, _ = _walk(rep_client, QUOTES, {"page_size": 2, "total_min": "10"})
    assert sorted(ids) == sorted(q.pk for q in mine if q.total >= 10)


@pytest.mark.parametrize("cursor", ["nonsense", "x" * 500, "\x00"])
def test_an_altered_cursor_is_a_400_naming_it(staff_client, cursor):
    response = staff_client.get(QUOTES, {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_a_cursor_for_another_ordering_is_a_400(staff_client, staff):
    _quotes(3, owner=staff)
    next_url = staff_client.get(QUOTES, {"page_size": 1, "cursor": ""}).json()["next"]
    response = staff_client.get(next_url + "&ordering=total")
    assert response.status_code == 400
    assert "another ordering" in str(response.json()["errors"]["cursor"])


def test_a_cursor_walks_submissions_too(staff_client, submission):
    made = [submission() for _ in range(5)]
    Submission.objects.update(created_at=timezone.now())  # all tied: the id decides
    ids, _ = _walk(staff_client, SUBMISSIONS, {"page_size": 2})
    assert ids == sorted((s.pk for s in made), reverse=True)


def test_the_email_filter_ignores_case_through_lower(staff_client, submission):
    ada = submission(customer={"name": "Ada", "email": "Ada.Lovelace@Example.com"})
    submission(customer={"name": "Grace", "email": "grace@example.com"})
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(SUBMISSIONS, {"customer_email": "ada.LOVELACE@example.COM"})
    assert [row["id"] for row in response.json()["results"]] == [ada.pk]
    listed = [q["sql"] for q in captured if "betterform_submission" in q["sql"]]
    assert all('LOWER("betterform_submission"."customer_email")' in sql for sql in listed)


def test_the_status_filter_selects_no_distinct_rows(staff_client, staff):
    _quotes(2, owner=staff)
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(QUOTES, {"status": ["draft", "sent"]})
    assert response.json()["count"] == 2
    assert not any("DISTINCT" in q["sql"] for q in captured)


def test_the_quote_list_joins_nothing_it_does_not_read(staff_client, staff):
    _quotes(2, owner=staff)
    with CaptureQueriesContext(connection) as captured:
        assert staff_client.get(QUOTES).status_code == 200
    quote_queries = [q["sql"] for q in captured if 'FROM "betterform_quote"' in q["sql"]]
    assert quote_queries and not any("JOIN" in sql for sql in quote_queries)
