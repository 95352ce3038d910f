"""The deleted listings and recover read the record of deletions (``createpdf.deletions``): a
page at a time, most recent deletion first, a rep's own filtered in SQL, never the history."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from betterform.models import Quote
from createpdf.models import Deletion

pytestmark = pytest.mark.django_db

URL = "/api/quotes/"


def _deleted_quotes(client: Any, titles: list[str]) -> list[int]:
    ids = []
    for title in titles:
        quote_id = client.post(URL, {"title": title}, format="json").json()["id"]
        assert client.delete(f"{URL}{quote_id}/").status_code == 204
        ids.append(quote_id)
    return ids


def test_the_deleted_listing_is_paginated_most_recent_deletion_first(rep_client):
    one, two, three = _deleted_quotes(rep_client, ["One", "Two", "Three"])

    first = rep_client.get(f"{URL}deleted/", {"page_size": 2}).json()
    second = rep_client.get(first["next"]).json()

    assert first["count"] == 3 and first["previous"] is None and second["next"] is None
    ids = [row["object_id"] for row in first["results"] + second["results"]]
    assert ids == [str(three), str(two), str(one)]


def test_each_row_keeps_the_deleted_version_shape(rep_client):
    (quote_id,) = _deleted_quotes(rep_client, ["Kept shape"])

    (row,) = rep_client.get(f"{URL}deleted/").json()["results"]

    assert set(row) == {"id", "created_at", "user", "comment", "changes"} | {
        "object_id",
        "object_repr",
    }
    assert row["object_id"] == str(quote_id) and row["user"] == "rep"
    assert row["changes"]["title"] == {"from": None, "to": "Kept shape"}
    tombstone = Deletion.objects.get(object_id=str(quote_id), content_type__model="quote")
    assert row["id"] == tombstone.version_id


def test_a_reps_listing_is_filtered_in_sql_from_the_tombstones(rep_client, other_client):
    _deleted_quotes(rep_client, ["Mine"])
    _deleted_quotes(other_client, ["Theirs 1", "Theirs 2"])

    with CaptureQueriesContext(connection) as queries:
        body = rep_client.get(f"{URL}deleted/").json()

    assert body["count"] == 1 and len(body["results"]) == 1
    sql = [query["sql"] for query in queries.captured_queries]
    assert any('FROM "createpdf_deletion"' in q and '"owner_id" =' in q for q in sql), sql
    assert not any('FROM "reversion_version"' in q for q in sql), sql


def test_a_recovered_quote_is_no_longer_listed_and_its_tombstone_is_gone(rep_client):
    (quote_id,) = _deleted_quotes(rep_client, ["Back"])
    (row,) = rep_client.get(f"{URL}deleted/").json()["results"]

    assert rep_client.post(f"{URL}recover/", {"version": row["id"]}).status_code == 201

    assert rep_client.get(f"{URL}deleted/").json()["results"] == []
    assert not Deletion.objects.filter(object_id=str(quote_id)).exists()
    assert Quote.objects.filter(pk=quote_id).exists()
    # Recovering it again is a 404: it is not deleted any more.
    assert rep_client.post(f"{URL}recover/", {"version": row["id"]}).status_code == 404


def test_recover_takes_only_the_version_the_listing_gave(rep_client):
    quote_id = rep_client.post(URL, {"title": "Old"}, format="json").json()["id"]
    rep_client.patch(f"{URL}{quote_id}/", {"title": "New"}, format="json")
    oldest = rep_client.get(f"{URL}{quote_id}/history/").json()[-1]["id"]
    assert rep_client.delete(f"{URL}{quote_id}/").status_code == 204

    assert rep_client.post(f"{URL}recover/", {"version": oldest}).status_code == 404
    (row,) = rep_client.get(f"{URL}deleted/").json()["results"]
    assert row["id"] != oldest
    recovered = rep_client.post(f"{URL}recover/", {"version": row["id"]})
    assert recovered.status_code == 201 and recovered.json()["title"] == "New"


def test_deleting_then_recovering_then_deleting_again_lists_the_quote_once(staff_client):
    (quote_id,) = _deleted_quotes(staff_client, ["Twice"])
    (row,) = staff_client.get(f"{URL}deleted/").json()["results"]
    assert staff_client.post(f"{URL}recover/", {"version": row["id"]}).status_code == 201
    assert staff_client.delete(f"{URL}{quote_id}/").status_code == 204

    (again,) = staff_client.get(f"{URL}deleted/").json()["results"]
    assert again["object_id"] == str(quote_id) and again["id"] > row["id"]
    assert "Recovered version" in again["comment"]


def test_backfilled_tombstones_keep_the_reps_filter(rep_client, other_client):
    (quote_id,) = _deleted_quotes(rep_client, ["Before tombstones"])
    Deletion.objects.all().delete()  # as before the migration: history only

    migration = importlib.import_module("createpdf.migrations.0004_deletion")
    migration.backfill(apps, SimpleNamespace(connection=connection))

    (row,) = rep_client.get(f"{URL}deleted/").json()["results"]
    assert row["object_id"] == str(quote_id)
    assert other_client.get(f"{URL}deleted/").json()["results"] == []
