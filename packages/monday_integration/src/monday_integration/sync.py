"""The sync pipeline the worker runs for each trigger event:

item -> submission -> quote -> PDF -> file column -> status label -> (the quote e-mailed to
the customer, when the mapping says so: ``quote_sending``) -> an update on the item.

Each stage sets the item's "working" label once, records the stage on the event and sends
``sync_stage_changed``. A failure (anything raised, database errors included) sets the
"failed" label, writes the error on the event and as an update on the item, and leaves the
event ``failed`` for ``replay``. Running an item again updates the same submission and quote
(through its ``ItemLink``); it never duplicates. An item archived or deleted by the time it
is read ends the event ``ignored`` with the reason, and nothing is done on monday. An item
whose quote the customer answered (or that expired) gets a new version of it, priced from the
item's current values, with a new submission (``requoting``): the item then follows the new
version (file, label, e-mail; the update says which quote it replaces and why that one is
closed), and the answered quote stays exactly as the customer answered it.

Events of what the customer did with a quote (``quote_viewed``... from ``customer_events``)
are run by ``customer_sync`` instead, under the same lease and ledger.

The worker holds the event under a lease (``createpdf.leases``) while it syncs, so a queue
that starts the job twice cannot run it twice at once, and every effect on monday goes
through the event's ledger (``effects``), so a take-over or a retry repeats none of them.
"""

from __future__ import annotations

import logging
from typing import Any

import reversion
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from betterform import services as forms
from betterform.documents import quote_context, quote_title
from betterform.models import Quote, Submission
from createpdf import leases
from createpdf import services as documents
from createpdf.leases import LeaseLost
from createpdf.models import Document
from monday_integration import customer_events, customer_sync, quote_sending, requoting
from monday_integration.client import MondayClient
from monday_integration.conf import conf
from monday_integration.effects import (
    Effects,
    html_text,
    post_update_once,
    set_label_once,
    upload_quote_pdf,
)
from monday_integration.mapping import (
    item_column_ids,
    subitem_column_ids,
    subitems_to_lines,
)
from monday_integration.models import BoardMapping, ItemLink, WebhookEvent
from monday_integration.outcomes import (  # SyncError and schedule_replay: callers' names
    EXPECTED_ERRORS,
    FINISHED,
    SyncError,
    fail,
    finish_done,
    ignore_inactive,
    schedule_replay,
    set_stage,
)

__all__ = ["EXPECTED_ERRORS", "FINISHED", "SyncError", "process_event", "schedule_replay"]

logger = logging.getLogger(__name__)
Status = WebhookEvent.Status


def process_event(event_id: int, client: MondayClient | None = None) -> WebhookEvent:
    """Sync the event's item under a lease on the event; returns the event as it ends.

    A received event, or a processing one whose worker died (its lease ran out), is claimed;
    any other (done, ignored, failed, or held by a live worker) is returned untouched.
    Whatever the pipeline raises ends the event ``failed`` with the reason.
    """
    now = timezone.now()
    lease = leases.claim(
        WebhookEvent,
        event_id,
        available=Q(status=Status.RECEIVED, mapping__isnull=False)
        | Q(leases.stalled(now), status=Status.PROCESSING, mapping__isnull=False),
        seconds=conf.MONDAY_EVENT_LEASE_SECONDS,
        status=Status.PROCESSING,
        attempts=F("attempts") + 1,
        started_at=now,
        error="",
    )
    event = WebhookEvent.objects.select_related("mapping__form").get(pk=event_id)
    if lease is None:
        return event
    follows_customer = customer_events.is_customer_event(event)
    owned = client is None
    client = client or MondayClient()
    try:
        with lease:
            effects = Effects(event, lease)
            try:
                if follows_customer:
                    customer_sync.follow_customer(event, client, effects)
                else:
                    sync_item(event, client, effects)
            except LeaseLost:
                logger.warning("monday event %s: another worker took it over", event.pk)
            except Exception as error:
                fail(event, client, effects, error, follows_customer=follows_customer)
    finally:
        if owned:
            client.close()
    event.refresh_from_db()
    return event


def sync_item(event: WebhookEvent, client: MondayClient, effects: Effects) -> Quote | None:
    """Run the pipeline for the event's item; returns its quote, or None when the item was
    archived or deleted by the time it was read (the event then ends ``ignored``)."""
    mapping = event.mapping
    labels = mapping.stage_labels

    def set_label(kind: str) -> None:
        set_label_once(event, client, effects, kind, labels[kind])

    set_stage(event, "reading", labels.get("working", ""))
    items = client.get_items(
        [event.item_id],
        column_ids=item_column_ids(mapping),
        subitem_column_ids=subitem_column_ids(mapping),
    )
    if not items:
        raise SyncError(f"item {event.item_id} no longer exists on monday")
    item = items[0]
    if not item.is_active:
        ignore_inactive(event, effects, item)
        return None
    set_label("working")

    set_stage(event, "submission", labels["working"])
    submission = upsert_submission(mapping, item)

    set_stage(event, "quote", labels["working"])
    quote = build_quote(mapping, item, submission)

    set_stage(event, "pdf", labels["working"])
    document = render_quote_pdf(mapping, quote)

    set_stage(event, "upload", labels["working"])
    link = ""
    if mapping.file_column_id:
        link = upload_quote_pdf(event, client, effects, item, document)

    set_label("done")
    sent = ""
    if mapping.send_quote_to_customer:
        set_stage(event, "email", labels["done"])
        sent = quote_sending.send_once(event, effects, item, quote, document)
    # HTML, as create_update takes it: what the item, the form or a rep wrote is escaped
    total = html_text(f"{quote.currency} {quote.total:,.2f}")
    body = f"Quote {html_text(quote.number)} is ready: total {total}."
    body += requoting.version_note(quote)  # escaped there
    body += f" PDF: {html_text(link)}" if link else ""
    body += f" {sent}" if sent else ""  # quote_sending escapes its sentence
    post_update_once(event, client, effects, item, "update/ready", body)
    set_stage(event, "done", labels["done"])
    finish_done(event, effects)
    return quote


def upsert_submission(mapping: BoardMapping, item: Any) -> Submission:
    """The item's submission with its current values: created, updated, or a new one with a
    new version of the quote when the customer has answered it (``requoting.item_submission``)."""
    return requoting.item_submission(mapping, item)


def build_quote(mapping: BoardMapping, item: Any, submission: Submission) -> Quote:
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Priced from monday item {item.id}.")
        quote = forms.build_quote(submission, owner=mapping.owner)
        extra = subitems_to_lines(mapping, item, schema=submission.form_version.schema)
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
    """Render in this worker (the pipeline already runs in one), or wait for the worker that
    already renders the same document, and return the stored PDF (the one e-mailed, when the
    mapping e-mails its quotes: ``quote_sending.emailed_pdf``)."""
    emailed = quote_sending.emailed_pdf(mapping, quote, conf.MONDAY_PDF_WAIT_SECONDS)
    if emailed is not None:
        return emailed
    document, _ = documents.request_document(
        template_slug=mapping.template_slug,
        context=quote_context(quote),
        requested_by=mapping.owner,
        source=quote,
        title=quote_title(quote),
    )
    if document.status != Document.Status.DONE:
        document = documents.render_or_wait(document, timeout=conf.MONDAY_PDF_WAIT_SECONDS)
    if document.status != Document.Status.DONE:
        raise SyncError(f"the PDF could not be rendered: {document.error or document.status}")
    return document
