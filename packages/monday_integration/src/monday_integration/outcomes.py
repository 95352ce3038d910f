"""How a monday event ends, for the sync pipeline (``sync``) and the customer's follow-up
(``customer_sync``) alike: the stage it reached, ``done``, ``ignored`` for an item archived or
deleted, ``failed`` with the reason said on the item, and a replay that queues it again.

Every ending releases the event's lease with its outcome (only if this worker still holds it)
and sends ``event_finished``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from betterform import services as forms
from createpdf.leases import LeaseLost
from monday_integration.client import MondayClient
from monday_integration.effects import Effects, html_text, set_label_once, start_new_round
from monday_integration.errors import MondayError
from monday_integration.mapping import MappingError
from monday_integration.models import WebhookEvent
from monday_integration.signals import event_finished, sync_stage_changed

logger = logging.getLogger(__name__)
Status = WebhookEvent.Status


class SyncError(Exception):
    """A stage cannot go on; the message is written on the event and the item."""


# Failures with a message meant for a person; anything else is reported with its type.
EXPECTED_ERRORS = (
    SyncError,
    MappingError,
    MondayError,
    forms.IllegalTransition,
    forms.QuoteLocked,
    ValueError,
)
FINISHED = (Status.DONE, Status.FAILED)


def set_stage(event: WebhookEvent, stage: str, label: str) -> None:
    """Record the stage on the event and announce it (``sync_stage_changed``)."""
    event.stage = stage
    event.save(update_fields=["stage"])
    sync_stage_changed.send(sender=WebhookEvent, event=event, stage=stage, label=label)


def finish_done(event: WebhookEvent, effects: Effects) -> None:
    """End the event ``done`` (unless its lease was lost) and announce it."""
    if effects.lease.release(status=Status.DONE, finished_at=timezone.now()):
        event.status = Status.DONE
        event_finished.send(sender=WebhookEvent, event=event, status=event.status)


def ignore_inactive(event: WebhookEvent, effects: Effects, item: Any) -> None:
    """End the event ``ignored``: its item was archived or deleted on monday before the worker
    read it (``items(ids: ...)`` still returns such items, with their ``state``; monday's API
    reference, "Items"). Nothing is changed on the item: no label, no upload, no update."""
    reason = f"item {item.id} is {item.state} on monday; nothing was done"
    logger.info("monday event %s ignored: %s", event.pk, reason)
    if effects.lease.release(status=Status.IGNORED, error=reason, finished_at=timezone.now()):
        event.status, event.error = Status.IGNORED, reason
        event_finished.send(sender=WebhookEvent, event=event, status=event.status)


def fail(
    event: WebhookEvent,
    client: MondayClient,
    effects: Effects,
    error: Exception,
    *,
    follows_customer: bool = False,
) -> None:
    """End the event ``failed`` with the reason, and say so on the item (best effort: monday
    may be what is failing). Database errors included: nothing is left ``processing``.

    An event following the customer (``customer_sync``) does not set the "failed" label: the
    quote did not fail, only its follow-up on the board did, and the item's status should
    keep what the customer did last; its update says what was not recorded."""
    if isinstance(error, EXPECTED_ERRORS):
        message = str(error) or type(error).__name__
        logger.warning("monday event %s failed at %s: %s", event.pk, event.stage, message)
    else:
        message = f"unexpected {type(error).__name__} at stage {event.stage or 'start'}: {error}"
        logger.exception("monday event %s failed at %s", event.pk, event.stage)
    from monday_integration import customer_sync  # which ends its events through this module

    mapping = event.mapping
    failed_label = "" if follows_customer else mapping.stage_labels.get("failed", "")
    sync_stage_changed.send(sender=WebhookEvent, event=event, stage="failed", label=failed_label)
    try:
        if failed_label:
            set_label_once(event, client, effects, "failed", failed_label)
        text = (
            customer_sync.failure_text(event, message)
            if follows_customer
            else f"BetterForm could not prepare the quote: {html_text(message)}"
        )
        effects.once(
            "update/failed",
            lambda key: client.create_update(event.item_id, text, idempotency_key=key),
        )
    except LeaseLost:
        return
    except Exception as second:
        logger.warning("could not report the failure on item %s: %s", event.item_id, second)
    if not effects.lease.release(status=Status.FAILED, error=message, finished_at=timezone.now()):
        return
    event.status, event.error = Status.FAILED, message
    event_finished.send(sender=WebhookEvent, event=event, status=event.status)


def schedule_replay(event: WebhookEvent) -> WebhookEvent:
    """Queue a failed (or stuck) event for the worker again."""
    from monday_integration.tasks import process_event_task

    if event.status == Status.IGNORED:
        raise SyncError("an ignored event is not a trigger; there is nothing to replay")
    if event.status == Status.OWN_WRITE:
        raise SyncError("the integration made this change itself; there is nothing to replay")
    if event.status == Status.REFUSED:
        raise SyncError(
            "a refused delivery was never authenticated, so it is not replayed; monday retries "
            "it for 30 minutes, and a retry that passes the mapping's checks is processed"
        )
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if event.status == Status.PROCESSING and not event.is_stalled:
            raise SyncError(
                "a worker is syncing this event now (its lease runs until "
                f"{event.lease_expires_at:%Y-%m-%d %H:%M:%S} UTC); replay it if it stalls"
            )
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=Status.RECEIVED,
            error="",
            leased_by="",
            lease_expires_at=None,
            # A finished event's replay is the whole flow again; a stalled one's goes on.
            effects=start_new_round(event) if event.status in FINISHED else event.effects,
        )
        process_event_task(event.pk)
    event.refresh_from_db()
    return event
