"""Listening to the customer: betterform's signals become events for the worker.

betterform sends ``quote_viewed``, ``quote_accepted``, ``quote_declined`` and
``quote_expired`` (``betterform.signals``) after the transaction that recorded them commits;
it knows nothing of monday. For a quote synced from an item (its ``ItemLink``) whose mapping is
active and has something to do for that kind (a label in ``stage_labels``, or, when accepted, a
file column for the signed copy), a receiver stores a synthetic ``WebhookEvent``:

    trigger_uuid  "customer-<quote id>-<kind>"    (one per quote and kind: a second signal,
                                                    however it comes, is the same event)
    event_type    "quote_<kind>"
    payload       {"quote": <quote id>, "kind": <kind>}

and queues ``process_event_task`` with it, in one transaction (the task is a row too: the
worker sees both once they commit, or neither). The worker then follows the customer on the
item (``customer_sync``) under the event's lease and effects ledger, like any other event.

The receivers run inside the customer's request (or the expiry command): they never raise,
whatever goes wrong (a database error included) is logged and the customer's answer stands.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from betterform import signals as quote_signals
from monday_integration.models import CUSTOMER_STAGES, ItemLink, WebhookEvent

logger = logging.getLogger(__name__)

EVENT_PREFIX = "quote_"
SIGNALS = {kind: getattr(quote_signals, f"quote_{kind}") for kind in CUSTOMER_STAGES}


def event_type(kind: str) -> str:
    """``quote_<kind>``: the ``event_type`` of the synthetic event for ``kind``."""
    return f"{EVENT_PREFIX}{kind}"


def is_customer_event(event: WebhookEvent) -> bool:
    return event.event_type in {event_type(kind) for kind in CUSTOMER_STAGES}


def trigger_uuid(quote_id: int, kind: str) -> str:
    return f"customer-{quote_id}-{kind}"


def wants(link: ItemLink, kind: str) -> bool:
    """True when the link's mapping follows ``kind`` on the item: active, and it names a label
    for it, or (accepted) has a file column for the signed copy."""
    mapping = link.mapping
    if not mapping.active:
        return False
    if str((mapping.stage_labels or {}).get(kind) or "").strip():
        return True
    return kind == "accepted" and bool(mapping.file_column_id)


def queue_customer_event(quote: Any, kind: str) -> WebhookEvent | None:
    """Store (once) and queue the event that follows ``kind`` on the quote's item; None when
    the quote came from no item, or its mapping does nothing for ``kind``. Raises what the
    database raises (the receiver logs it)."""
    from monday_integration.tasks import process_event_task

    link = (
        ItemLink.objects.select_related("mapping")
        .filter(quote_id=quote.pk)
        .order_by("-last_synced_at", "-pk")
        .first()
    )
    if link is None or not wants(link, kind):
        return None
    mapping = link.mapping
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(
            trigger_uuid=trigger_uuid(quote.pk, kind),
            defaults={
                "mapping": mapping,
                "board_id": mapping.board_id,
                "item_id": link.item_id,
                "event_type": event_type(kind),
                "payload": {"quote": quote.pk, "kind": kind},
            },
        )
        if created:
            process_event_task(event.pk)
    return event


def _receiver(kind: str):
    def receive(sender: Any, quote: Any = None, **kwargs: Any) -> None:
        if quote is None:
            return
        try:
            queue_customer_event(quote, kind)
        except Exception:
            # The customer's answer is recorded already; monday following it must not turn
            # their request into an error. Staff see the log; the item is not updated.
            logger.exception("could not queue the monday update for quote %s %s", quote.pk, kind)

    receive.__name__ = f"on_quote_{kind}"
    return receive


RECEIVERS = {kind: _receiver(kind) for kind in CUSTOMER_STAGES}


def connect() -> None:
    """Connect the receivers (``MondayIntegrationConfig.ready``); connecting twice is one."""
    for kind, signal in SIGNALS.items():
        signal.connect(
            RECEIVERS[kind], dispatch_uid=f"monday_integration.customer_events.{kind}", weak=False
        )
