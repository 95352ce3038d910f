"""The records a webhook event led to, and the monday side of a quote or submission, as the
admin links them: event -> item link -> submission -> quote -> PDF document, and the item's
page on monday (``identity.item_url``).

``quote_and_submission_links`` is registered with betterform's admin (``betterform.admin_links``)
by ``monday_integration.admin``: betterform cannot import this app.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse

from betterform.admin_links import admin_change_url, quote_documents
from betterform.models import Quote, Submission
from monday_integration import identity
from monday_integration.models import ItemLink, WebhookEvent

EVENTS_SHOWN = 5


def event_item_name(event: WebhookEvent) -> str:
    """The item's name as the delivery gave it (``pulseName``; ``itemName`` for archive,
    delete and restore), or ""."""
    body = event.payload.get("event") if isinstance(event.payload, dict) else None
    if not isinstance(body, dict):
        return ""
    return str(body.get("pulseName") or body.get("itemName") or "")


def event_item_link(event: WebhookEvent) -> ItemLink | None:
    """The ``ItemLink`` of the event's item (of its parent item for a subitem's event)."""
    if event.mapping_id is None or not event.item_id:
        return None
    body = event.payload.get("event") if isinstance(event.payload, dict) else None
    parent = body.get("parentItemId") if isinstance(body, dict) else None
    item_ids = [event.item_id, *([str(parent)] if parent not in (None, "") else [])]
    links = ItemLink.objects.filter(mapping_id=event.mapping_id, item_id__in=item_ids)
    links = links.select_related("submission", "quote")
    return min(links, key=lambda link: item_ids.index(link.item_id), default=None)


def _link(label: str, obj: models.Model | None) -> tuple[str, str] | None:
    if obj is None:
        return None
    return (f"{label}: {obj}", admin_change_url(obj) or "")


def event_record_links(event: WebhookEvent) -> list[tuple[str, str]]:
    """``(label, url)`` for the event's submission, quote, the quote's PDF documents and the
    item on monday; the first three are admin change pages."""
    links: list[tuple[str, str] | None] = []
    link = event_item_link(event)
    if link is not None:
        links.append(_link("Submission", link.submission))
        links.append(_link("Quote", link.quote))
        if link.quote is not None:
            for document in quote_documents([link.quote])[:EVENTS_SHOWN]:
                links.append(_link("PDF", document))
    if event.board_id and event.item_id:
        links.append(("Item on monday", identity.item_url(event.board_id, event.item_id)))
    return [entry for entry in links if entry is not None]


def _item_links_of(obj: Any) -> list[ItemLink]:
    if obj is None or obj.pk is None:
        return []
    if isinstance(obj, Submission):
        return list(ItemLink.objects.filter(submission=obj).select_related("mapping"))
    if isinstance(obj, Quote):
        found = ItemLink.objects.filter(
            models.Q(quote=obj) | models.Q(submission=obj.submission_id)
        )
        return list(found.select_related("mapping"))
    return []


def quote_and_submission_links(obj: models.Model) -> list[tuple[str, str]]:
    """For ``betterform.admin_links``: the monday item of a quote or submission, and its
    latest webhook events (own writes left out) with a link to all of them."""
    links: list[tuple[str, str]] = []
    for item in _item_links_of(obj):
        board, item_id = item.mapping.board_id, item.item_id
        links.append((f"Item {item_id} on monday", identity.item_url(board, item_id)))
        events = WebhookEvent.objects.filter(mapping_id=item.mapping_id, item_id=item_id)
        events = events.exclude(status=WebhookEvent.Status.OWN_WRITE)
        for event in events[:EVENTS_SHOWN]:
            label = f"Event {event.pk}: {event.event_type} ({event.shown_status})"
            links.append((label, admin_change_url(event) or ""))
        changelist = reverse("admin:monday_integration_webhookevent_changelist")
        links.append((f"All events of item {item_id}", f"{changelist}?item_id={item_id}"))
    return links
