"""Queue, render and re-render documents. Views and the admin call these; so can other apps.

A request is answered at once: a document row is queued and the worker renders it. The same
template content and context, for the same requester, return the finished document instead
of rendering again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from createpdf.conf import conf
from createpdf.fitting import fit_text
from createpdf.models import Document, document_upload_path
from createpdf.rendering import RenderError, render_pdf
from createpdf.signals import document_status_changed
from createpdf.template_store import ResolvedTemplate, TemplateNotFound, resolve_template

logger = logging.getLogger(__name__)

IN_FLIGHT = (Document.Status.QUEUED, Document.Status.RENDERING)


def request_document(
    *,
    template_slug: str,
    context: dict[str, Any],
    requested_by: Any = None,
    requested_by_key: str = "",
    source: models.Model | None = None,
    title: str = "",
    template: ResolvedTemplate | None = None,
) -> tuple[Document, bool]:
    """Return ``(document, queued)``: an existing finished or in-flight twin, or a new one.

    The title is display text: shortened with ``…`` to ``Document.title`` (``fitting``).
    Raises ``TemplateNotFound`` for an unknown slug (nothing is stored then).
    """
    template = template or resolve_template(template_slug)
    key = template.cache_key(context)
    requester = requested_by if getattr(requested_by, "pk", None) else None
    twin = (
        Document.objects.filter(
            cache_key=key, requested_by=requester, requested_by_key=requested_by_key
        )
        .filter(status__in=(Document.Status.DONE, *IN_FLIGHT))
        .order_by("-created_at")
        .first()
    )
    if twin is not None:
        return twin, False
    with transaction.atomic():
        document = Document.objects.create(
            template_slug=template.slug,
            template=template.db_template,
            template_version=template.version,
            cache_key=key,
            title=fit_text(Document, "title", title),
            context=context,
            requested_by=requester,
            requested_by_key=requested_by_key,
            source_type=ContentType.objects.get_for_model(source) if source else None,
            source_id=str(source.pk) if source else "",
        )
        schedule_render(document)
    return document, True


def schedule_render(document: Document) -> None:
    """Hand the document to the worker once the current transaction commits."""
    from createpdf.tasks import render_document_task

    _announce(document)
    transaction.on_commit(lambda: render_document_task(document.pk))


def rerender(document: Document) -> Document:
    """Render a document again (after a template fix, say), keeping its id and URL."""
    with transaction.atomic():
        document.status = Document.Status.QUEUED
        document.error = ""
        document.attempts = 0
        document.save(update_fields=["status", "error", "attempts", "updated_at"])
        schedule_render(document)
    return document


def render_document(document_id: int) -> None:
    """The worker's job. Template problems fail the document at once with the reason;
    passing problems re-raise so the worker retries with backoff, up to
    ``CREATEPDF_RENDER_ATTEMPTS``."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.status == Document.Status.DONE:
        return
    _set_status(
        document,
        Document.Status.RENDERING,
        started_at=timezone.now(),
        attempts=document.attempts + 1,
    )
    try:
        template = resolve_template(document.template_slug)
        rendered = render_pdf(template.html, template.css, document.context)
        name = document_upload_path(document, document.filename)
        storage = document.file.storage
        if storage.exists(name):
            storage.delete(name)  # a partial file from an attempt that was killed
        document.file.save(document.filename, ContentFile(rendered.content), save=False)
    except (RenderError, TemplateNotFound) as error:
        _fail(document, str(error))
        return
    except Exception as error:
        if document.attempts >= conf.CREATEPDF_RENDER_ATTEMPTS:
            logger.exception("document %s failed after %s attempts", document.pk, document.attempts)
            _fail(document, f"gave up after {document.attempts} attempts: {error}")
            return
        _set_status(document, Document.Status.QUEUED, error=f"attempt failed, will retry: {error}")
        raise
    _set_status(
        document,
        Document.Status.DONE,
        template=template.db_template,
        template_version=template.version,
        sha256=rendered.sha256,
        size=len(rendered.content),
        pages=rendered.pages,
        render_ms=rendered.render_ms,
        error="",
        finished_at=timezone.now(),
        file=document.file.name,
    )


def _fail(document: Document, message: str) -> None:
    _set_status(document, Document.Status.FAILED, error=message, finished_at=timezone.now())


def _set_status(document: Document, status: str, **fields: Any) -> None:
    fields["status"] = status
    for name, value in fields.items():
        setattr(document, name, value)
    document.save(update_fields=[*fields, "updated_at"])
    _announce(document)


def _announce(document: Document) -> None:
    status = document.status
    transaction.on_commit(
        lambda: document_status_changed.send(sender=Document, document=document, status=status)
    )
