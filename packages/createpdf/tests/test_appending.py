"""Pages appended to a finished document (``createpdf.appending``): the original file kept byte
for byte at the start of the new one, the new pages rendered through the sandbox, the result a
document of its own. Checked on real renders, read back with pypdf."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from createpdf import appending, render_job, services
from createpdf.appending import AppendError, append_pages, append_pdf, is_appended
from createpdf.models import Document, DocumentTemplate
from createpdf.rendering import RenderError
from createpdf.signals import document_status_changed
from createpdf.template_store import TemplateNotFound, resolve_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def done() -> Document:
    """A report document, rendered."""
    document, _ = services.request_document(
        template_slug="report", context=resolve_template("report").sample_context, title="Sales"
    )
    render_job.render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.DONE
    return document


def _content(document: Document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def _extra_context() -> dict[str, Any]:
    return {**resolve_template("report").sample_context, "title": "Appendix A"}


def test_the_new_document_is_the_original_byte_for_byte_then_the_new_pages(
    done, pdf, django_capture_on_commit_callbacks
):
    owner = get_user_model().objects.create_user("owner")
    announced: list[tuple[int, str]] = []

    def listen(sender: Any, document: Document, status: str, **kwargs: Any) -> None:
        announced.append((document.pk, status))

    document_status_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            appended = append_pages(
                done,
                template_slug="report",
                context=_extra_context(),
                source=owner,
                requested_by=owner,
            )
    finally:
        document_status_changed.disconnect(listen)
    original, content = _content(done), _content(appended)
    assert content.startswith(original)
    assert hashlib.sha256(content[: len(original)]).hexdigest() == done.sha256
    assert appended.pages == pdf.pages(content) > done.pages
    assert pdf.text(content).startswith(pdf.text(original))
    assert "Appendix A" in pdf.text(content).removeprefix(pdf.text(original))

    assert appended.status == Document.Status.DONE and appended.pk != done.pk
    assert (appended.sha256, appended.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert appended.title == "Sales" and appended.requested_by == owner
    assert appended.source_type == ContentType.objects.get_for_model(owner)
    assert appended.source_id == str(owner.pk) and appended.finished_at is not None
    assert appended.context[appending.APPENDED_KEY] == {
        "document": done.pk,
        "sha256": done.sha256,
        "size": len(original),
        "pages": done.pages,
    }
    assert is_appended(appended) and not is_appended(done)
    assert announced == [(appended.pk, "done")]
    # No request for the template and context finds it: it is no render of them.
    twin, queued = services.request_document(
        template_slug="report", context=_extra_context(), title="Sales"
    )
    assert queued and twin.pk != appended.pk


def test_a_document_not_rendered_yet_is_refused():
    queued, _ = services.request_document(
        template_slug="report", context=resolve_template("report").sample_context
    )
    with pytest.raises(AppendError, match="queued"):
        append_pages(queued, template_slug="report", context=_extra_context())


def test_a_file_altered_since_its_render_is_refused(done):
    with done.file.storage.open(done.file.name, "wb") as file:
        file.write(_content(done) + b"\n% appended by someone")
    with pytest.raises(AppendError, match="no longer matches its sha256"):
        append_pages(done, template_slug="report", context=_extra_context())
    assert Document.objects.count() == 1


def test_a_missing_file_is_refused(done):
    done.file.storage.delete(done.file.name)
    with pytest.raises(AppendError, match="cannot be read"):
        append_pages(done, template_slug="report", context=_extra_context())


def test_an_unknown_template_stores_nothing(done):
    with pytest.raises(TemplateNotFound):
        append_pages(done, template_slug="no-such-template", context={})
    assert Document.objects.count() == 1


def test_the_new_pages_render_in_the_sandbox(done):
    DocumentTemplate.objects.create(
        slug="escape", name="Escape", html="{{ ''.__class__.__mro__[1].__subclasses__() }}"
    )
    with pytest.raises(RenderError):
        append_pages(done, template_slug="escape", context={})
    assert Document.objects.count() == 1


def test_bytes_that_are_not_a_pdf_cannot_be_extended(done):
    with pytest.raises(AppendError):
        append_pdf(b"not a pdf at all", _content(done))


def test_rendering_an_appended_document_again_leaves_it_as_it_is(done):
    appended = append_pages(done, template_slug="report", context=_extra_context())
    content = _content(appended)
    assert services.rerender(appended) == appended
    appended.refresh_from_db()
    assert appended.status == Document.Status.DONE and _content(appended) == content
