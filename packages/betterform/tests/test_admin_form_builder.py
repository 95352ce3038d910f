"""The form builder's server side (issue 18): the schema textarea stays the one field the
server validates with ``validate_schema``; it carries the builder's rules (the field types of
``schema.py``) and, after a refused save, the errors by path, which the builder shows next to
their field. What the builder writes to the textarea is saved unchanged; what the API refuses,
the admin refuses with the same messages. The browser side: tests/site/browser/test_form_builder.py.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest

from betterform.admin_forms import BUILDER_RULES
from betterform.models import Form
from betterform.schema import FIELD_TYPES, SchemaError, validate_schema

pytestmark = pytest.mark.django_db

FORM_ADD = "/admin/betterform/form/add/"
FORMS = "/api/forms/"


class _Textarea(HTMLParser):
    """The attributes and text of the page's ``<textarea name="schema">``."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] | None = None
        self.text = ""
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "textarea" and dict(attrs).get("name") == "schema":
            self.attrs, self._inside = dict(attrs), True

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "textarea"

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.text += data


def _schema_textarea(response: Any) -> _Textarea:
    parser = _Textarea()
    parser.feed(response.content.decode())
    assert parser.attrs is not None, "no schema textarea on the page"
    return parser


def _posted(page: Any, schema: str) -> dict[str, Any]:
    """The add form as the browser posts it (with its inlines' management forms)."""
    data: dict[str, Any] = {"name": "Kitchen", "slug": "kitchen", "schema": schema}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({bound.html_name: bound.value() for bound in management})
    return data


def _as_builder_writes(schema: Any) -> str:
    return json.dumps(schema, indent=2)  # JSON.stringify(schema, null, 2)


def test_the_page_loads_the_builder_with_the_types_schema_py_allows(admin_client):
    page = admin_client.get(FORM_ADD)
    assert b"betterform/admin/form_builder.js" in page.content
    textarea = _schema_textarea(page)
    rules = json.loads(textarea.attrs["data-schema-builder"])
    assert rules == BUILDER_RULES and rules["types"] == list(FIELD_TYPES)
    assert "data-schema-errors" not in textarea.attrs  # nothing refused yet


def test_a_refused_save_embeds_the_errors_by_path_for_the_builder(admin_client, kitchen_schema):
    kitchen_schema["sections"].append(
        {"title": "More", "fields": [{"key": "area", "label": "Again", "type": "text"}]}
    )
    kitchen_schema["sections"][0]["fields"][1]["options"][0]["price"] = "cheap"
    with pytest.raises(SchemaError) as refused:
        validate_schema(kitchen_schema)
    page = admin_client.get(FORM_ADD)
    response = admin_client.post(FORM_ADD, _posted(page, _as_builder_writes(kitchen_schema)))
    assert response.status_code == 200
    textarea = _schema_textarea(response)
    errors = json.loads(textarea.attrs["data-schema-errors"])
    assert errors == refused.value.errors
    assert "sections[2].fields[0].key" in errors  # the appended section
    assert "sections[0].fields[1].options[0].price" in errors
    assert json.loads(textarea.text) == kitchen_schema  # the builder re-reads what was posted
    assert Form.objects.count() == 0


def test_the_schema_the_builder_writes_is_saved_unchanged(admin_client, kitchen_schema):
    page = admin_client.get(FORM_ADD)
    response = admin_client.post(FORM_ADD, _posted(page, _as_builder_writes(kitchen_schema)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    form = Form.objects.get()
    assert form.schema == kitchen_schema
    assert form.versions.get().schema == kitchen_schema
    change = admin_client.get(f"/admin/betterform/form/{form.pk}/change/")
    assert json.loads(_schema_textarea(change).text) == kitchen_schema


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("type", "dropdown"),
        ("options", []),
        ("key", "Not A Key"),
    ],
)
def test_a_field_the_api_refuses_is_refused_with_the_same_errors(
    admin_client, staff_client, kitchen_schema, where, value
):
    kitchen_schema["sections"][0]["fields"][1][where] = value
    page = admin_client.get(FORM_ADD)
    response = admin_client.post(FORM_ADD, _posted(page, _as_builder_writes(kitchen_schema)))
    assert response.status_code == 200
    form = response.context["adminform"].form
    api = staff_client.post(
        FORMS, {"name": "Kitchen", "slug": "kitchen", "schema": kitchen_schema}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["errors"]["schema"] == form.errors["schema"]
    embedded = json.loads(_schema_textarea(response).attrs["data-schema-errors"])
    assert any(path.startswith("sections[0].fields[1]") for path in embedded)
    assert Form.objects.count() == 0
