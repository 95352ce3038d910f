"""A quote's and a submission's admin page link the quote's PDF documents, and the links other
apps add through ``admin_links.register_link_provider`` (betterform cannot import them)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from betterform import admin_links, services
from betterform.models import Quote
from createpdf.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(submission) -> Quote:
    return services.build_quote(submission())


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setattr(admin_links, "_providers", [])
    seen = []

    def links(obj):
        seen.append(obj)
        return [(f"Elsewhere: {obj._meta.model_name} {obj.pk}", "https://example.com/x")]

    admin_links.register_link_provider(links)
    admin_links.register_link_provider(links)  # once only
    return seen


def test_quote_and_submission_pages_link_the_pdf_and_what_other_apps_add(
    admin_client, quote, provider
):
    document = Document.objects.create(
        template_slug="quote",
        template_version="package:x",
        cache_key="k",
        title=quote.number,
        status="done",
        source_type=ContentType.objects.get_for_model(Quote),
        source_id=str(quote.pk),
    )
    document_page = reverse("admin:createpdf_document_change", args=[document.pk])
    download = reverse("createpdf:document-download", args=[document.pk])
    pages = [
        reverse("admin:betterform_quote_change", args=[quote.pk]),
        reverse("admin:betterform_submission_change", args=[quote.submission_id]),
    ]
    for url in pages:
        page = admin_client.get(url).content.decode()
        assert f'<a href="{document_page}">PDF: {quote.number} (done)</a>' in page, url
        assert f'<a href="{download}">' in page, url
        assert '<a href="https://example.com/x">Elsewhere: ' in page, url
    assert provider == [quote, quote.submission]


def test_a_quote_without_a_pdf_or_providers_says_so(admin_client, quote, monkeypatch):
    monkeypatch.setattr(admin_links, "_providers", [])
    assert admin_links.record_links(quote) == []
    page = admin_client.get(reverse("admin:betterform_quote_change", args=[quote.pk]))
    assert page.status_code == 200
