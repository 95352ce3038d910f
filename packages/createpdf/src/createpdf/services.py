"""Queue, re-render and keep documents. Views and the admin call these; so can other apps.

A request is answered at once: a document row is queued and the worker renders it
(``render_job.render_document``, or ``render_or_wait`` in the asking process). The same
template content and context, for the same requester, return the finished document instead
of rendering again. A report (``request_report``) is queued with its parameters only: the
worker builds its context just before rendering (``render_job.build_report_context``).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from createpdf import leases
from createpdf.appending import is_appended
from createpdf.fitting import fit_text
from createpdf.models import KEPT_REASON, Document
from createpdf.prepared import PreparedFirst
from createpdf.render_job import announce_status, render_document
from createpdf.template_store import ResolvedTemplate, resolve_template

if TYPE_CHECKING:
    from createpdf.registry import Report

IN_FLIGHT = (Document.Status.QUEUED, Document.Status.RENDERING)

# The document already asked for with this key by this requester: finished or on its way (a
# failed one is rendered afresh). Every document request looks for one (``prepared``).
_find_twin = PreparedFirst(
    lambda cache_key, requested_by, requested_by_key: Document.objects.filter(
        cache_key=cache_key,
        requested_by=requested_by,
        requested_by_key=requested_by_key,
        status__in=(Document.Status.DONE, *IN_FLIGHT),
    ).order_by("-created_at"),
    sentinels={"cache_key": "\0key", "requested_by": -1, "requested_by_key": "\0api-key"},
)


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
    return _request(
        template,
        template.cache_key(context),
        context=context,
        requested_by=requested_by,
        requested_by_key=requested_by_key,
        source=source,
        title=title,
    )


def request_report(
    report: Report,
    parameters: dict[str, Any],
    *,
    requested_by: Any = None,
    requested_by_key: str = "",
) -> tuple[Document, bool]:
    """Queue ``report`` with its validated ``parameters``; ``(document, queued)`` as for
    ``request_document``. Nothing is computed here: the worker builds the context
    (``render_job.build_report_context``). The same report and parameters for the same
    requester within ``report.reuse_seconds`` return the document already asked for."""
    template = resolve_template(report.template_slug)
    stored = json.loads(json.dumps(parameters, cls=DjangoJSONEncoder))
    spec = {"name": report.name, "parameters": stored}
    window = int(timezone.now().timestamp() // max(report.reuse_seconds, 1))
    # Its own key space: no context a client sends can share a report's key.
    in_window = template.cache_key({"report": spec, "window": window})
    key = hashlib.sha256(f"report\0{in_window}".encode()).hexdigest()
    return _request(
        template,
        key,
        context={},
        report=spec,
        requested_by=requested_by,
        requested_by_key=requested_by_key,
        title=report.title,
    )


def _request(
    template: ResolvedTemplate,
    key: str,
    *,
    context: dict[str, Any],
    report: dict[str, Any] | None = None,
    requested_by: Any = None,
    requested_by_key: str = "",
    source: models.Model | None = None,
    title: str = "",
) -> tuple[Document, bool]:
    requester = requested_by if getattr(requested_by, "pk", None) else None
    twin = _find_twin(
        cache_key=key,
        requested_by=requester.pk if requester else None,
        requested_by_key=requested_by_key,
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
            report=report,
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

    announce_status(document)
    transaction.on_commit(lambda: render_document_task(document.pk))


class DocumentKept(Exception):
    """The document is kept as a record (``Document.kept``): it is never rendered again.
    ``str(error)`` says so and what to do instead; the API answers 409 with it."""

    def __init__(self, document: Document) -> None:
        self.document = document
        super().__init__(
            f"Document #{document.pk} cannot be rendered again: {KEPT_REASON} "
            "Request a new document for a new PDF."
        )


def keep(document: Document, *, sha256: str | None = None) -> bool:
    """Mark ``document`` kept as a record (``Document.kept``): from now on it is never
    rendered again (``rerender`` refuses it, the worker never rewrites its file) or deleted.

    Only a finished document is kept, and with ``sha256`` only while its file is still that
    one; True when it is kept now (it may have been already), False when it is not (its
    render is queued again, failed, or another file replaced it). One conditional update on
    its row, so a ``rerender`` at the same moment either queued first (False here) or is
    refused."""
    rows = Document.objects.filter(pk=document.pk, status=Document.Status.DONE)
    if sha256 is not None:
        rows = rows.filter(sha256=sha256)
    if not rows.update(kept=True):
        return False
    document.kept = True
    return True


def rerender(document: Document) -> Document:
    """Render a document again (after a template fix, say), keeping its id and URL.

    Raises ``DocumentKept`` for a document kept as a record (``keep``): its file is never
    replaced. A document already queued, or rendering under a live lease, is left to that
    render: a second job would only wait for it. A document made by ``appending`` is returned
    as it is: its first pages are another document's file, which no template renders again."""
    if document.kept:
        raise DocumentKept(document)
    if is_appended(document):
        return document
    with transaction.atomic():
        in_flight = (
            Document.objects.filter(pk=document.pk, status__in=IN_FLIGHT)
            .exclude(leases.stalled(), status=Document.Status.RENDERING)
            .exists()
        )
        if in_flight:
            document.refresh_from_db()
            return document
        fields = {
            "status": Document.Status.QUEUED,
            "error": "",
            "attempts": 0,
            "leased_by": "",
            "lease_expires_at": None,
            "updated_at": timezone.now(),
        }
        # Conditional: a document kept since it was read (``keep``) is refused, not queued.
        if not Document.objects.filter(pk=document.pk, kept=False).update(**fields):
            document.refresh_from_db()
            raise DocumentKept(document)
        for name, value in fields.items():
            setattr(document, name, value)
        schedule_render(document)
    return document


def render_or_wait(document: Document, timeout: float) -> Document:
    """Render ``document`` in this process, or wait while the worker that holds its lease
    does (taking over if that worker dies); the document as it ended, or as it stands after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        render_document(document.pk)
        document.refresh_from_db()
        if document.status not in IN_FLIGHT or time.monotonic() >= deadline:
            return document
        time.sleep(0.2)
