"""The PDFs of a customer's answer are evidence: the PDF they accepted or declined and the signed
copy are kept (``createpdf.models.Document.kept``), so no door renders them again or deletes
them: the API's rerender, the admin's action, its delete and bulk delete, the ORM. The quote
page keeps serving the bytes whose sha256 the answer recorded, and the signed copy can still
be made. Real renders, no mocks."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db.models import ProtectedError

from betterform import answering, services
from betterform.models import Quote, QuoteAnswer
from betterform.signed_copy import ensure_signed_copy
from createpdf import services as createpdf_services
from createpdf.models import Document
from createpdf.render_job import render_document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def quote(rep, submission) -> Quote:
    quote = services.build_quote(submission(owner=rep))
    services.update_quote(quote, status=Quote.Status.SENT)
    return quote


@pytest.fixture
def accepted(quote) -> QuoteAnswer:
    answer, created = answering.accept_quote(
        quote, signer_name="Ada Lovelace", consent=True, ip_address=None, user_agent=""
    )
    assert created
    return answer


def _read(document: Document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def _customer_pdf(client: Any, quote: Quote) -> bytes:
    response = client.get(f"/q/{quote.customer_token}/pdf/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_pdf_accepted_is_kept_and_the_api_will_not_render_it_again(
    accepted, staff_client, client, django_capture_on_commit_callbacks
):
    shown = Document.objects.get(pk=accepted.shown_document_id)
    assert shown.kept
    original = _read(shown)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/api/pdf/documents/{shown.pk}/rerender/")
    assert response.status_code == 409
    assert "kept as a record" in response.json()["detail"]

    stored = Document.objects.get(pk=shown.pk)
    assert (stored.status, stored.sha256) == (Document.Status.DONE, accepted.shown_sha256)
    served = _customer_pdf(client, accepted.quote)
    assert served == original and hashlib.sha256(served).hexdigest() == accepted.shown_sha256

    signed = ensure_signed_copy(accepted)  # no "the PDF stored is not the one shown"
    assert Document.objects.get(pk=signed.pk).kept
    again = staff_client.post(f"/api/pdf/documents/{signed.pk}/rerender/")
    assert again.status_code == 409


def test_the_admin_action_renders_neither_pdf_again(
    accepted, admin_client, django_capture_on_commit_callbacks
):
    signed = ensure_signed_copy(accepted)
    shown = Document.objects.get(pk=accepted.shown_document_id)
    before = {shown.pk: _read(shown), signed.pk: _read(signed)}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/createpdf/document/",
            {"action": "rerender_selected", "_selected_action": list(before)},
            follow=True,
        )
    [warning] = [str(message) for message in response.context["messages"]]
    assert warning.startswith("Not rendered again") and f"#{shown.pk}" in warning
    for document in Document.objects.filter(pk__in=before):
        assert document.status == Document.Status.DONE
        assert _read(document) == before[document.pk]


def test_neither_pdf_can_be_deleted(accepted, admin_client):
    signed = ensure_signed_copy(accepted)
    pks = [accepted.shown_document_id, signed.pk]
    for pk in pks:
        assert admin_client.get(f"/admin/createpdf/document/{pk}/delete/").status_code == 403
        with pytest.raises(ProtectedError):
            Document.objects.get(pk=pk).delete()
    selection = {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
    admin_client.post("/admin/createpdf/document/", selection)
    assert Document.objects.filter(pk__in=pks).count() == 2

    # The answer protects them too, kept or not (``on_delete=PROTECT``).
    Document.objects.filter(pk__in=pks).update(kept=False)
    for pk in pks:
        with pytest.raises(ProtectedError):
            Document.objects.filter(pk=pk).delete()
    answer = QuoteAnswer.objects.get(pk=accepted.pk)
    assert (answer.shown_document_id, answer.signed_document_id) == tuple(pks)


def test_the_pdf_declined_is_kept_too(quote, staff_client):
    document = answering.current_pdf(quote)
    render_document(document.pk)
    answer, _ = answering.decline_quote(quote, reason="Too dear", ip_address=None, user_agent="")
    assert answer.shown_document_id == document.pk
    shown = Document.objects.get(pk=document.pk)
    assert shown.kept and shown.sha256 == answer.shown_sha256
    response = staff_client.post(f"/api/pdf/documents/{shown.pk}/rerender/")
    assert response.status_code == 409
    with pytest.raises(ProtectedError):
        shown.delete()


def test_a_pdf_rendered_again_before_the_answer_is_refused_not_recorded(quote):
    """The PDF was queued again after the page read it (done, with its sha256): recording
    the acceptance is refused (the customer looks again) instead of storing a sha256 its
    file may no longer have."""
    document = answering.current_pdf(quote)
    render_document(document.pk)
    as_read = Document.objects.get(pk=document.pk)
    createpdf_services.rerender(Document.objects.get(pk=document.pk))  # staff, meanwhile
    with pytest.raises(answering.QuoteChanged, match="prepared again"):
        answering._record(
            quote, decision=QuoteAnswer.Decision.ACCEPTED, shown=as_read, signer_name="Ada"
        )
    assert not QuoteAnswer.objects.filter(quote=quote).exists()
    assert not Document.objects.get(pk=document.pk).kept


def test_a_job_whose_shown_file_is_gone_logs_that_no_copy_can_be_made(accepted, caplog):
    """What ``test_signed_copy``'s failing-job test can do now that the document itself can
    no longer be deleted: lose its file."""
    from betterform.tasks import sign_quote_copy

    shown = Document.objects.get(pk=accepted.shown_document_id)
    shown.file.storage.delete(shown.file.name)
    sign_quote_copy.now(accepted.pk)
    assert "no signed copy" in caplog.text
    assert QuoteAnswer.objects.get(pk=accepted.pk).signed_document is None
