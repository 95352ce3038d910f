"""Pages appended to a finished document's PDF, which is kept byte for byte.

``append_pages`` takes a ``done`` document, renders more pages from a template and context
(sandboxed and bounded, as every render: ``isolation.render_pdf``) and stores, as a new
``done`` document, the original file followed by those pages. The pages are added as a PDF
incremental update (pypdf), so the new file *begins* with the original's exact bytes: cutting
it at the original's size gives back the file whose sha256 the original document records.
That is what a signed copy needs (``betterform.signed_copy``: a quote as the customer saw it,
plus the page recording their acceptance).

The new document records what it was made of in its context (``APPENDED_KEY``); it is not
rendered from its template alone, so it must not be rendered again (``is_appended``).
"""

from __future__ import annotations

import hashlib
import io
import time
from typing import Any

import pypdf
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from pypdf.errors import PyPdfError

from createpdf.fitting import fit_text
from createpdf.isolation import render_pdf
from createpdf.models import Document
from createpdf.signals import document_status_changed
from createpdf.template_store import resolve_template

APPENDED_KEY = "appended_to"


class AppendError(Exception):
    """The pages cannot be appended: the original is not rendered, its file is missing or no
    longer matches its sha256, or it is not a PDF pypdf can read. Retrying will not help."""


def is_appended(document: Document) -> bool:
    """Whether ``document`` was made by ``append_pages`` (its pages cannot be rendered again)."""
    return isinstance(document.context, dict) and APPENDED_KEY in document.context


def read_pdf(document: Document) -> bytes:
    """The document's stored PDF, checked against its recorded sha256."""
    if document.status != Document.Status.DONE or not document.file:
        raise AppendError(f"document {document.pk} is {document.status}, not a finished PDF.")
    try:
        with document.file.open("rb") as file:
            content = file.read()
    except OSError as error:
        raise AppendError(f"the file of document {document.pk} cannot be read: {error}") from None
    if document.sha256 and hashlib.sha256(content).hexdigest() != document.sha256:
        raise AppendError(f"the file of document {document.pk} no longer matches its sha256.")
    return content


def append_pdf(original: bytes, extra: bytes) -> bytes:
    """``original`` with the pages of ``extra`` after its own, written as an incremental
    update: the result starts with ``original`` unchanged."""
    try:
        writer = pypdf.PdfWriter(io.BytesIO(original), incremental=True)
        writer.append(pypdf.PdfReader(io.BytesIO(extra)))
        output = io.BytesIO()
        writer.write(output)
    except (PyPdfError, ValueError, KeyError) as error:
        raise AppendError(f"the PDF cannot be extended: {error}") from None
    return output.getvalue()


def append_pages(
    document: Document,
    *,
    template_slug: str,
    context: dict[str, Any],
    title: str = "",
    source: models.Model | None = None,
    requested_by: Any = None,
    requested_by_key: str = "",
) -> Document:
    """A new ``done`` document: ``document``'s PDF as stored, then the pages rendered from
    ``template_slug`` with ``context`` (a JSON-ready dict).

    ``sha256``, ``size`` and ``pages`` describe the whole new file; its context is
    ``context`` plus ``APPENDED_KEY``: ``{"document": <id>, "sha256": ..., "size": <bytes>,
    "pages": <count>}`` of the original. Announced (``document_status_changed``, ``done``)
    after the commit. Raises ``AppendError`` (see there), ``TemplateNotFound``, and
    ``RenderError`` from the render."""
    original = read_pdf(document)
    template = resolve_template(template_slug)
    started = time.perf_counter()
    rendered = render_pdf(template.html, template.css, context)
    combined = append_pdf(original, rendered.content)
    try:
        pages = len(pypdf.PdfReader(io.BytesIO(combined)).pages)
    except PyPdfError as error:
        raise AppendError(f"the combined PDF cannot be read back: {error}") from None
    digest = hashlib.sha256(combined).hexdigest()
    made_of = {
        "document": document.pk,
        "sha256": hashlib.sha256(original).hexdigest(),
        "size": len(original),
        "pages": pages - rendered.pages,
    }
    now = timezone.now()
    with transaction.atomic():
        appended = Document.objects.create(
            template_slug=template.slug,
            template=template.db_template,
            template_version=template.version,
            # Its own key space: no request_document context can name this document.
            cache_key=hashlib.sha256(
                f"append\0{made_of['sha256']}\0{template.cache_key(context)}".encode()
            ).hexdigest(),
            title=fit_text(Document, "title", title or document.title),
            context={**context, APPENDED_KEY: made_of},
            requested_by=requested_by if getattr(requested_by, "pk", None) else None,
            requested_by_key=requested_by_key,
            source_type=ContentType.objects.get_for_model(source) if source else None,
            source_id=str(source.pk) if source else "",
            status=Document.Status.DONE,
            started_at=now,
        )
        appended.file.save(appended.filename, ContentFile(combined), save=False)
        appended.sha256, appended.size, appended.pages = digest, len(combined), pages
        appended.render_ms = int((time.perf_counter() - started) * 1000)
        appended.finished_at = timezone.now()
        appended.save(update_fields=["file", "sha256", "size", "pages", "render_ms", "finished_at"])
        transaction.on_commit(
            lambda: document_status_changed.send(
                sender=Document, document=appended, status=appended.status
            )
        )
    return appended
