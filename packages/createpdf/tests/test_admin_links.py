"""The document admin links its source's admin page (any model, through ``source_type``) and
its file through the authenticated download, not the media URL (which the site does not
serve)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse

from createpdf.models import Document, DocumentTemplate

pytestmark = pytest.mark.django_db


def _document(source, **fields) -> Document:
    return Document.objects.create(
        template_slug="report",
        template_version="package:x",
        cache_key=f"k-{source.pk}-{source._meta.model_name}",
        source_type=ContentType.objects.get_for_model(source),
        source_id=str(source.pk),
        **fields,
    )


def test_the_source_is_a_link_to_its_admin_page_and_the_file_to_the_download(
    admin_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    template = DocumentTemplate.objects.create(slug="letter", name="Letter", html="<p>hi</p>")
    document = _document(template, status="done")
    document.file.save("letter.pdf", ContentFile(b"%PDF-1.7\n%%EOF"))
    page = admin_client.get(f"/admin/createpdf/document/{document.pk}/change/").content.decode()
    source_url = reverse("admin:createpdf_documenttemplate_change", args=[template.pk])
    assert f'<a href="{source_url}">' in page
    download = reverse("createpdf:document-download", args=[document.pk])
    assert f'<a href="{download}">letter' in page
    assert settings.MEDIA_URL + "documents/" not in page, "no link to the unserved media URL"


def test_a_source_without_an_admin_page_is_named_not_linked(admin_client):
    source = ContentType.objects.get_for_model(Document)  # content types have no admin
    document = _document(source)
    page = admin_client.get(f"/admin/createpdf/document/{document.pk}/change/").content.decode()
    assert f"content type: {source}" in page
