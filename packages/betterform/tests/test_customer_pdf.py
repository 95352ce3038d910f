"""The quote PDF is for the customer: it prints the seller from the company profile (name,
address, registration, logo) and the quote's own title, never the internal status or the name
of the form the quote was built from. Checked on real PDFs (pypdf)."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from django.core.files.base import ContentFile

from betterform import company, services
from betterform.documents import quote_context
from betterform.models import Quote
from createpdf.rendering import render_pdf
from createpdf.template_store import packaged_templates

FORM_NAME = "Kitchen pricing v2 (internal)"
SELLER = {
    "name": "Northwind Kitchens Ltd",
    "address": "12 Harbour Road\n1011 AB Amsterdam",
    "email": "quotes@northwind.example",
    "phone": "+31 20 555 0100",
    "website": "www.northwind.example",
    "registration": "VAT NL123456789B01",
}
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" fill="#1f4e79"/></svg>'
)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _built_quote(form: Any, submission: Any) -> Quote:
    """A draft quote built from a submission: titled with the form's name by build_quote."""
    quote = services.build_quote(submission(form=form(name=FORM_NAME)))
    assert quote.status == Quote.Status.DRAFT and quote.title == FORM_NAME
    return quote


def _pdf(quote: Quote) -> pypdf.PdfReader:
    template = packaged_templates()["quote"]
    rendered = render_pdf(template.html, template.css, quote_context(quote))
    return pypdf.PdfReader(io.BytesIO(rendered.content))


def _text(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _images(reader: pypdf.PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


@pytest.mark.django_db
def test_the_pdf_prints_the_seller_but_not_the_status_or_the_form_name(form, submission):
    company.update_profile(**SELLER, logo=ContentFile(SVG, name="logo.svg"))
    quote = _built_quote(form, submission)
    reader = _pdf(quote)
    text = _text(reader)
    for value in ("Northwind Kitchens Ltd", "12 Harbour Road", "1011 AB Amsterdam",
                  "VAT NL123456789B01", "quotes@northwind.example"):  # fmt: skip
        assert value in text, value
    assert "Draft" not in text and "Status" not in text
    assert "Kitchen pricing" not in text and "internal" not in text
    assert "Your Company" not in text
    assert quote.number in text
    assert reader.metadata.title == f"Quote {quote.number}", "the form name is not the title"


@pytest.mark.django_db
def test_a_title_a_rep_gave_the_quote_is_printed(form, submission):
    quote = _built_quote(form, submission)
    services.update_quote(quote, title="Your new kitchen")
    reader = _pdf(quote)
    assert "Your new kitchen" in _text(reader)
    assert reader.metadata.title == "Your new kitchen"


@pytest.mark.django_db
def test_the_company_logo_is_embedded_and_none_is_printed_without_one(rep):
    quote = services.create_quote(owner=rep, title="Kitchen")
    company.update_profile(**SELLER)  # filled in, no logo: no placeholder logo either
    without = _pdf(quote)
    company.update_profile(logo=ContentFile(_png_bytes(), name="logo.png"))
    with_logo = _pdf(quote)
    assert _images(with_logo) == _images(without) + 1


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_without_a_profile_the_settings_are_printed(settings, rep):
    settings.BETTERFORM_COMPANY = {"name": "Env Renovations", "registration": "KvK 1234"}
    text = _text(_pdf(services.create_quote(owner=rep, title="Kitchen")))
    assert "Env Renovations" in text and "KvK 1234" in text


@pytest.mark.django_db(transaction=True)
def test_the_pdf_the_worker_renders_uses_the_profile(rep_client, rep, run_worker):
    company.update_profile(**SELLER)
    quote = services.create_quote(owner=rep, title="Kitchen", status=Quote.Status.SENT)
    response = rep_client.post(f"/api/quotes/{quote.pk}/pdf/")
    assert response.status_code == 202, response.json()
    run_worker()
    document = rep_client.get(response.json()["url"]).json()
    assert document["status"] == "done", document["error"]
    download = rep_client.get(f"/api/pdf/documents/{document['id']}/download/")
    text = _text(pypdf.PdfReader(io.BytesIO(b"".join(download.streaming_content))))
    assert "Northwind Kitchens Ltd" in text and "VAT NL123456789B01" in text
    assert "Sent" not in text


@pytest.mark.django_db
def test_sending_a_quote_does_not_make_its_pdf_another_document():
    """The customer accepts the PDF they were e-mailed: a status change alone (draft, sent,
    expired) leaves the quote's PDF context, and so its document, as it was."""
    quote = services.create_quote(
        title="Kitchen", lines=[{"description": "Worktop", "quantity": 1, "unit_price": "10"}]
    )
    before = quote_context(quote)
    for status in ("sent", "expired"):
        quote.status = status
        assert quote_context(quote) == before
