"""Review (session 25): JSON that no database stores besides NUL and lone surrogates.

- a number Python reads as infinite or not a number (``1e400``; ``NaN`` and ``Infinity``, which
  ``json.loads`` and Django's form field accept) is written back as ``Infinity``/``NaN``:
  PostgreSQL's ``jsonb`` refuses it ("invalid input syntax for type json") and SQLite's
  ``JSON_VALID`` check too (an ``IntegrityError``);
- JSON nested near 1,000 levels makes ``json.loads`` raise ``RecursionError`` (not a
  ``ValueError``: DRF's parser and Django's form field let it through as a 500), and a few
  hundred levels overflow the stack later (``make_storable``, ``json.dumps`` deep in the ORM).

Both were a 500 at the doors ``createpdf.storable`` guards; each is now a 400 (API), a message
by the field (admin) or made storable (monday), on SQLite and PostgreSQL."""

from __future__ import annotations

import html

import pytest

from createpdf.models import Document, DocumentTemplate
from createpdf.storable import MAX_DEPTH, TooDeep, find_unstorable, make_storable, too_deep

ADMIN_ADD = "/admin/createpdf/documenttemplate/add/"
TEMPLATE = {
    "slug": "offer",
    "name": "Offer",
    "html": "<p>{{ name }}</p>",
    "css": "p { color: red }",
}


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_numbers_no_database_stores_are_found_and_made_storable():
    value = {"a": [1.5, {"b": float("inf")}], "c": float("nan"), "d": -float("inf")}
    assert find_unstorable(value) == ("a[1].b", "a number no database stores (Infinity)")
    assert find_unstorable({"c": float("nan")}) == ("c", "a number no database stores (NaN)")
    assert make_storable(value) == {
        "a": [1.5, {"b": "Infinity"}],
        "c": "NaN",
        "d": "-Infinity",
    }


def test_nesting_deeper_than_the_limit_is_found_and_never_overflows_the_stack():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert too_deep(deep) and not too_deep(_nest(MAX_DEPTH))
    assert too_deep(_nest(MAX_DEPTH + 1))
    where, what = find_unstorable({"x": deep})
    assert what == f"JSON nested more than {MAX_DEPTH} levels deep"
    assert where == "x" + "[0]" * (MAX_DEPTH - 1)
    assert find_unstorable(_nest(MAX_DEPTH)) is None
    with pytest.raises(TooDeep):
        make_storable({"x": deep})


def _nest(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 800, 995, 5000, 100_000])
def test_an_api_body_nested_too_deep_is_a_400(rep_client, levels):
    body = '{"template": "offer", "context": {"a": ' + nested(levels) + "}}"
    rep_client.raise_request_exception = False
    response = rep_client.post("/api/pdf/documents/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert f"nested more than {MAX_DEPTH} levels deep" in response.json()["detail"]
    assert not Document.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_an_api_context_with_an_infinite_number_is_a_400_naming_where(rep_client, number):
    DocumentTemplate.objects.create(**TEMPLATE)
    body = '{"template": "offer", "context": {"rows": [{"n": ' + number + "}]}}"
    response = rep_client.post("/api/pdf/documents/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "context.rows[0].n holds a number no database stores" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('{"x": NaN}', "x holds a number no database stores (NaN)"),
        ('{"x": Infinity}', "x holds a number no database stores (Infinity)"),
        ('{"x": -1e400}', "x holds a number no database stores (-Infinity)"),
        ('{"x": ' + nested(MAX_DEPTH + 5) + "}", f"nested more than {MAX_DEPTH} levels deep"),
        ('{"x": ' + nested(800) + "}", f"nested more than {MAX_DEPTH} levels deep"),
        ('{"x": ' + nested(5000) + "}", f"nested more than {MAX_DEPTH} levels deep"),
    ],
    ids=["nan", "infinity", "1e400", "deep", "800", "5000"],
)
def test_the_admin_refuses_a_sample_context_no_database_stores_and_shows_what_was_typed(
    admin_client, typed, message
):
    admin_client.raise_request_exception = False
    data = {**TEMPLATE, "active": "on", "sample_context": typed}
    response = admin_client.post(ADMIN_ADD, data)
    assert response.status_code == 200, response.content[:300]
    [error] = response.context["adminform"].form.errors["sample_context"]
    assert message in error
    assert html.escape(typed[:40]) in response.content.decode(), "shown as typed"
    assert not DocumentTemplate.objects.exists()
