"""Templates: packaged defaults, database overrides, versions, the staff API and preview."""

from __future__ import annotations

import pytest
from reversion.models import Version

from createpdf.models import DocumentTemplate
from createpdf.template_store import packaged_templates, resolve_template

pytestmark = pytest.mark.django_db

HTML = "<h1>{{ title }}</h1>"


def test_packaged_defaults_are_found_with_their_css_and_sample():
    report = packaged_templates()["report"]
    assert report.name == "Report"
    assert report.origin == "package:createpdf"
    assert "@page" in report.css
    assert report.sample_context["title"] == "Sample report"


def test_an_active_database_row_overrides_the_packaged_default_and_an_inactive_one_does_not():
    row = DocumentTemplate.objects.create(slug="report", name="Ours", html=HTML, active=False)
    assert resolve_template("report").origin == "package:createpdf"
    row.active = True
    row.save()
    resolved = resolve_template("report")
    assert resolved.origin == "database" and resolved.html == HTML


def test_the_cache_key_follows_content_and_context_not_key_order():
    template = resolve_template("report")
    assert template.cache_key({"a": 1, "b": 2}) == template.cache_key({"b": 2, "a": 1})
    assert template.cache_key({"a": 1}) != template.cache_key({"a": 2})


def test_staff_create_and_change_templates_and_each_write_is_a_version(staff_client, staff):
    created = staff_client.post(
        "/api/pdf/templates/", {"slug": "letter", "name": "Letter", "html": HTML}, format="json"
    )
    assert created.status_code == 201
    changed = staff_client.patch("/api/pdf/templates/letter/", {"css": "h1 { color: red }"})
    assert changed.status_code == 200
    template = DocumentTemplate.objects.get(slug="letter")
    versions = Version.objects.get_for_object(template)
    assert versions.count() == 2
    assert versions.first().revision.user == staff
    assert resolve_template("letter").version == f"db:v{versions.first().pk}"


def test_a_template_that_does_not_compile_is_refused_with_line_and_message(staff_client):
    response = staff_client.post(
        "/api/pdf/templates/",
        {"slug": "bad", "name": "Bad", "html": "<p>ok</p>\n{% for x in %}"},
        format="json",
    )
    assert response.status_code == 400
    [message] = response.json()["errors"]["html"]
    assert message.startswith("does not compile: line 2: ")
    assert not DocumentTemplate.objects.filter(slug="bad").exists()


@pytest.mark.parametrize(
    ("sample_context", "message"),
    [
        (None, "This field may not be null."),
        ([1, 2], "must be a JSON object."),
        ("text", "must be a JSON object."),
    ],
)
def test_a_sample_context_that_is_not_an_object_is_a_400_not_a_500(
    staff_client, sample_context, message
):
    # Found by schemathesis (suites/fuzz.py): the form value "null" hit the NOT NULL column.
    response = staff_client.post(
        "/api/pdf/templates/",
        {"slug": "odd", "name": "Odd", "html": HTML, "sample_context": sample_context},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"sample_context": [message]}
    assert not DocumentTemplate.objects.filter(slug="odd").exists()


def test_reps_cannot_edit_templates_but_can_list_what_is_available(rep_client):
    assert rep_client.get("/api/pdf/templates/").status_code == 403
    assert rep_client.post("/api/pdf/templates/", {"slug": "x"}).status_code == 403
    available = rep_client.get("/api/pdf/templates/available/")
    assert available.status_code == 200
    assert {"slug": "report", "name": "Report", "origin": "package:createpdf"}.items() <= (
        next(row for row in available.json() if row["slug"] == "report").items()
    )


def test_the_schema_describes_available_templates_as_the_plain_list_the_view_returns(rep_client):
    # Found by schemathesis (suites/fuzz.py): the schema promised a paginated object.
    schema = rep_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/pdf/templates/available/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert isinstance(rep_client.get("/api/pdf/templates/available/").json(), list)
    assert not {p["name"] for p in operation.get("parameters", [])} & {"page", "search", "ordering"}


def test_preview_renders_a_pdf_synchronously_for_staff(staff_client, pdf):
    response = staff_client.post(
        "/api/pdf/templates/preview/", {"html": HTML, "context": {"title": "Draft"}}, format="json"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Draft" in pdf.text(response.content)


def test_preview_of_a_saved_template_uses_its_sample_context(staff_client, pdf):
    response = staff_client.post("/api/pdf/templates/preview/", {"template": "report"})
    assert "Sample report" in pdf.text(response.content)


def test_preview_is_size_limited_and_errors_are_400s(staff_client, settings):
    settings.CREATEPDF_PREVIEW_MAX_PAGES = 2
    many_pages = "{% for n in range(5) %}<p style='break-after: page'>{{ n }}</p>{% endfor %}"
    response = staff_client.post("/api/pdf/templates/preview/", {"html": many_pages, "context": {}})
    assert response.status_code == 400
    assert "more than the limit of 2" in response.json()["errors"]["html"][0]
    broken = staff_client.post("/api/pdf/templates/preview/", {"html": "{{ missing }}"})
    assert broken.json()["errors"] == {"html": ["line 1: 'missing' is undefined"]}


def test_reps_cannot_preview(rep_client):
    assert rep_client.post("/api/pdf/templates/preview/", {"html": HTML}).status_code == 403
