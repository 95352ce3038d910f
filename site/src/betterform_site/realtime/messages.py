"""What each event is called, what it carries and which rooms receive it.

Payloads are plain JSON (money as strings, times in ISO 8601) and are the same whether they
arrive as an event or as the ``state`` a client asks for after reconnecting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

STAFF_ROOM = "staff"
# Quote statuses that come with a customer's answer (``QuoteAnswer``): accepted, rejected.
ANSWERED_STATUSES = ("accepted", "rejected")

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


# What a customer's answer adds to the quote's events; never the page's token, nor the address
# and browser they answered from (the admin shows those).
ANSWER_FIELDS = ("decision", "signer_name", "reason", "answered_at")


def _answer_data(answer: Any) -> dict[str, Any] | None:
    if answer is None:
        return None
    data = {name: getattr(answer, name) for name in ANSWER_FIELDS}
    data["answered_at"] = _iso(answer.answered_at)
    data["signed_copy"] = answer.signed_document_id is not None
    return data


def _stored_answer(quote: Any) -> Any:
    from betterform.models import QuoteAnswer  # lazily, as access.py: imported before apps load

    return QuoteAnswer.objects.filter(quote_id=quote.pk).first()


def quote_message(quote: Any, change: str, answer: Any = None) -> Message:
    """``quote.<change>``: ``created`` or ``updated`` (the rep's side), ``sent``, ``viewed``,
    ``accepted``, ``declined`` or ``expired`` (the customer's side), all with the same payload:
    the totals as decimal strings, when it was sent and first viewed, how often its page was
    opened, and the customer's answer (``null``, or ``{"decision": "accepted" | "declined",
    "signer_name", "reason", "answered_at", "signed_copy": bool}``). ``answer`` is the one the
    event announces; without it, the stored one is read (one query)."""
    if answer is None and quote.status in ANSWERED_STATUSES:
        answer = _stored_answer(quote)
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
        "sent_at": _iso(quote.sent_at),
        "first_viewed_at": _iso(quote.first_viewed_at),
        "last_viewed_at": _iso(quote.last_viewed_at),
        "view_count": quote.view_count,
        "answer": _answer_data(answer),
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
