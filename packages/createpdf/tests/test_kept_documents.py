"""Documents kept as a record (``Document.kept``, ``services.keep``): never rendered again nor
deleted, whichever door asks (the API's rerender, the admin's action, delete and bulk delete,
the ORM, the worker). Checked on real renders; the file is compared byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import ProtectedError

from createpdf import render_job, services
from createpdf.appending import append_pages
from createpdf.models import Document
from createpdf.template_store import resolve_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _render(title: str = "Sales", requested_by: Any = None) -> Document:
    document, _ = services.request_document(
        template_slug="report",
        context={**resolve_template("report").sample_context, "title": title},
        title=title,
        requested_by=requested_by,
    )
    render_job.render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.DONE
    return document


@pytest.fixture
def kept() -> Document:
    document = _render()
    assert services.keep(document, sha256=document.sha256)
    return document


def _content(document: Document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def _unchanged(document: Document, content: bytes) -> None:
    stored = Document.objects.get(pk=document.pk)
    assert stored.status == Document.Status.DONE and stored.kept
    assert (stored.sha256, stored.file.name) == (document.sha256, document.file.name)
    assert _content(stored) == content


def test_keep_marks_only_a_finished_document_still_holding_the_file_named():
    document = _render()
    assert not document.kept and not services.keep(document, sha256="0" * 64)
    assert not Document.objects.get(pk=document.pk).kept
    assert services.keep(document, sha256=document.sha256) and document.kept
    assert Document.objects.get(pk=document.pk).kept
    queued, _ = services.request_document(template_slug="report", context={}, title="Later")
    assert not services.keep(queued) and not Document.objects.get(pk=queued.pk).kept


def test_the_api_refuses_to_render_a_kept_document_again(
    kept, staff_client, django_capture_on_commit_callbacks
):
    content = _content(kept)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(f"/api/pdf/documents/{kept.pk}/rerender/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert f"Document #{kept.pk} cannot be rendered again" in body["detail"]
    assert "kept as a record" in body["detail"] and "Request a new document" in body["detail"]
    assert callbacks == []  # no render job
    _unchanged(kept, content)
    assert staff_client.get(f"/api/pdf/documents/{kept.pk}/").json()["kept"] is True


def test_a_document_not_kept_is_still_rendered_again(staff_client):
    document = _render()
    response = staff_client.post(f"/api/pdf/documents/{document.pk}/rerender/")
    assert response.status_code == 202 and response.json()["kept"] is False
    assert Document.objects.get(pk=document.pk).status == Document.Status.QUEUED


def test_a_document_kept_after_it_was_read_is_refused_too():
    document = _render()
    content = _content(document)
    stale = Document.objects.get(pk=document.pk)
    services.keep(document, sha256=document.sha256)  # by another process, say
    assert not stale.kept
    with pytest.raises(services.DocumentKept, match="kept as a record"):
        services.rerender(stale)
    _unchanged(document, content)


def test_a_kept_appended_document_is_refused_not_returned(kept):
    extra = {**resolve_template("report").sample_context, "title": "Appendix"}
    appended = append_pages(kept, template_slug="report", context=extra)
    services.keep(appended)
    with pytest.raises(services.DocumentKept):
        services.rerender(appended)


def test_the_worker_never_rewrites_a_kept_documents_file(kept):
    content = _content(kept)
    # Queued again behind ``rerender``'s back (a script, a bug): the worker leaves it.
    Document.objects.filter(pk=kept.pk).update(status=Document.Status.QUEUED)
    assert render_job.render_document(kept.pk) is False
    stored = Document.objects.get(pk=kept.pk)
    assert stored.status == Document.Status.QUEUED and _content(stored) == content


def test_the_admin_action_skips_kept_documents_and_says_which(
    kept, admin_client, django_capture_on_commit_callbacks
):
    other = _render(title="Other")
    content = _content(kept)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/createpdf/document/",
            {"action": "rerender_selected", "_selected_action": [kept.pk, other.pk]},
            follow=True,
        )
    texts = [str(message) for message in response.context["messages"]]
    assert "1 document(s) queued for rendering." in texts
    [warning] = [text for text in texts if text.startswith("Not rendered again")]
    assert f"#{kept.pk}" in warning and f"#{other.pk}" not in warning
    assert "request a new document" in warning
    _unchanged(kept, content)
    assert Document.objects.get(pk=other.pk).status == Document.Status.QUEUED


def test_the_admin_offers_no_delete_for_a_kept_document(kept, admin_client):
    change = admin_client.get(f"/admin/createpdf/document/{kept.pk}/change/")
    assert change.status_code == 200
    assert f"/admin/createpdf/document/{kept.pk}/delete/" not in change.content.decode()
    assert admin_client.get(f"/admin/createpdf/document/{kept.pk}/delete/").status_code == 403
    refused = admin_client.post(f"/admin/createpdf/document/{kept.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 403
    assert Document.objects.filter(pk=kept.pk).exists()
    other = _render(title="Other")
    other_delete = admin_client.get(f"/admin/createpdf/document/{other.pk}/delete/")
    assert other_delete.status_code == 200


def test_the_admin_bulk_delete_refuses_a_selection_holding_a_kept_document(kept, admin_client):
    other = _render(title="Other")
    selection = {"action": "delete_selected", "_selected_action": [kept.pk, other.pk]}
    asked = admin_client.post("/admin/createpdf/document/", selection)
    assert asked.status_code == 200
    assert "is kept as a record: it cannot be deleted." in asked.content.decode()
    admin_client.post("/admin/createpdf/document/", {**selection, "post": "yes"})
    assert Document.objects.filter(pk__in=[kept.pk, other.pk]).count() == 2
    admin_client.post(
        "/admin/createpdf/document/",
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert not Document.objects.filter(pk=other.pk).exists()


def test_no_delete_removes_a_kept_document(kept):
    with pytest.raises(ProtectedError, match="kept as a record"):
        kept.delete()
    with pytest.raises(ProtectedError):
        Document.objects.filter(pk=kept.pk).delete()
    stale = Document.objects.get(pk=kept.pk)
    stale.kept = False  # an old copy in memory does not get past it either
    with pytest.raises(ProtectedError):
        stale.delete()
    assert Document.objects.filter(pk=kept.pk).exists()
    _render(title="Other").delete()  # a document not kept is deleted as before
