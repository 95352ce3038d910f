"""What each real-time event carries and which rooms receive it (``realtime.messages``), built
from real rows: documents queued by createpdf, quotes priced by betterform, monday events."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from betterform import services as quotes
from betterform_site.realtime import messages
from createpdf.models import Document
from createpdf.services import request_document
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

REPORT = {
    "title": "Kitchen renovation",
    "subtitle": "For Ada",
    "generated_at": "today",
    "sections": [],
}
LINE = {
    "description": "Cabinets",
    "quantity": Decimal("2"),
    "unit_price": Decimal("1250.00"),
    "tax_rate": Decimal("21"),
    "discount_percent": Decimal("10"),
}


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user("rep", "rep@example.com", "pw")


def document(**kwargs: Any) -> Document:
    queued, _ = request_document(template_slug="report", context=REPORT, title="Offer", **kwargs)
    return queued


def monday_event(status: str = WebhookEvent.Status.RECEIVED, **fields: Any) -> WebhookEvent:
    return WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex,
        board_id="4001",
        item_id="5002",
        event_type="update_column_value",
        payload={},
        status=status,
        **fields,
    )


def as_json(message: messages.Message) -> dict[str, Any]:
    """The payload as a client receives it: it must survive JSON unchanged."""
    decoded = json.loads(json.dumps(message.data))
    assert decoded == message.data
    return decoded


# --- documents --------------------------------------------------------------------------------


def test_a_queued_document_goes_to_its_requester_staff_and_followers_without_a_link(rep):
    queued = document(requested_by=rep)

    message = messages.document_message(queued)

    assert message.event == "document.queued"
    assert message.rooms == (f"user:{rep.pk}", "staff", f"document:{queued.pk}")
    data = as_json(message)
    assert data == {
        "id": queued.pk,
        "status": "queued",
        "title": "Offer",
        "template_slug": "report",
        "download_url": None,
        "error": "",
        "pages": None,
        "updated_at": queued.updated_at.isoformat(),
    }
    assert datetime.datetime.fromisoformat(data["updated_at"]) == queued.updated_at


def test_only_a_done_document_carries_its_download_url_and_pages(rep):
    done = document(requested_by=rep)
    done.status, done.pages = Document.Status.DONE, 3

    data = as_json(messages.document_message(done))

    assert data["status"] == "done"
    assert data["download_url"] == f"/api/pdf/documents/{done.pk}/download/"
    assert data["pages"] == 3
    assert data["error"] == ""


def test_only_a_failed_document_carries_its_error(rep):
    failed = document(requested_by=rep)
    failed.status, failed.error = Document.Status.FAILED, "unknown variable 'total'"
    failed_message = messages.document_message(failed)

    retrying = failed  # the worker queues a document again after a passing error, with a reason
    retrying.status, retrying.error = Document.Status.QUEUED, "attempt failed, will retry: OOM"
    retry_message = messages.document_message(retrying)

    assert failed_message.event == "document.failed"
    assert as_json(failed_message)["error"] == "unknown variable 'total'"
    assert as_json(failed_message)["download_url"] is None
    assert retry_message.event == "document.queued"
    assert as_json(retry_message)["error"] == "", "a retry's reason is not a failure"


def test_the_announced_status_wins_over_the_rows_later_one(rep):
    """The worker may have finished before the ``rendering`` announcement goes out."""
    moved_on = document(requested_by=rep)
    moved_on.status, moved_on.pages = Document.Status.DONE, 1

    message = messages.document_message(moved_on, "rendering")

    assert message.event == "document.rendering"
    assert message.data["status"] == "rendering"
    assert message.data["download_url"] is None and message.data["pages"] is None


def test_a_document_an_api_key_asked_for_goes_to_no_users_room():
    by_key = document(requested_by_key="17")

    message = messages.document_message(by_key)

    assert message.rooms == ("staff", f"document:{by_key.pk}")
    assert not any(room.startswith("user:") for room in message.rooms)


# --- quotes -----------------------------------------------------------------------------------


def test_a_quote_carries_its_totals_as_decimal_strings_to_its_owner_staff_and_followers(rep):
    quote = quotes.create_quote(title="Kitchen", customer_name="Ada", owner=rep, lines=[LINE])

    created = messages.quote_message(quote, "created")
    updated = messages.quote_message(quote, "updated")

    assert (created.event, updated.event) == ("quote.created", "quote.updated")
    assert created.rooms == (f"user:{rep.pk}", "staff", f"quote:{quote.pk}")
    assert as_json(created) == {
        "id": quote.pk,
        "number": quote.number,
        "status": "draft",
        "title": "Kitchen",
        "customer_name": "Ada",
        "currency": quote.currency,
        "subtotal": "2500.00",
        "discount_total": "250.00",
        "tax_total": "472.50",
        "total": "2722.50",
        "submission_id": None,
        "updated_at": quote.updated_at.isoformat(),
        "sent_at": None,
        "first_viewed_at": None,
        "last_viewed_at": None,
        "view_count": 0,
        "answer": None,
    }
    assert updated.data == created.data


def test_totals_read_back_from_the_database_are_the_same_strings(rep):
    quote = quotes.create_quote(title="Kitchen", owner=rep, lines=[LINE])
    quote.refresh_from_db()

    data = messages.quote_message(quote, "updated").data

    assert (data["subtotal"], data["total"]) == ("2500.00", "2722.50")
    assert [Decimal(data[key]) for key in ("subtotal", "tax_total")] == [
        quote.subtotal,
        quote.tax_total,
    ]


def test_a_quote_without_an_owner_goes_to_staff_and_followers_only():
    quote = quotes.create_quote(title="From the ERP", lines=[])

    message = messages.quote_message(quote, "created")

    assert message.rooms == ("staff", f"quote:{quote.pk}")
    assert message.data["total"] == "0.00"


# --- monday -----------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["received", "processed", "failed"])
def test_monday_events_go_to_staff_and_the_events_followers_only(outcome):
    event = monday_event(stage="pdf", error="")

    message = messages.monday_event_message(event, outcome)

    assert message.event == f"monday.event.{outcome}"
    assert message.rooms == ("staff", f"monday-event:{event.pk}")
    assert as_json(message) == {
        "id": event.pk,
        "board_id": "4001",
        "item_id": "5002",
        "event_type": "update_column_value",
        "status": "received",
        "stage": "pdf",
        "error": "",
    }


def test_a_sync_stage_names_the_item_the_stage_and_the_label():
    event = monday_event(WebhookEvent.Status.PROCESSING)

    message = messages.sync_stage_message(event, "quote", "Quote in progress")

    assert message.event == "monday.sync.stage"
    assert message.rooms == ("staff", f"monday-event:{event.pk}")
    assert as_json(message) == {
        "event_id": event.pk,
        "board_id": "4001",
        "item_id": "5002",
        "stage": "quote",
        "label": "Quote in progress",
    }


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (WebhookEvent.Status.RECEIVED, "monday.event.received"),
        (WebhookEvent.Status.PROCESSING, "monday.event.received"),
        (WebhookEvent.Status.DONE, "monday.event.processed"),
        (WebhookEvent.Status.IGNORED, "monday.event.processed"),
        (WebhookEvent.Status.FAILED, "monday.event.failed"),
    ],
)
def test_a_monday_events_state_is_named_as_the_event_that_announced_it(status, name):
    event = monday_event(status, error="boom" if status == "failed" else "")

    state = messages.monday_state_message(event)

    assert state.event == name
    assert state.data["status"] == status
    assert state.rooms == ("staff", f"monday-event:{event.pk}")


def test_a_state_is_the_event_name_and_its_data():
    message = messages.Message("quote.updated", {"id": 1}, ("staff",))

    assert message.as_state() == {"event": "quote.updated", "data": {"id": 1}}
