"""The actions that answer a PDF (a document's download, the template preview) serve it to
``Accept: application/pdf``, what a client generated from the schema sends, and answer every
error as JSON with the API's error body whatever the ``Accept`` (createpdf.renderers)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from createpdf.models import Document

pytestmark = pytest.mark.django_db(transaction=True)

PDF = {"HTTP_ACCEPT": "application/pdf"}
LETTER = {
    "template": "report",
    "context": {"title": "Kitchen renovation", "subtitle": "", "generated_at": "", "sections": []},
}


def _download(client: APIClient, document_id: int, **headers: str):
    return client.get(f"/api/pdf/documents/{document_id}/download/", **headers)


def _assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "errors"} and body["code"] == code
    return body


@pytest.fixture
def document_id(rep_client) -> int:
    return rep_client.post("/api/pdf/documents/", LETTER, format="json").json()["id"]


def test_a_done_document_downloads_to_accept_application_pdf(
    rep_client, document_id, run_worker, pdf
):
    run_worker()

    response = _download(rep_client, document_id, **PDF)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Kitchen renovation" in pdf.text(b"".join(response.streaming_content))


def test_accept_application_json_still_gets_the_pdf_of_a_done_document(
    rep_client, document_id, run_worker, pdf
):
    run_worker()

    response = _download(rep_client, document_id, HTTP_ACCEPT="application/json")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf.pages(b"".join(response.streaming_content)) == 1


def test_the_etag_still_answers_304_to_accept_application_pdf(rep_client, document_id, run_worker):
    run_worker()
    etag = _download(rep_client, document_id, **PDF)["ETag"]

    again = _download(rep_client, document_id, HTTP_IF_NONE_MATCH=etag, **PDF)

    assert again.status_code == 304 and again["ETag"] == etag


def test_a_pending_document_is_a_409_in_json(rep_client, document_id):
    body = _assert_json_error(_download(rep_client, document_id, **PDF), 409, "conflict")
    assert body["detail"] == "The document is queued; download it when its status is done."


def test_a_failed_document_is_a_409_in_json_naming_the_error(rep_client, document_id):
    Document.objects.filter(pk=document_id).update(
        status=Document.Status.FAILED, error="line 3: 'total' is undefined"
    )

    body = _assert_json_error(_download(rep_client, document_id, **PDF), 409, "conflict")
    assert body["detail"] == "The render failed: line 3: 'total' is undefined"


def test_an_unknown_document_is_a_404_in_json(rep_client):
    _assert_json_error(_download(rep_client, 987654, **PDF), 404, "not_found")


def test_someone_elses_document_is_a_404_in_json(document_id, other_rep, run_worker):
    run_worker()
    stranger = APIClient()
    stranger.force_authenticate(other_rep)

    _assert_json_error(_download(stranger, document_id, **PDF), 404, "not_found")


def test_no_or_wrong_credentials_are_401s_in_json(document_id):
    anonymous = APIClient()
    _assert_json_error(_download(anonymous, document_id, **PDF), 401, "not_authenticated")

    wrong = _download(anonymous, document_id, HTTP_AUTHORIZATION="Token nope", **PDF)
    _assert_json_error(wrong, 401, "authentication_failed")


def test_an_accept_neither_json_nor_pdf_is_a_406_in_json(rep_client, document_id):
    response = _download(rep_client, document_id, HTTP_ACCEPT="text/csv")

    body = _assert_json_error(response, 406, "not_acceptable")
    assert "application/json, application/pdf" in body["detail"]


def test_accept_text_csv_on_a_json_endpoint_is_a_406_with_the_error_body(rep_client):
    body = _assert_json_error(
        rep_client.get("/api/pdf/documents/", HTTP_ACCEPT="text/csv"), 406, "not_acceptable"
    )
    assert "(text/csv)" in body["detail"]


def test_a_throttled_download_is_a_429_in_json(rep_client, document_id, monkeypatch):
    # DRF's throttles read their rates once, at import: change the class's own.
    rates = {**UserRateThrottle.THROTTLE_RATES, "user": "1/minute"}
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    _download(rep_client, document_id, **PDF)

    response = _download(rep_client, document_id, **PDF)

    _assert_json_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_the_preview_answers_accept_application_pdf_with_the_pdf(staff_client, pdf):
    response = staff_client.post(
        "/api/pdf/templates/preview/",
        {"html": "<h1>{{ title }}</h1>", "context": {"title": "Draft"}},
        format="json",
        **PDF,
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Draft" in pdf.text(response.content)


def test_a_bad_preview_template_is_a_400_in_json(staff_client):
    response = staff_client.post(
        "/api/pdf/templates/preview/", {"html": "{{ missing }}"}, format="json", **PDF
    )

    body = _assert_json_error(response, 400, "invalid")
    assert body["errors"] == {"html": ["line 1: 'missing' is undefined"]}
    assert body["detail"] == "Invalid input: html: line 1: 'missing' is undefined"


def test_a_rep_previewing_is_a_403_in_json(rep_client):
    response = rep_client.post(
        "/api/pdf/templates/preview/", {"html": "<p>x</p>"}, format="json", **PDF
    )

    _assert_json_error(response, 403, "permission_denied")


def test_options_on_the_download_with_accept_application_pdf_is_described_in_json(
    rep_client, document_id
):
    response = rep_client.options(f"/api/pdf/documents/{document_id}/download/", **PDF)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "application/pdf" in response.json()["renders"]


@pytest.mark.parametrize("format_", ["json", "pdf"])
@pytest.mark.parametrize("accept", ["application/json", "application/pdf", "*/*"])
def test_format_in_the_query_changes_nothing_the_accept_header_decides(
    rep_client, document_id, run_worker, format_, accept
):
    """DRF's ``?format=`` override would pick a renderer and then 406 an Accept of JSON."""
    run_worker()
    url = f"/api/pdf/documents/{document_id}/download/?format={format_}"

    response = rep_client.get(url, HTTP_ACCEPT=accept)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_file_actions_offer_no_format_parameter_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, method in (
        ("/api/pdf/documents/{id}/download/", "get"),
        ("/api/pdf/templates/preview/", "post"),
    ):
        names = {p["name"] for p in schema["paths"][path][method].get("parameters", [])}
        assert "format" not in names, path


def test_an_empty_preview_says_what_to_send(staff_client):
    body = _assert_json_error(
        staff_client.post("/api/pdf/templates/preview/", {}, format="json", **PDF), 400, "invalid"
    )
    assert body["errors"]["non_field_errors"] == [
        "Send 'template' (a stored or packaged template's slug) or 'html' to preview."
    ]
