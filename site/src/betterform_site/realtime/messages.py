"""What each event is called, what it carries and which rooms receive it.

Payloads are plain JSON (money as strings, times in ISO 8601) and are the same whether they
arrive as an event or as the ``state`` a client asks for after reconnecting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

STAFF_ROOM = "staff"

# monday event statuses (event_finished) -> event names
MONDAY_FINISHED = {"done": "processed", "ignored": "processed", "failed": "failed"}


def user_room(user_id: Any) -> str:
    return f"user:{user_id}"


def object_room(kind: str, object_id: Any) -> str:
    return f"{kind}:{object_id}"


@dataclass(frozen=True)
class Message:
    """One event for some rooms; clients in several of them receive it once."""

    event: str
    data: dict[str, Any]
    rooms: tuple[str, ...] = field(default_factory=tuple)

    def as_state(self) -> dict[str, Any]:
        return {"event": self.event, "data": self.data}


def _rooms(kind: str, object_id: Any, owner_id: Any = None) -> tuple[str, ...]:
    rooms = [STAFF_ROOM, object_room(kind, object_id)]
    if owner_id is not None:
        rooms.insert(0, user_room(owner_id))
    return tuple(rooms)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def document_message(document: Any, status: str | None = None) -> Message:
    """``document.<status>``: queued, rendering, done (with the download URL), failed (with
    the error). ``status`` is the one announced; the row may have moved on since."""
    status = status or document.status
    download = reverse("createpdf:document-download", args=[document.pk])
    data = {
        "id": document.pk,
        "status": status,
        "title": document.title,
        "template_slug": document.template_slug,
        "download_url": download if status == "done" else None,
        "error": document.error if status == "failed" else "",
        "pages": document.pages if status == "done" else None,
        "updated_at": _iso(document.updated_at),
    }
    return Message(
        f"document.{status}", data, _rooms("document", document.pk, document.requested_by_id)
    )


def quote_message(quote: Any, change: str) -> Message:
    """``quote.created`` or ``quote.updated``, with the totals as decimal strings."""
    data = {
        "id": quote.pk,
        "number": quote.number,
        "status": quote.status,
        "title": quote.title,
        "customer_name": quote.customer_name,
        "currency": quote.currency,
        "subtotal": str(quote.subtotal),
        "discount_total": str(quote.discount_total),
        "tax_total": str(quote.tax_total),
        "total": str(quote.total),
        "submission_id": quote.submission_id,
        "updated_at": _iso(quote.updated_at),
    }
    return Message(f"quote.{change}", data, _rooms("quote", quote.pk, quote.owner_id))


def _monday_event_data(event: Any) -> dict[str, Any]:
    return {
        "id": event.pk,
        "board_id": event.board_id,
        "item_id": event.item_id,
        "event_type": event.event_type,
        "status": event.status,
        "stage": event.stage,
        "error": event.error,
    }


def monday_event_message(event: Any, outcome: str) -> Message:
    """``monday.event.received`` / ``.processed`` / ``.failed``: staff only, as in the REST
    API (reps see the quote and its document instead)."""
    return Message(
        f"monday.event.{outcome}", _monday_event_data(event), _rooms("monday-event", event.pk)
    )


def sync_stage_message(event: Any, stage: str, label: str) -> Message:
    """``monday.sync.stage``: the worker moved the item to ``stage`` and set ``label``."""
    data = {
        "event_id": event.pk,
        "board_id": event.board_id,
        "item_id": event.item_id,
        "stage": stage,
        "label": label,
    }
    return Message("monday.sync.stage", data, _rooms("monday-event", event.pk))


def monday_state_message(event: Any) -> Message:
    """The event's current state, named as the event that would have announced it."""
    outcome = MONDAY_FINISHED.get(event.status, "received")
    return monday_event_message(event, outcome)
