"""Deep page numbers whose cost is bounded: ids read past the offset first (a deferred join),
and page numbers that stop at the site's ``max_page_offset``, where ``next`` turns into a
cursor and a deeper page is a 400 that says to use one. The limits are lowered here so a
few rows reach them; ``bench_scale`` measures them at their real size on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import ValidationError

from betterform import services
from betterform.models import Quote
from betterform_site import pagination, paginators

pytestmark = pytest.mark.django_db

QUOTES = "/api/quotes/"
IDS_ONLY = re.compile(r'^SELECT "betterform_quote"\."id"( AS "pk")? FROM')


@pytest.fixture
def eleven_quotes(staff) -> list[int]:
    for index in range(11):
        line = {"description": "Item", "quantity": "1", "unit_price": f"{index % 4}.50"}
        services.create_quote(lines=[line], owner=staff, currency="EUR")
    return list(Quote.objects.order_by("-created_at", "-id").values_list("pk", flat=True))


def _ids(body: dict) -> list[int]:
    return [row["id"] for row in body["results"]]


@pytest.mark.parametrize("ordering", [None, "total", "-total", "number"])
def test_a_deep_page_reads_ids_first_and_answers_the_same_rows(
    staff_client, eleven_quotes, monkeypatch, ordering
):
    params = {"page_size": 3, "page": 3} | ({"ordering": ordering} if ordering else {})
    plain = staff_client.get(QUOTES, params).json()
    monkeypatch.setattr(paginators, "DEFERRED_JOIN_FROM", 6)

    with CaptureQueriesContext(connection) as captured:
        deferred = staff_client.get(QUOTES, params).json()

    assert deferred == plain and len(plain["results"]) == 3
    quote_queries = [q["sql"] for q in captured if 'FROM "betterform_quote"' in q["sql"]]
    ids_only = [sql for sql in quote_queries if re.search(r"OFFSET 6\b", sql)]
    assert ids_only and all(IDS_ONLY.match(sql) for sql in ids_only), ids_only
    assert any(" IN (" in sql and "OFFSET" not in sql for sql in quote_queries)


def test_a_shallow_page_is_one_query_as_before(staff_client, eleven_quotes):
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(QUOTES, {"page_size": 3, "page": 2})
    quote_rows = [q["sql"] for q in captured if 'FROM "betterform_quote"' in q["sql"]]
    assert [sql for sql in quote_rows if "COUNT" not in sql and "OFFSET 3" in sql]
    assert not any(IDS_ONLY.match(sql) for sql in quote_rows)


@pytest.mark.parametrize("page", ["3", "4", "last"])
def test_a_page_past_the_limit_is_a_400_pointing_at_the_cursor(
    staff_client, eleven_quotes, monkeypatch, page
):
    monkeypatch.setattr(pagination.PageNumberPagination, "max_page_offset", 6)
    response = staff_client.get(QUOTES, {"page_size": 3, "page": page})
    assert response.status_code == 400
    message = response.json()["errors"]["page"][0]
    assert "first 6 rows" in message and "cursor=" in message


def test_the_last_page_before_the_limit_links_next_to_a_cursor_that_walks_on(
    staff_client, eleven_quotes, monkeypatch
):
    monkeypatch.setattr(pagination.PageNumberPagination, "max_page_offset", 6)
    first = staff_client.get(QUOTES, {"page_size": 3}).json()
    assert "page=2" in first["next"] and "cursor" not in first["next"]
    second = staff_client.get(first["next"]).json()
    assert (second["count"], second["count_is_exact"]) == (6, False)
    assert "cursor=" in second["next"] and "page=" not in second["next"]

    ids, body = _ids(first) + _ids(second), second
    while body["next"]:
        body = staff_client.get(body["next"]).json()
        ids += _ids(body)
    assert ids == eleven_quotes  # every quote once, in the list's order


def test_the_cursor_after_the_limit_keeps_filters_and_ordering(
    staff_client, eleven_quotes, monkeypatch
):
    monkeypatch.setattr(pagination.PageNumberPagination, "max_page_offset", 2)
    params = {"page_size": 2, "ordering": "total", "total_min": "1"}
    expected = _ids(staff_client.get(QUOTES, params | {"page_size": 100}).json())
    body = staff_client.get(QUOTES, params).json()
    ids = _ids(body)
    while body["next"]:
        assert "ordering=total" in body["next"] and "total_min=1" in body["next"]
        body = staff_client.get(body["next"]).json()
        ids += _ids(body)
    assert ids == expected and len(expected) < 11


def test_counts_stop_at_the_limit_and_say_so(staff_client, eleven_quotes, monkeypatch):
    monkeypatch.setattr(pagination.PageNumberPagination, "max_page_offset", 6)
    with CaptureQueriesContext(connection) as captured:
        body = staff_client.get(QUOTES, {"page_size": 3}).json()
    assert (body["count"], body["count_is_exact"]) == (6, False)
    counts = [q["sql"] for q in captured if "COUNT(*)" in q["sql"]]
    assert counts and all("LIMIT 7" in sql for sql in counts), counts

    monkeypatch.setattr(pagination.PageNumberPagination, "max_page_offset", 11)
    body = staff_client.get(QUOTES, {"page_size": 3}).json()
    assert (body["count"], body["count_is_exact"]) == (11, True)
    assert list(body) == ["count", "count_is_exact", "next", "previous", "results"]


def test_a_cursor_page_says_its_count_is_not_exact(staff_client, eleven_quotes):
    body = staff_client.get(QUOTES, {"cursor": ""}).json()
    assert (body["count"], body["count_is_exact"]) == (None, False)


def test_the_schema_documents_count_is_exact(staff_client):
    schema = staff_client.get("/api/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedQuoteList"]
    assert list(page["properties"])[:2] == ["count", "count_is_exact"]
    assert "count_is_exact" in page["required"]
    assert "10,000" in page["properties"]["count"]["description"]


def test_a_nullable_ordering_at_the_limit_links_on_to_a_page_not_a_500(
    staff_client, staff, monkeypatch
):
    """No cursor can walk a nullable column; the last page before the limit then links the
    next page number (a 400 that says what to do), at any page size."""
    from createpdf.models import Document

    for _ in range(12):
        Document.objects.create(template_slug="quote", requested_by=staff)
    monkeypatch.setattr(pagination.PageNumberPagination, "max_page_offset", 6)
    params = {"ordering": "finished_at", "page_size": 4}
    second = staff_client.get("/api/pdf/documents/", params | {"page": 2})
    assert second.status_code == 200, second.content
    assert "page=3" in second.json()["next"] and "cursor" not in second.json()["next"]
    third = staff_client.get(second.json()["next"])
    assert third.status_code == 400 and "page" in third.json()["errors"]


def test_no_cursor_walks_a_json_column():
    from betterform_site.keyset import keyset_of
    from createpdf.models import Document

    with pytest.raises(ValidationError) as refused:
        keyset_of(Document.objects.order_by("context"))
    assert "ordered by context" in str(refused.value.detail["cursor"])


def test_page_numbers_break_ties_by_id(staff_client, eleven_quotes):
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(QUOTES, {"ordering": "-total", "page_size": 3})
    page = [q["sql"] for q in captured if "LIMIT 3" in q["sql"]]
    assert page and page[0].endswith(
        'ORDER BY "betterform_quote"."total" DESC, "betterform_quote"."id" DESC LIMIT 3'
    ), page


def test_a_cursor_of_one_list_is_refused_by_another(staff_client, eleven_quotes):
    quotes_next = staff_client.get(QUOTES, {"cursor": "", "page_size": 2}).json()["next"]
    token = quotes_next.split("cursor=")[1].split("&")[0]
    response = staff_client.get("/api/submissions/", {"cursor": token})
    assert response.status_code == 400 and "cursor" in response.json()["errors"]


def test_the_schema_says_how_far_page_numbers_reach(staff_client):
    schema = staff_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/quotes/"]["get"]["parameters"]}
    assert "10,000" in parameters["page"]["description"]
    assert "100" in parameters["page_size"]["description"]
