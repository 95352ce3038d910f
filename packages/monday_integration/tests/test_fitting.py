"""Values taken from monday are fitted to the field that stores them before they are written,
the same on SQLite (which would store them whole) and PostgreSQL (which would refuse them):
text is shortened with "…", an e-mail, a number or an id that does not fit fails clearly."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import CommandError, call_command

from betterform.models import Quote, QuoteLine, Submission
from createpdf.fitting import ELLIPSIS, DoesNotFit, max_length
from monday_integration import operations
from monday_integration.models import WebhookEvent

LONG = "Ä" * 4000 + "b" * 1003  # 5,003 characters, not all ASCII


def _event(mapping, **changes) -> dict:
    """A status-change delivery as monday sends it, with some fields replaced."""
    event = {
        "type": "update_column_value",
        "triggerUuid": uuid.uuid4().hex,
        "boardId": int(mapping.board_id),
        "pulseId": 123,
        "columnId": mapping.trigger_column_id,
        "columnType": "color",
        "value": {"label": {"index": 3, "text": "Quote requested", "style": {}}},
    }
    return {"event": {**event, **changes}}


def _post(client, mapping, body):
    return client.post(f"/api/monday/webhooks/{mapping.webhook_secret}/", body, format="json")


def _item(fake, demo, name: str, **values) -> str:
    """A new item on the demo board with the demo's first deal's values, some replaced."""
    c, s = demo["columns"], demo["subitem_columns"]
    base = {
        c["customer"]: "Eva Jansen",
        c["email"]: {"email": "eva@example.com", "text": "Eva"},
        c["phone"]: {"phone": "+31612345678", "countryShortName": "NL"},
        c["area"]: "24",
        c["finish"]: {"label": "Basic"},
        c["status"]: {"label": "Working on it"},
    }
    subitems = values.pop("subitems", [{"name": "Cabinets", "values": {s["quantity"]: "2"}}])
    item = fake.add_item(demo["board_id"], name, {**base, **values}, subitems=subitems)
    return str(item.id)


@pytest.fixture
def company_column(fake, demo, mapping) -> str:
    """A Company text column mapped to the customer's company; the item's name is the
    customer's name (the Customer column is no longer mapped)."""
    fake.add_column(demo["board_id"], {"id": "text_mkr1comp", "title": "Company", "type": "text"})
    column_map = dict(mapping.column_map)
    del column_map[demo["columns"]["customer"]]
    mapping.column_map = {**column_map, "text_mkr1comp": "customer.company"}
    mapping.save()
    return "text_mkr1comp"


@pytest.mark.django_db(transaction=True)
def test_a_5003_character_item_name_and_company_are_stored_shortened_with_an_ellipsis(
    run_worker, fake, demo, mapping, company_column, subscribe
):
    """Over real HTTP: monday's webhook reaches the site, the worker reads the item back."""
    item_id = _item(fake, demo, LONG, **{company_column: LONG})
    subscribe(mapping)
    fake.set_status(int(item_id), mapping.status_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10)
    run_worker()

    event = WebhookEvent.objects.exclude(status="ignored").get()
    assert event.status == "done", event.error
    submission = Submission.objects.get()
    for field in ("customer_name", "customer_company"):
        stored = getattr(submission, field)
        assert len(stored) == max_length(Submission, field)
        assert stored == LONG[: len(stored) - 1] + ELLIPSIS
    quote = Quote.objects.get()
    assert quote.customer_name == submission.customer_name
    assert fake.item(int(item_id)).label(mapping.status_column_id) == "Quote ready"


@pytest.mark.django_db(transaction=True)
def test_nul_characters_in_monday_text_are_dropped_on_both_databases(
    fake, demo, mapping, company_column, fast_client
):
    """PostgreSQL's text and jsonb refuse NUL; SQLite would store it."""
    quantity = demo["subitem_columns"]["quantity"]
    subitems = [{"name": "Cabi\x00nets", "values": {quantity: "2"}}]
    item_id = _item(
        fake, demo, "Eva\x00 Jansen", subitems=subitems, **{company_column: "Jansen\x00 BV"}
    )
    event = _sync(mapping, item_id, fast_client)
    assert event.status == "done", event.error
    submission = Submission.objects.get()
    assert (submission.customer_name, submission.customer_company) == ("Eva Jansen", "Jansen BV")
    assert QuoteLine.objects.filter(description="Cabinets").exists()


@pytest.mark.django_db
def test_a_delivery_with_nul_characters_is_stored_without_them(api_client, mapping):
    """monday's data is kept (refusing it would lose the delivery to monday's retries)."""
    body = _event(mapping, triggerUuid="abc\x00def", pulseName="Deal\x00")
    response = _post(api_client, mapping, body)
    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    assert event.trigger_uuid == "abcdef" and event.payload["event"]["pulseName"] == "Deal"


@pytest.mark.django_db(transaction=True)
def test_lone_surrogates_in_monday_text_become_replacement_characters(
    fake, demo, mapping, company_column, fast_client
):
    """A lone surrogate (a cut emoji: "\\ud83d" without its pair) cannot be stored by any
    database; the API's answer is made storable as it is read (``make_storable``)."""
    quantity = demo["subitem_columns"]["quantity"]
    subitems = [{"name": "Cabinets \ud83d", "values": {quantity: "2"}}]
    item_id = _item(
        fake, demo, "Eva \udc00Jansen", subitems=subitems, **{company_column: "Jansen\ud800 BV"}
    )
    event = _sync(mapping, item_id, fast_client)
    assert event.status == "done", event.error
    submission = Submission.objects.get()
    assert submission.customer_company == "Jansen\ufffd BV"
    assert QuoteLine.objects.filter(description="Cabinets \ufffd").exists()


