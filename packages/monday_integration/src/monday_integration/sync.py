"""The sync pipeline the worker runs for each trigger event:

item -> submission -> quote -> PDF -> file column -> status label -> an update on the item.

Each stage sets the item's "working" label once, records the stage on the event and sends
``sync_stage_changed``. A failure sets the "failed" label, writes the error on the event and
as an update on the item, and leaves the event ``failed`` for ``replay``. Running an item
again updates the same submission and quote (through its ``ItemLink``); it never duplicates.
"""

from __future__ import annotations

import logging
from typing import Any

import reversion
from django.db import transaction
from django.utils import timezone

from betterform import services as forms
from betterform.documents import quote_context, quote_title
from betterform.models import Quote, Submission
from createpdf import services as documents
from createpdf.models import Document
from monday_integration.client import MondayClient
from monday_integration.errors import MondayError
from monday_integration.mapping import MappingError, item_to_submission, subitems_to_lines
from monday_integration.models import BoardMapping, ItemLink, WebhookEvent
from monday_integration.signals import event_finished, sync_stage_changed

logger = logging.getLogger(__name__)
Status = WebhookEvent.Status


class SyncError(Exception):
    """A stage cannot go on; the message is written on the event and the item."""


def process_event(event_id: int, client: MondayClient | None = None) -> WebhookEvent:
    event = WebhookEvent.objects.select_related("mapping__form").get(pk=event_id)
    if event.status in (Status.DONE, Status.IGNORED) or event.mapping is None:
        return event
    event.status, event.attempts = Status.PROCESSING, event.attempts + 1
    event.started_at, event.error = timezone.now(), ""
    event.save(update_fields=["status", "attempts", "started_at", "error"])
    owned = client is None
    client = client or MondayClient()
    try:
        sync_item(event, client)
    except (SyncError, MappingError, MondayError, forms.IllegalTransition, ValueError) as error:
        _fail(event, client, error)
    finally:
        if owned:
            client.close()
    return event


def sync_item(event: WebhookEvent, client: MondayClient) -> Quote:
    mapping = event.mapping
    labels = mapping.stage_labels

    _stage(event, "reading", labels.get("working", ""))
    client.set_status(mapping.board_id, event.item_id, mapping.status_column_id, labels["working"])
    items = client.get_items([event.item_id])
    if not items:
        raise SyncError(f"item {event.item_id} no longer exists on monday")
    item = items[0]

    _stage(event, "submission", labels["working"])
    submission = upsert_submission(mapping, item)

    _stage(event, "quote", labels["working"])
    quote = build_quote(mapping, item, submission)

    _stage(event, "pdf", labels["working"])
    document = render_quote_pdf(mapping, quote)

    _stage(event, "upload", labels["working"])
    if mapping.file_column_id:
        with document.file.open("rb") as pdf:
            asset = client.upload_file_to_column(
                event.item_id, mapping.file_column_id, document.filename, pdf.read()
            )
        link = getattr(asset, "public_url", "") or getattr(asset, "url", "")
    else:
        link = ""

    client.set_status(mapping.board_id, event.item_id, mapping.status_column_id, labels["done"])
    total = f"{quote.currency} {quote.total:,.2f}"
    body = f"Quote {quote.number} is ready: total {total}." + (f" PDF: {link}" if link else "")
    client.create_update(event.item_id, body)
    _stage(event, "done", labels["done"])
    event.status, event.finished_at = Status.DONE, timezone.now()
    event.save(update_fields=["status", "finished_at"])
    event_finished.send(sender=WebhookEvent, event=event, status=event.status)
    return quote


def upsert_submission(mapping: BoardMapping, item: Any) -> Submission:
    answers, customer = item_to_submission(
        mapping, item, forms.current_version(mapping.form).schema
    )
    link = (
        ItemLink.objects.select_related("submission")
        .filter(mapping=mapping, item_id=str(item.id))
        .first()
    )
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Synced from monday item {item.id}.")
        if link is None:
            submission = forms.create_submission(
                mapping.form,
                answers=answers,
                customer=customer,
                source=Submission.Source.MONDAY,
                owner=mapping.owner,
                external_reference=str(item.id),
            )
            ItemLink.objects.create(mapping=mapping, item_id=str(item.id), submission=submission)
        else:
            submission = forms.update_submission(
                link.submission, answers=answers, customer=customer
            )
    return submission


def build_quote(mapping: BoardMapping, item: Any, submission: Submission) -> Quote:
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Priced from monday item {item.id}.")
        quote = forms.build_quote(submission, owner=mapping.owner)
        extra = subitems_to_lines(mapping, item)
        if extra:
            priced = list(
                quote.lines.values(
                    "description",
                    "quantity",
                    "unit",
                    "unit_price",
                    "tax_rate",
                    "discount_percent",
                    "source_key",
                )
            )
            quote = forms.update_quote(quote, lines=[*priced, *extra])
        ItemLink.objects.filter(mapping=mapping, item_id=str(item.id)).update(
            quote=quote, last_synced_at=timezone.now()
        )
    return quote


def render_quote_pdf(mapping: BoardMapping, quote: Quote) -> Document:
    """Render in this worker (the pipeline already runs in one) and return the stored PDF."""
    document, _ = documents.request_document(
        template_slug=mapping.template_slug,
        context=quote_context(quote),
        requested_by=mapping.owner,
        source=quote,
        title=quote_title(quote),
    )
    if document.status != Document.Status.DONE:
        documents.render_document(document.pk)
        document.refresh_from_db()
    if document.status != Document.Status.DONE:
        raise SyncError(f"the PDF could not be rendered: {document.error}")
    return document


def _stage(event: WebhookEvent, stage: str, label: str) -> None:
    event.stage = stage
    event.save(update_fields=["stage"])
    sync_stage_changed.send(sender=WebhookEvent, event=event, stage=stage, label=label)


def _fail(event: WebhookEvent, client: MondayClient, error: Exception) -> None:
    message = str(error) or type(error).__name__
    logger.warning("monday event %s failed at %s: %s", event.pk, event.stage, message)
    event.status, event.error, event.finished_at = Status.FAILED, message, timezone.now()
    event.save(update_fields=["status", "error", "finished_at"])
    mapping = event.mapping
    failed_label = mapping.stage_labels.get("failed", "")
    sync_stage_changed.send(sender=WebhookEvent, event=event, stage="failed", label=failed_label)
    try:  # best effort: monday may be the thing that is failing
        if failed_label:
            client.set_status(
                mapping.board_id, event.item_id, mapping.status_column_id, failed_label
            )
        client.create_update(event.item_id, f"BetterForm could not prepare the quote: {message}")
    except MondayError as second:
        logger.warning("could not report the failure on item %s: %s", event.item_id, second)
    event_finished.send(sender=WebhookEvent, event=event, status=event.status)


def schedule_replay(event: WebhookEvent) -> WebhookEvent:
    """Queue a failed (or stuck) event for the worker again."""
    from monday_integration.tasks import process_event_task

    if event.status == Status.IGNORED:
        raise SyncError("an ignored event is not a trigger; there is nothing to replay")
    with transaction.atomic():
        WebhookEvent.objects.filter(pk=event.pk).update(status=Status.RECEIVED, error="")
        process_event_task(event.pk)
    event.refresh_from_db()
    return event
