"""Quote PDFs through createpdf: the context, the packaged ``quote`` template, and documents
queued from the quotes API or as a createpdf source, rendered by the worker and downloaded."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D
from typing import Any

import pypdf
import pytest
from background_task.tasks import tasks

from betterform import services
from betterform.documents import quote_context
from betterform.models import Quote
from createpdf.models import Document
from createpdf.rendering import render_html
from createpdf.template_store import packaged_templates

LINES = [
    {"description": "Cabinets", "quantity": D("2"), "unit": "pcs", "unit_price": D("1250.00"),
     "tax_rate": D("21"), "discount_percent": D("10")},
    {"description": "Fitting", "quantity": D("7.5"), "unit": "h", "unit_price": D("45.00"),
     "tax_rate": D("9")},
    {"description": "Worktop", "quantity": D("1"), "unit_price": D("899.99"), "tax_rate": D("21")},
]  # fmt: skip
TOTAL = "EUR 4,179.37"  # 2,722.50 + 367.88 + 1,088.99


def _quote(owner: Any, lines: list[dict[str, Any]] = LINES, **fields: Any) -> Quote:
    fields.setdefault("customer_name", "Ada Lovelace")
    fields.setdefault("customer_email", "ada@example.com")
    fields.setdefault("title", "Kitchen renovation")
    return services.create_quote(owner=owner, lines=lines, **fields)


def _run_worker(limit: int = 20) -> int:
    """Run due background tasks in this process, as ``process_tasks`` would."""
    ran = 0
    while ran < limit and tasks.run_next_task():
        ran += 1
    return ran


def _pages(client: Any, document_id: int) -> list[str]:
    """The text of each page of a finished document, downloaded as its requester would."""
    response = client.get(f"/api/pdf/documents/{document_id}/download/")
    assert response.status_code == 200, getattr(response, "data", response)
    reader = pypdf.PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return [page.extract_text() for page in reader.pages]


def _finished(client: Any, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.json()
    assert _run_worker() == 1
    document = client.get(response.json()["url"]).json()
    assert document["status"] == "done", document["error"]
    return document


# --- the context and the template (no rendering to PDF) -----------------------------------


@pytest.mark.django_db
def test_the_context_is_plain_json_with_formatted_amounts(rep):
    context = quote_context(_quote(rep, notes="Ground floor."))
    assert json.loads(json.dumps(context)) == context
    assert context["number"].startswith("Q-")
    assert context["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert context["currency"] == "EUR"
    cabinets = context["lines"][0]
    assert (cabinets["quantity"], cabinets["unit_price"], cabinets["tax_rate"]) == (
        "2",
        "1,250.00",
        "21%",
    )
    assert (cabinets["gross"], cabinets["discount"], cabinets["total"]) == (
        "2,500.00",
        "250.00",
        "2,722.50",
    )
    assert context["lines"][1]["quantity"] == "7.5"
    assert context["totals"] == {
        "subtotal": "3,737.49",
        "discount_total": "250.00",
        "tax_total": "691.88",
        "total": "4,179.37",
    }
    assert context["has_discounts"] is True
    assert context["valid_until"] and context["issued_on"]
    assert list(context["chart"]["slices"]) == ["1. Cabinets", "3. Worktop", "2. Fitting"]


@pytest.mark.django_db
def test_many_lines_share_one_chart_slice_beyond_the_largest_five(rep):
    lines = [
        {"description": f"Item {n}", "quantity": D(1), "unit_price": D(n)} for n in range(1, 9)
    ]
    slices = quote_context(_quote(rep, lines))["chart"]["slices"]
    assert len(slices) == 6
    assert slices["3 other lines"] == "6.00"  # 1 + 2 + 3


@pytest.mark.django_db
def test_the_template_renders_a_bare_quote_without_undefined_names(rep):
    bare = services.create_quote(owner=rep, valid_until=None)
    context = quote_context(bare)
    assert context["chart"] is None and context["lines"] == []
    template = packaged_templates()["quote"]
    html = render_html(template.html, context)
    assert "No lines yet." in html and bare.number in html
    render_html(template.css, context)


def test_the_packaged_template_and_its_sample_context_fit_together():
    template = packaged_templates()["quote"]
    assert template.name == "Quote" and template.origin == "package:betterform"
    html = render_html(template.html, template.sample_context)
    assert "createpdf-static:createpdf/brand/logo.svg" in html
    assert "<svg" in html, "the sample has a chart"


# --- documents through the API -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_quote_pdf_is_queued_rendered_and_downloaded_by_its_requester(rep_client, rep):
    quote = _quote(rep)
    response = rep_client.post(f"/api/quotes/{quote.pk}/pdf/")
    assert response.json()["status"] == "queued"
    assert response.json()["source"] == {"type": "betterform.quote", "id": str(quote.pk)}
    document = _finished(rep_client, response)
    assert document["title"] == f"Quote {quote.number}"
    assert document["pages"] == 1

    (text,) = _pages(rep_client, document["id"])
    for expected in (quote.number, "Ada Lovelace", "Cabinets", "Fitting", "Worktop", TOTAL):
        assert expected in text
    assert "Page 1 of 1" in text


@pytest.mark.django_db(transaction=True)
def test_an_unchanged_quote_returns_the_finished_pdf_and_a_changed_one_renders_again(
    rep_client, rep
):
    quote = _quote(rep)
    first = _finished(rep_client, rep_client.post(f"/api/quotes/{quote.pk}/pdf/"))
    again = rep_client.post(f"/api/quotes/{quote.pk}/pdf/")
    assert again.status_code == 200 and again.json()["id"] == first["id"]

    rep_client.patch(f"/api/quotes/{quote.pk}/", {"title": "Changed"}, format="json")
    changed = rep_client.post(f"/api/quotes/{quote.pk}/pdf/")
    assert changed.status_code == 202 and changed.json()["id"] != first["id"]


@pytest.mark.django_db(transaction=True)
def test_a_long_quote_spans_pages_with_the_totals_on_the_last(rep_client, rep):
    lines = [
        {"description": f"Component {n:02d}", "quantity": D(1), "unit_price": D("10.00")}
        for n in range(1, 61)
    ]
    quote = _quote(rep, lines, customer_name="Grace Hopper", notes="Delivery in May.")
    document = _finished(rep_client, rep_client.post(f"/api/quotes/{quote.pk}/pdf/"))
    pages = _pages(rep_client, document["id"])
    assert len(pages) == document["pages"] > 1
    assert "Component 01" in pages[0] and "Component 60" not in pages[0]
    assert all(f"Component {n:02d}" in "".join(pages) for n in range(1, 61))
    assert "Subtotal" in pages[-1] and "EUR 600.00" in pages[-1]
    assert "Delivery in May." in pages[-1] and "valid until" in pages[-1]
    assert not any("Subtotal" in page or "EUR 600.00" in page for page in pages[:-1])
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


@pytest.mark.django_db(transaction=True)
def test_a_quote_pdf_can_be_asked_for_as_a_createpdf_source(rep_client, rep):
    quote = _quote(rep)
    response = rep_client.post(
        "/api/pdf/documents/",
        {"source": {"type": "betterform.quote", "id": str(quote.pk)}},
        format="json",
    )
    document = _finished(rep_client, response)
    assert document["template_slug"] == "quote"
    (text,) = _pages(rep_client, document["id"])
    assert quote.number in text and "Ada Lovelace" in text and TOTAL in text
    same = rep_client.post(f"/api/quotes/{quote.pk}/pdf/")
    assert same.json()["id"] == document["id"], "both ways give the same document"


@pytest.mark.django_db(transaction=True)
def test_another_rep_cannot_get_a_pdf_of_a_quote_they_cannot_see(other_client, rep):
    quote = _quote(rep)
    response = other_client.post(
        "/api/pdf/documents/",
        {"source": {"type": "betterform.quote", "id": str(quote.pk)}},
        format="json",
    )
    assert response.status_code == 400
    assert "that you can see" in str(response.json()["errors"]["source"])
    assert other_client.post(f"/api/quotes/{quote.pk}/pdf/").status_code == 404
    assert not Document.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_staff_get_the_pdf_of_any_quote(staff_client, rep):
    quote = _quote(rep)
    document = _finished(staff_client, staff_client.post(f"/api/quotes/{quote.pk}/pdf/"))
    assert quote.number in _pages(staff_client, document["id"])[0]


@pytest.mark.django_db(transaction=True)
def test_an_api_key_client_queues_a_pdf_with_no_requester(api_key_client, rep):
    quote = _quote(rep)
    response = api_key_client.post(f"/api/quotes/{quote.pk}/pdf/")
    assert response.status_code == 202
    assert Document.objects.get(pk=response.json()["id"]).requested_by is None


@pytest.mark.django_db(transaction=True)
def test_an_api_key_client_downloads_the_pdf_it_queued(api_key_client, rep):
    quote = _quote(rep)
    document = _finished(api_key_client, api_key_client.post(f"/api/quotes/{quote.pk}/pdf/"))
    assert quote.number in _pages(api_key_client, document["id"])[0]


@pytest.mark.django_db  # the company profile, when filled in, comes first (test_company.py)
def test_the_seller_on_the_pdf_comes_from_betterform_company(settings):
    from betterform.documents import company_details

    settings.BETTERFORM_COMPANY = {"name": "Renovations Ltd", "email": "hello@renov.example"}
    details = company_details()
    assert details["name"] == "Renovations Ltd"
    assert details["email"] == "hello@renov.example"
    assert details["website"] == "www.example.com", "unset keys keep their default"