@pytest.mark.django_db
def test_a_delivery_with_a_lone_surrogate_is_stored_with_a_replacement_character(
    api_client, mapping
):
    body = _event(mapping, pulseName="Deal \ud83d", triggerUuid="abc\udfffdef")
    response = api_client.post(
        f"/api/monday/webhooks/{mapping.webhook_secret}/",
        json.dumps(body),  # escaped, as JSON text carries it
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    assert event.payload["event"]["pulseName"] == "Deal \ufffd"
    assert event.trigger_uuid == "abc\ufffddef"


def _sync(mapping, item_id: str, fast_client) -> WebhookEvent:
    event = operations.sync_item(mapping, item_id, fast_client)
    event.refresh_from_db()
    return event


@pytest.mark.django_db(transaction=True)
def test_a_too_long_email_fails_the_event_naming_the_column_and_the_limit(
    fake, demo, mapping, fast_client
):
    email = "a" * 300 + "@example.com"
    item_id = _item(fake, demo, "Deal", **{demo["columns"]["email"]: {"email": email}})
    event = _sync(mapping, item_id, fast_client)
    assert event.status == "failed"
    assert "monday column 'email_mkr1mail' (Email)" in event.error
    assert f"at most {max_length(Submission, 'customer_email')}" in event.error
    assert not Submission.objects.exists()
    item = fake.item(int(item_id))
    assert item.label(mapping.status_column_id) == "Quote failed"
    assert "'email_mkr1mail' (Email)" in item.updates[-1].body


@pytest.mark.django_db(transaction=True)
def test_long_subitem_descriptions_and_units_are_shortened_with_an_ellipsis(
    fake, demo, mapping, fast_client
):
    board = fake.board(demo["board_id"])
    fake.add_column(
        board.subitems_board_id, {"id": "text_mkr1unit", "title": "Unit", "type": "text"}
    )
    mapping.subitem_map = {**mapping.subitem_map, "unit": "text_mkr1unit"}
    mapping.save()
    quantity = demo["subitem_columns"]["quantity"]
    subitems = [{"name": LONG, "values": {quantity: "2", "text_mkr1unit": LONG}}]
    item_id = _item(fake, demo, "Deal", subitems=subitems)

    event = _sync(mapping, item_id, fast_client)
    assert event.status == "done", event.error
    line = QuoteLine.objects.get(source_key__startswith="subitem:")
    for field in ("description", "unit"):
        stored = getattr(line, field)
        assert len(stored) == max_length(QuoteLine, field)
        assert stored == LONG[: len(stored) - 1] + ELLIPSIS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("quantity", "1" * 40, "40 digits before the point"),
        ("unit_price", "12345678901", "11 digits before the point"),
        ("unit_price", "9.999", "too many decimal places"),
    ],
    ids=["40-digit-quantity", "price-too-large", "price-below-a-cent"],
)
def test_a_subitem_number_the_quote_line_cannot_hold_fails_naming_the_column(
    fake, demo, mapping, fast_client, column, value, problem
):
    column_id = demo["subitem_columns"][column]
    item_id = _item(fake, demo, "Deal", subitems=[{"name": "Tiles", "values": {column_id: value}}])
    event = _sync(mapping, item_id, fast_client)
    assert event.status == "failed"
    title = {"quantity": "Quantity", "unit_price": "Unit price"}[column]
    assert f"monday column {column_id!r} ({title})" in event.error
    assert problem in event.error
    field = QuoteLine._meta.get_field(column)
    assert f"at most {field.max_digits - field.decimal_places} digits" in event.error
    assert not QuoteLine.objects.filter(source_key__startswith="subitem:").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("triggerUuid", "u" * 100, "trigger_uuid"),
        ("pulseId", int("9" * 40), "item_id"),
        ("boardId", "1" * 40, "board_id"),
        ("type", "t" * 100, "event_type"),
    ],
)
def test_a_webhook_id_longer_than_its_field_is_a_400_naming_it(
    api_client, mapping, key, value, field
):
    response = _post(api_client, mapping, _event(mapping, **{key: value}))
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert f"event.{key}" in detail
    assert f"at most {max_length(WebhookEvent, field)}" in detail
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_two_trigger_uuids_sharing_their_first_64_characters_stay_two_events(api_client, mapping):
    """Before, both were cut to 64 characters and the second became a 'duplicate'."""
    prefix = uuid.uuid4().hex * 2
    first = _post(api_client, mapping, _event(mapping, triggerUuid=prefix))
    second = _post(api_client, mapping, _event(mapping, triggerUuid=prefix + "x"))
    assert first.status_code == 200
    assert second.status_code == 400
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_syncing_an_item_id_longer_than_an_event_stores_is_a_command_error(mapping):
    with pytest.raises(CommandError, match="at most 32"):
        call_command("monday_sync_item", mapping.board_id, "9" * 40)
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_a_webhook_id_longer_than_a_mapping_stores_is_refused_not_cut(mapping):
    class Client:
        def create_webhook(self, *args, **kwargs) -> str:
            return "9" * 40

    with pytest.raises(DoesNotFit, match="new webhook is 40 characters long; at most 32"):
        operations.register_webhooks("https://forms.example.com", Client())
    mapping.refresh_from_db()
    assert mapping.webhook_id == ""
