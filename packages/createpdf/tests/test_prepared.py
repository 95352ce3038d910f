"""The hot-path lookups compiled once (``createpdf.prepared``) answer exactly as the ORM."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from createpdf import services, template_store
from createpdf.models import Document, DocumentTemplate
from createpdf.prepared import PreparedFirst

pytestmark = pytest.mark.django_db


def _document(key: str, user=None, api_key: str = "", **fields) -> Document:
    fields.setdefault("status", Document.Status.DONE)
    return Document.objects.create(
        template_slug="quote",
        cache_key=key,
        requested_by=user,
        requested_by_key=api_key,
        context={"total": "12.50", "lines": [{"sku": "A"}]},
        **fields,
    )


def _orm_twin(key: str, user_id, api_key: str) -> Document | None:
    return (
        Document.objects.filter(
            cache_key=key,
            requested_by=user_id,
            requested_by_key=api_key,
            status__in=["done", "queued", "rendering"],
        )
        .order_by("-created_at")
        .first()
    )


def test_twin_lookup_answers_as_the_orm_for_users_api_keys_and_no_requester(rep, other_rep):
    now = timezone.now()
    older = _document("k1", rep, created_at=now - timedelta(minutes=5))
    newer = _document("k1", rep, created_at=now)
    _document("k1", rep, status=Document.Status.FAILED, created_at=now + timedelta(minutes=1))
    by_key = _document("k1", None, "key-1")
    nobody = _document("k1", None)
    _document("k2", other_rep)
    cases = [
        ("k1", rep.pk, ""),
        ("k1", other_rep.pk, ""),
        ("k2", other_rep.pk, ""),
        ("k1", None, "key-1"),
        ("k1", None, ""),
        ("k1", None, "key-2"),
        ("missing", rep.pk, ""),
    ]
    for case in cases:
        found = services._find_twin(
            cache_key=case[0], requested_by=case[1], requested_by_key=case[2]
        )
        expected = _orm_twin(*case)
        assert (found and found.pk) == (expected and expected.pk), case
    assert services._find_twin(cache_key="k1", requested_by=rep.pk, requested_by_key="") == newer
    assert newer != older
    assert by_key.pk and nobody.pk


def test_the_found_document_holds_what_the_orm_would_load(rep):
    stored = _document("k1", rep, started_at=timezone.now(), finished_at=timezone.now())
    found = services._find_twin(cache_key="k1", requested_by=rep.pk, requested_by_key="")
    expected = Document.objects.get(pk=stored.pk)
    for field in Document._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.context == {"total": "12.50", "lines": [{"sku": "A"}]}
    assert timezone.is_aware(found.created_at)


def test_a_lookup_is_one_statement_compiled_once_per_shape(rep):
    lookup = PreparedFirst(
        lambda cache_key, requested_by: Document.objects.filter(
            cache_key=cache_key, requested_by=requested_by
        ).order_by("-created_at"),
        sentinels={"cache_key": "\0key", "requested_by": -1},
    )
    _document("k1", rep)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert lookup(cache_key="k1", requested_by=rep.pk) is not None
            assert lookup(cache_key="k1", requested_by=None) is None
    assert len(queries) == 6
    assert sum("IS NULL" in query["sql"] for query in queries) == 3
    assert len(lookup._compiled) == 2 and None not in lookup._compiled.values()


def test_a_query_it_cannot_replay_is_asked_of_the_orm_every_time(rep):
    """Unordered (first() would add an order), or a sentinel the SQL does not carry as a
    parameter: the ORM answers, still correctly."""
    unordered = PreparedFirst(
        lambda cache_key: Document.objects.filter(cache_key=cache_key).order_by(),
        sentinels={"cache_key": "\0key"},
    )
    unused = PreparedFirst(
        lambda cache_key: Document.objects.filter(cache_key="k1").order_by("pk"),
        sentinels={"cache_key": "\0key"},
    )
    document = _document("k1", rep)
    assert unordered(cache_key="k1") == document
    assert unused(cache_key="anything") == document
    assert list(unordered._compiled.values()) == [None]
    assert list(unused._compiled.values()) == [None]


def test_template_resolution_sees_a_database_override_at_once():
    packaged = template_store.resolve_template("quote")
    assert packaged.origin.startswith("package:")
    row = DocumentTemplate.objects.create(slug="quote", name="Ours", html="<p>ours</p>", css="")
    assert template_store.resolve_template("quote").html == "<p>ours</p>"
    row.active = False
    row.save()
    assert template_store.resolve_template("quote").origin.startswith("package:")
