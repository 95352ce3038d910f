"""The apps' signals become real-time events (``realtime.bridge``) only once the data is
committed, and a publisher that fails never breaks the request, render or sync that sent them.

Without Redis the events land in the ``RealtimeEvent`` outbox, which these tests read. The
transactions are real (``transaction=True``): "after the commit" means after a real commit.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from background_task.models import Task
from background_task.tasks import tasks
from django.db import connection, transaction

from betterform import services as quotes
from betterform.models import Form, Quote
from betterform_site.models import RealtimeEvent
from betterform_site.realtime.publishers import DatabasePublisher, RedisPublisher, get_publisher
from createpdf.models import Document
from createpdf.services import request_document
from monday_integration import operations
from monday_integration.client import MondayClient
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.testing import FakeMonday, build_demo_board

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = {
    "title": "Kitchen renovation",
    "subtitle": "For Ada",
    "generated_at": "today",
    "sections": [
        {
            "title": "Lines",
            "chart": None,
            "table": {"columns": ["Item", "Price"], "rows": [["Cabinets", "4,200.00"]]},
        }
    ],
}
LINE = {
    "description": "Cabinets",
    "quantity": Decimal("2"),
    "unit_price": Decimal("1250.00"),
    "tax_rate": Decimal("21"),
}


@pytest.fixture(autouse=True)
def outbox(settings) -> Iterator[None]:
    """The database publisher, even where the environment sets ``REDIS_URL`` (CI)."""
    settings.REALTIME_REDIS_URL = ""
    get_publisher.cache_clear()
    assert isinstance(get_publisher(), DatabasePublisher)
    yield
    get_publisher.cache_clear()


@pytest.fixture
def dead_redis(settings, free_port) -> str:
    """A Redis URL nothing listens on: every publish really fails to connect."""
    url = f"redis://127.0.0.1:{free_port}/0"
    settings.REALTIME_REDIS_URL = url
    get_publisher.cache_clear()
    assert isinstance(get_publisher(), RedisPublisher)
    return url


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user("rep", "rep@example.com", "pw")


@pytest.fixture
def rep_client(api_client, rep):
    api_client.force_authenticate(rep)
    return api_client


def announced() -> list[tuple[str, dict[str, Any], list[str]]]:
    return [(row.event, row.data, row.rooms) for row in RealtimeEvent.objects.order_by("id")]


def names() -> list[str]:
    return list(RealtimeEvent.objects.order_by("id").values_list("event", flat=True))


def run_worker() -> int:
    ran = 0
    while ran < 10 and tasks.run_next_task():
        ran += 1
    return ran


# --- documents --------------------------------------------------------------------------------


def test_a_document_requested_through_the_api_is_announced_queued_to_its_requester(rep_client, rep):
    response = rep_client.post(
        "/api/pdf/documents/", {"template": "report", "context": REPORT}, format="json"
    )

    assert response.status_code == 202, response.json()
    document_id = response.json()["id"]
    [(event, data, rooms)] = announced()
    assert event == "document.queued"
    assert data["id"] == document_id and data["status"] == "queued"
    assert data["download_url"] is None
    assert rooms == [f"user:{rep.pk}", "staff", f"document:{document_id}"]


def test_a_document_is_announced_only_once_its_transaction_commits(rep):
    with transaction.atomic():
        document, queued = request_document(
            template_slug="report", context=REPORT, requested_by=rep
        )
        assert queued
        assert names() == [], "nothing is announced while the transaction is open"

    assert names() == ["document.queued"]
    assert RealtimeEvent.objects.get().data["id"] == document.pk


def test_a_rolled_back_document_request_is_never_announced(rep):
    with transaction.atomic():
        request_document(template_slug="report", context=REPORT, requested_by=rep)
        transaction.set_rollback(True)  # the caller gave up

    assert not Document.objects.exists()
    assert names() == []


def test_the_workers_render_announces_rendering_then_done_with_the_link(rep):
    document, _ = request_document(template_slug="report", context=REPORT, requested_by=rep)

    assert run_worker() == 1

    assert names() == ["document.queued", "document.rendering", "document.done"]
    done = announced()[-1][1]
    assert done["download_url"] == f"/api/pdf/documents/{document.pk}/download/"
    assert done["pages"] == 1


# --- quotes -----------------------------------------------------------------------------------


def test_creating_and_updating_a_quote_announce_created_then_updated(rep):
    quote = quotes.create_quote(title="Kitchen", owner=rep, lines=[LINE])
    quotes.update_quote(quote, title="Kitchen and hall", lines=[LINE, LINE])

    [created, updated] = announced()
    assert (created[0], updated[0]) == ("quote.created", "quote.updated")
    assert created[1]["total"] == "3025.00" and updated[1]["total"] == "6050.00"
    assert updated[1]["title"] == "Kitchen and hall"
    assert created[2] == updated[2] == [f"user:{rep.pk}", "staff", f"quote:{quote.pk}"]


def test_a_quote_created_and_edited_in_one_transaction_is_announced_after_it(rep):
    with transaction.atomic():
        quote = quotes.create_quote(title="Kitchen", owner=rep, lines=[LINE])
        quotes.update_quote(quote, lines=[LINE, LINE])
        assert names() == [], "nothing is announced while the transaction is open"

    first, *rest = announced()
    assert first[0] == "quote.created"
    assert rest and {name for name, _, _ in rest} == {"quote.updated"}
    assert rest[-1][1]["total"] == "6050.00", "the committed totals are announced"


def test_a_rolled_back_quote_is_never_announced(rep):
    with transaction.atomic():
        quotes.create_quote(title="Kitchen", owner=rep, lines=[LINE])
        transaction.set_rollback(True)

    assert not Quote.objects.exists()
    assert names() == []


# --- monday -----------------------------------------------------------------------------------


@pytest.fixture
def fake(settings) -> Iterator[FakeMonday]:
    with FakeMonday(retry_interval=0.05) as server:
        settings.MONDAY_API_URL = server.url
        settings.MONDAY_API_TOKEN = server.token
        yield server


@pytest.fixture
def demo(fake) -> dict[str, Any]:
    return build_demo_board(fake)


@pytest.fixture
def mapping(demo, django_user_model) -> BoardMapping:
    form = quotes.save_form(
        Form(name="Renovation", slug="renovation", schema=copy.deepcopy(DEMO_FORM_SCHEMA))
    )
    columns = demo["columns"]
    return BoardMapping.objects.create(
        name="Sales pipeline",
        board_id=str(demo["board_id"]),
        form=form,
        trigger_column_id=columns["status"],
        column_map={
            columns["customer"]: "customer.name",
            columns["email"]: "customer.email",
            columns["area"]: "answers.area",
            columns["finish"]: "answers.finish",
        },
        subitem_map={
            "description": "name",
            "quantity": demo["subitem_columns"]["quantity"],
            "unit_price": demo["subitem_columns"]["unit_price"],
        },
        file_column_id=columns["files"],
        status_column_id=columns["status"],
        owner=django_user_model.objects.create_user("sales-owner"),
    )


@pytest.fixture
def monday_client(fake) -> Iterator[MondayClient]:
    with MondayClient(backoff=lambda attempt: 0.01, max_retries=1) as client:
        yield client


def test_a_webhook_delivery_is_announced_received_to_staff_only(api_client, mapping):
    body = {
        "event": {
            "type": "update_column_value",
            "triggerUuid": "delivery-1",
            "boardId": int(mapping.board_id),
            "pulseId": 123,
            "columnId": mapping.trigger_column_id,
            "value": {"label": {"text": "Quote requested"}},
        }
    }

    response = api_client.post(
        f"/api/monday/webhooks/{mapping.webhook_secret}/", body, format="json"
    )

    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    [(name, data, rooms)] = announced()
    assert name == "monday.event.received"
    assert (data["id"], data["item_id"], data["status"]) == (event.pk, "123", "received")
    assert rooms == ["staff", f"monday-event:{event.pk}"]


def test_a_sync_announces_each_stage_then_the_quote_the_pdf_and_the_outcome(
    demo, mapping, monday_client
):
    item_id = str(demo["items"][0])

    event = operations.sync_item(mapping, item_id, monday_client)

    assert event.status == "done", event.error
    stages = [
        (data["stage"], data["label"])
        for name, data, _ in announced()
        if name == "monday.sync.stage"
    ]
    assert stages == [
        ("reading", "Quote in progress"),
        ("submission", "Quote in progress"),
        ("quote", "Quote in progress"),
        ("pdf", "Quote in progress"),
        ("upload", "Quote in progress"),
        ("done", "Quote ready"),
    ]
    assert names() == [
        *["monday.sync.stage"] * 3,
        "quote.created",
        "quote.updated",  # the item's subitems, added in the same transaction
        "monday.sync.stage",
        "document.queued",
        "document.rendering",
        "document.done",
        *["monday.sync.stage"] * 2,
        "monday.event.processed",
    ]
    for name, data, rooms in announced():
        if name.startswith("monday."):
            assert data.get("event_id", data.get("id")) == event.pk
            assert data["item_id"] == item_id
            assert rooms == ["staff", f"monday-event:{event.pk}"], "monday events: staff only"
        else:
            assert rooms[0] == f"user:{mapping.owner_id}", "the quote and PDF: their owner too"


def test_a_failed_sync_announces_the_failed_stage_and_the_failure(mapping, monday_client):
    event = operations.sync_item(mapping, "424242", monday_client)  # no such item

    assert event.status == "failed"
    stages = [
        (data["stage"], data["label"])
        for name, data, _ in announced()
        if name == "monday.sync.stage"
    ]
    assert stages[-1] == ("failed", "Quote failed")
    assert names()[-1] == "monday.event.failed"
    assert announced()[-1][1]["error"] == event.error != ""


# --- a publisher that fails -------------------------------------------------------------------


def test_a_dead_redis_does_not_fail_the_document_request(rep_client, dead_redis, caplog):
    started = time.monotonic()
    response = rep_client.post(
        "/api/pdf/documents/", {"template": "report", "context": REPORT}, format="json"
    )

    assert response.status_code == 202, response.json()
    assert time.monotonic() - started < 10, "a dead Redis must fail fast"
    assert Document.objects.filter(pk=response.json()["id"], status="queued").exists()
    assert Task.objects.count() == 1, "the render is still queued for the worker"
    assert "Cannot publish to redis" in caplog.text
    assert names() == []


def test_a_dead_redis_does_not_fail_quote_writes_or_a_render(rep, dead_redis, caplog):
    quote = quotes.create_quote(title="Kitchen", owner=rep, lines=[LINE])
    quotes.update_quote(quote, title="Renamed")
    document, _ = request_document(template_slug="report", context=REPORT, requested_by=rep)
    run_worker()

    quote.refresh_from_db()
    document.refresh_from_db()
    assert (quote.title, quote.total) == ("Renamed", Decimal("3025.00"))
    assert document.status == "done" and document.file
    assert caplog.text.count("Cannot publish to redis... giving up") == 5


def test_a_dead_redis_does_not_fail_a_monday_sync(demo, mapping, monday_client, dead_redis):
    event = operations.sync_item(mapping, str(demo["items"][1]), monday_client)

    assert event.status == "done", event.error
    assert Quote.objects.count() == 1 and Document.objects.get().status == "done"


def test_a_publisher_at_a_dead_port_returns_quietly(free_port, caplog):
    from betterform_site.realtime.messages import Message

    publisher = RedisPublisher(f"redis://127.0.0.1:{free_port}/0", "x")

    assert publisher.publish(Message("quote.updated", {"id": 1}, ("staff",))) is None
    assert "Cannot publish to redis" in caplog.text


@pytest.fixture
def outbox_gone() -> Iterator[None]:
    """The outbox table renamed away: every insert is a real database error."""
    table = RealtimeEvent._meta.db_table
    with connection.schema_editor() as editor:
        editor.alter_db_table(RealtimeEvent, table, f"{table}_away")
    yield
    with connection.schema_editor() as editor:
        editor.alter_db_table(RealtimeEvent, f"{table}_away", table)


def test_an_outbox_database_error_does_not_fail_the_request(rep_client, outbox_gone, caplog):
    with caplog.at_level(logging.ERROR, "betterform_site.realtime"):
        response = rep_client.post(
            "/api/pdf/documents/", {"template": "report", "context": REPORT}, format="json"
        )
        quote = quotes.create_quote(title="Kitchen", lines=[LINE])

    assert response.status_code == 202, response.json()
    assert Document.objects.filter(pk=response.json()["id"]).exists()
    assert Quote.objects.filter(pk=quote.pk).exists()
    assert "could not store document.queued in the outbox" in caplog.text
    assert "could not store quote.created in the outbox" in caplog.text


def test_a_message_naming_no_rooms_is_not_published(caplog):
    from betterform_site.realtime.messages import Message
    from betterform_site.realtime.publishers import publish

    publish(Message("document.done", {"id": 1}, rooms=()))  # Socket.IO would send it to all

    assert not RealtimeEvent.objects.exists()
    assert "names no rooms; not published" in caplog.text
