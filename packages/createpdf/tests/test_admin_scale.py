"""The documents admin on a big table (``createpdf.admin_paging``): a bounded number of
queries, counts bounded by a LIMIT, filter choices from the latest rows, and on PostgreSQL no
count at all for an unfiltered list past the bound."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from createpdf.admin_paging import RecentValuesFilter, ScaledPaginator
from createpdf.models import Document

pytestmark = pytest.mark.django_db

URL = "/admin/createpdf/document/"
SCANS = re.compile(r"^\s*SELECT\s+(COUNT\(|DISTINCT\b)", re.IGNORECASE)
COUNTS = re.compile(r"^\s*SELECT\s+COUNT\(", re.IGNORECASE)


def _documents(count: int, slug: str = "report") -> None:
    Document.objects.bulk_create(
        Document(template_slug=slug, template_version="package:x", cache_key=f"k{n}")
        for n in range(count)
    )


def _visit(admin_client, url: str) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url).status_code == 200
    return queries


def test_the_documents_list_never_counts_or_lists_the_whole_table(admin_client):
    _documents(2)
    few = len(_visit(admin_client, URL))
    _documents(8, slug="quote")
    queries = _visit(admin_client, URL)
    assert len(queries) == few
    unbounded = [
        query["sql"]
        for query in queries.captured_queries
        if SCANS.match(query["sql"]) and " LIMIT " not in query["sql"].upper()
    ]
    assert not unbounded, unbounded


def test_the_template_filter_offers_recent_slugs_and_the_chosen_one(admin_client, monkeypatch):
    _documents(1, slug="old")
    _documents(1, slug="new")
    monkeypatch.setattr(RecentValuesFilter, "recent_rows", 1)
    page = admin_client.get(f"{URL}?template_slug=gone").content.decode()
    assert "?template_slug=new" in page and "?template_slug=gone" in page
    assert "?template_slug=old" not in page, "only the latest rows are read"


def test_the_paginator_counts_at_most_one_past_its_bound(monkeypatch):
    monkeypatch.setattr(ScaledPaginator, "exact_up_to", 3)
    _documents(7)
    assert ScaledPaginator(Document.objects.filter(template_slug="report"), 2).count == 4
    assert ScaledPaginator(Document.objects.filter(template_slug="none"), 2).count == 0
    assert ScaledPaginator(list(range(5)), 2).count == 5


@pytest.mark.postgresql  # pg_class estimates
def test_unfiltered_on_postgresql_the_estimate_is_read_instead_of_a_count(
    admin_client, monkeypatch
):
    monkeypatch.setattr(ScaledPaginator, "exact_up_to", 2)
    _documents(6)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE createpdf_document")
    queries = _visit(admin_client, URL)
    assert not [q["sql"] for q in queries.captured_queries if COUNTS.match(q["sql"])]
    assert ScaledPaginator(Document.objects.all(), 2).count == 6
