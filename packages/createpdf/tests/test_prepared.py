"""The hot-path lookups compiled once (``createpdf.prepared``) answer exactly as the ORM."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import lazy
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import get_doc
from rest_framework import routers, serializers, viewsets

from createpdf import services, template_store
from createpdf.models import Document, DocumentTemplate
from createpdf.prepared import PreparedFirst
from createpdf.serializers import DocumentSerializer

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


# Review of the compiled lookups (pitfalls of ``raw()`` and of fields built once).


def test_values_are_prepared_by_their_fields_as_the_orm_prepares_them(rep):
    """``raw()`` sends a value as it is; the ORM first has the field prepare it (a lazy string
    is cast, a number compared with a text column becomes text). Without that, PostgreSQL
    refused ``character varying = integer`` and both backends a lazy string: a
    ProgrammingError where the ORM answered (``TemplateNotFound``, the twin)."""
    lazy_slug = lazy(lambda: "quote", str)()
    DocumentTemplate.objects.create(slug="5", name="Five", html="<p>5</p>", css="")
    DocumentTemplate.objects.create(slug="quote", name="Ours", html="<p>ours</p>", css="")
    assert template_store.resolve_template(lazy_slug).html == "<p>ours</p>"
    assert template_store.resolve_template(5).html == "<p>5</p>"  # type: ignore[arg-type]
    with pytest.raises(template_store.TemplateNotFound):
        template_store.resolve_template(6)  # type: ignore[arg-type]
    by_key = _document("k1", None, "5")
    found = services._find_twin(cache_key="k1", requested_by=None, requested_by_key=5)
    assert found == by_key == _orm_twin("k1", None, 5)  # type: ignore[arg-type]
    mine = _document("k2", rep)
    found = services._find_twin(cache_key="k2", requested_by=str(rep.pk), requested_by_key="")
    assert found == mine


def test_a_value_a_lookup_reshapes_is_asked_of_the_orm(rep):
    """``in`` spreads a list over several parameters, ``contains`` wraps the value in ``%``: no
    sentinel is found as such, so the ORM answers, right for any length."""
    by_statuses = PreparedFirst(
        lambda statuses: Document.objects.filter(status__in=statuses).order_by("pk"),
        sentinels={"statuses": ("\0status",)},
    )
    by_part = PreparedFirst(
        lambda part: Document.objects.filter(cache_key__contains=part).order_by("pk"),
        sentinels={"part": "\0part"},
    )
    failed = _document("k1", rep, status=Document.Status.FAILED)
    assert by_statuses(statuses=["done", "failed"]) == failed
    assert by_statuses(statuses=["done"]) is None
    assert by_part(part="k") == failed
    assert by_part(part="%") is None
    assert list(by_statuses._compiled.values()) == [None]
    assert list(by_part._compiled.values()) == [None]


def test_a_query_the_orm_answers_without_sql_is_answered_as_the_orm_does(rep):
    """``pk__in=[]`` matches nothing: the ORM's ``first()`` is None without asking the
    database, while compiling it raises ``EmptyResultSet``."""
    nothing = PreparedFirst(
        lambda cache_key: Document.objects.filter(cache_key=cache_key, pk__in=[]).order_by("pk"),
        sentinels={"cache_key": "\0key"},
    )
    _document("k1", rep)
    assert nothing(cache_key="k1") is None


def _plain_twin() -> type[serializers.ModelSerializer]:
    """DocumentSerializer as it was before its fields were built once: a plain
    ModelSerializer with the same declared fields, methods and Meta."""
    attrs = {
        name: value
        for name, value in vars(DocumentSerializer).items()
        if name not in {"__dict__", "__weakref__", "__doc__", "_declared_fields", "_built_fields"}
    }
    attrs.update(copy.deepcopy(DocumentSerializer._declared_fields))
    return type("DocumentSerializer", (serializers.ModelSerializer,), attrs)


def _document_component(serializer_class: type) -> dict:
    class Documents(viewsets.ReadOnlyModelViewSet):
        queryset = Document.objects.none()
        serializer_class = None

    Documents.serializer_class = serializer_class
    router = routers.SimpleRouter()
    router.register("documents", Documents, basename="document")
    schema = SchemaGenerator(patterns=router.urls).get_schema(request=None, public=True)
    return json.loads(json.dumps(schema["components"]["schemas"]["Document"], default=str))


def test_the_documents_schema_is_what_a_plain_model_serializer_gives():
    """drf-spectacular describes a component with the first docstring along its class's MRO:
    the mixin's own (about caching fields) showed in ``/api/schema/`` as the ``Document``
    description, which had none before."""
    assert _document_component(DocumentSerializer) == _document_component(_plain_twin())
    assert get_doc(DocumentSerializer) == ""


def test_each_serializer_gets_its_own_bound_fields(rep, rf):
    """The fields built once are copied for each serializer and bound to it: a field's
    parent, and so the request in the context, is that serializer's (DRF #5087, and why
    dynamic-rest dropped a global serializer cache: a shared field keeps the first context)."""
    document = _document("k1", rep)
    first = DocumentSerializer(document, context={"request": rf.get("/", HTTP_HOST="one.test")})
    second = DocumentSerializer(document, context={"request": rf.get("/", HTTP_HOST="two.test")})
    assert first.data["url"].startswith("http://one.test/")
    assert second.data["url"].startswith("http://two.test/")
    assert first.fields["url"].parent is first and second.fields["url"].parent is second
    assert first.fields["status"] is not second.fields["status"]
    built = DocumentSerializer._built_fields
    assert built is not None
    assert all(getattr(field, "parent", None) is None for field in built.values())
    assert DocumentSerializer(document).data == {**first.data, **_relative(first.data)}
    assert list(_plain_twin()(document).data.items()) == list(
        DocumentSerializer(document).data.items()
    )


def _relative(data: dict) -> dict:
    return {key: data[key].removeprefix("http://one.test") for key in ("url", "download_url")}
