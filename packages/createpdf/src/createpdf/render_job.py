"""The worker's job: render one queued document under a lease and store its one file.

``render_document`` is what ``tasks.render_document_task`` runs for each document the request
side queues (``services``: ``request_document``, ``request_report``, ``rerender``), and what
``services.render_or_wait`` runs in the asking process. A queued report gets its context here,
just before rendering (``build_report_context``). Every status a document passes through is
announced after its commit (``announce_status``: ``signals.document_status_changed``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from createpdf import leases, registry
from createpdf.conf import conf
from createpdf.isolation import render_pdf
from createpdf.models import Document, document_upload_path
from createpdf.rendering import RenderError
from createpdf.signals import document_status_changed
from createpdf.template_store import TemplateNotFound, resolve_template

logger = logging.getLogger(__name__)


class ReportError(Exception):
    """A queued report the worker cannot build: no longer registered, or its stored
    parameters no longer valid. The document fails with this reason."""


def build_report_context(document: Document) -> dict[str, Any]:
    """The context of a queued report, built from its stored parameters (validated again)."""
    spec = document.report or {}
    report = registry.report(spec.get("name", ""))
    if report is None:
        raise ReportError(f"no report named {spec.get('name')!r} is registered.")
    parameters = report.parameters(data=spec.get("parameters", {}))
    if not parameters.is_valid():
        raise ReportError(f"the report's parameters are no longer valid: {parameters.errors}")
    context = report.build_context(parameters.validated_data, document.requested_by)
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder))


def render_document(document_id: int) -> bool:
    """The worker's job: claim the document's lease, render, store the one file.

    Template problems fail the document at once with the reason; passing problems re-raise so
    the worker retries with backoff, up to ``CREATEPDF_RENDER_ATTEMPTS``. Returns False when
    there was nothing to do here: the document is finished, or a live worker holds its lease
    (a queue that starts a job twice, or two callers, never render it twice; a worker that
    died is taken over once its lease runs out, ``CREATEPDF_RENDER_LEASE_SECONDS``).
    """
    now = timezone.now()
    lease = leases.claim(
        Document,
        document_id,
        available=(
            Q(status=Document.Status.QUEUED)
            | (Q(status=Document.Status.RENDERING) & leases.stalled(now))
        )
        & (Q(kept=False) | Q(file="")),  # a kept document's file is never rewritten
        seconds=conf.CREATEPDF_RENDER_LEASE_SECONDS,
        status=Document.Status.RENDERING,
        started_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if lease is None:
        return False
    document = Document.objects.get(pk=document_id)
    announce_status(document)
    with lease:
        try:
            template = resolve_template(document.template_slug)
            if document.report is not None and not document.context:
                document.context = build_report_context(document)
                lease.check()
                Document.objects.filter(pk=document.pk).update(context=document.context)
            rendered = render_pdf(template.html, template.css, document.context)
            name = document_upload_path(document, document.filename)
            lease.stop()  # renewals would wait for the fence's lock
            with transaction.atomic():
                # A worker that lost its lease must not touch the file: it is written, and
                # the document finished, under the fence's lock, which a new holder's claim
                # (and the kept mark) wait for.
                lease.fence()
                _store(document, name, rendered.content)
                _finish(
                    lease,
                    document,
                    Document.Status.DONE,
                    template=template.db_template,
                    template_version=template.version,
                    sha256=rendered.sha256,
                    size=len(rendered.content),
                    pages=rendered.pages,
                    render_ms=rendered.render_ms,
                    error="",
                    file=document.file.name,
                )
        except leases.LeaseLost:
            logger.warning("document %s: another worker took the render over", document.pk)
            return False
        except (RenderError, TemplateNotFound, ReportError) as error:
            _finish(lease, document, Document.Status.FAILED, error=str(error))
            return True
        except Exception as error:
            if document.attempts >= conf.CREATEPDF_RENDER_ATTEMPTS:
                logger.exception(
                    "document %s failed after %s attempts", document.pk, document.attempts
                )
                message = f"gave up after {document.attempts} attempts: {error}"
                _finish(lease, document, Document.Status.FAILED, error=message)
                return True
            message = f"attempt failed, will retry: {error}"
            _finish(lease, document, Document.Status.QUEUED, error=message, finished=False)
            raise
    return True


def _store(document: Document, name: str, content: bytes) -> None:
    """Write the PDF at the document's one path (``document_upload_path``)."""
    storage = document.file.storage
    if storage.exists(name):
        storage.delete(name)  # a partial file from an attempt that was killed, or the last PDF
    document.file.save(document.filename, ContentFile(content), save=False)


def _finish(
    lease: leases.Lease, document: Document, status: str, *, finished: bool = True, **fields: Any
) -> None:
    """End this worker's render: release the lease with the outcome (only if still held)."""
    now = timezone.now()
    fields.update(status=status, updated_at=now)
    if finished:
        fields["finished_at"] = now
    if not lease.release(**fields):
        logger.warning("document %s: lease lost before its outcome was stored", document.pk)
        return
    for name, value in fields.items():
        setattr(document, name, value)
    announce_status(document)


def announce_status(document: Document) -> None:
    """Send ``document_status_changed`` with the document's status as it is now, once the
    current transaction commits (at once outside one)."""
    status = document.status
    transaction.on_commit(
        lambda: document_status_changed.send(sender=Document, document=document, status=status)
    )
