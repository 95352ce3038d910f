"""The admin: template editor with compile errors, history and preview; documents list."""

from __future__ import annotations

import pytest
from reversion.models import Version

from createpdf.models import Document, DocumentTemplate

pytestmark = pytest.mark.django_db


def test_saving_a_template_that_does_not_compile_shows_the_line(admin_client):
    response = admin_client.post(
        "/admin/createpdf/documenttemplate/add/",
        {
            "slug": "bad",
            "name": "Bad",
            "html": "ok\n{{ x ",
            "css": "",
            "sample_context": "{}",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "line 2" in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_saving_a_template_records_a_version_and_preview_renders_it(admin_client, pdf):
    response = admin_client.post(
        "/admin/createpdf/documenttemplate/add/",
        {
            "slug": "hello",
            "name": "Hello",
            "html": "<h1>{{ who }}</h1>",
            "css": "",
            "sample_context": '{"who": "Admin preview"}',
            "active": "on",
        },
    )
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(slug="hello")
    [version] = Version.objects.get_for_object(template)
    history = admin_client.get(f"/admin/createpdf/documenttemplate/{template.pk}/history/")
    assert f"/history/{version.pk}/" in history.content.decode(), "the version can be reverted to"
    change = admin_client.get(f"/admin/createpdf/documenttemplate/{template.pk}/change/")
    assert "Preview PDF" in change.content.decode()
    preview = admin_client.get(f"/admin/createpdf/documenttemplate/{template.pk}/preview/")
    assert preview["Content-Type"] == "application/pdf"
    assert "Admin preview" in pdf.text(preview.content)


def test_documents_list_filters_and_rerender_action(
    admin_client, django_capture_on_commit_callbacks
):
    document = Document.objects.create(
        template_slug="report",
        template_version="package:x",
        cache_key="k",
        status="failed",
        error="boom",
    )
    listing = admin_client.get("/admin/createpdf/document/?status__exact=failed")
    assert listing.status_code == 200 and "report" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/createpdf/document/",
            {"action": "rerender_selected", "_selected_action": [document.pk]},
        )
    document.refresh_from_db()
    assert document.status == "queued" and document.error == ""
