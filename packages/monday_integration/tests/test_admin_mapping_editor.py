"""The mapping editor against the fake monday: the board picker lists the account's boards,
the column and label fields offer the board's real columns and labels, picks are stored in
the model's JSON shapes, and the change page shows, registers and tests the webhook and lists
the mapping's recent events."""

from __future__ import annotations

import copy
import re
import socket
import time
from urllib.parse import urlsplit

import pytest

from betterform import services as forms
from betterform.models import Form
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.models import ApiIdentity, BoardMapping, WebhookEvent

ADD = "/admin/monday_integration/boardmapping/add/"
pytestmark = pytest.mark.django_db


def _change(mapping) -> str:
    return f"/admin/monday_integration/boardmapping/{mapping.pk}/change/"


@pytest.fixture
def form():
    schema = copy.deepcopy(DEMO_FORM_SCHEMA)
    return forms.save_form(Form(name="Renovation", slug="renovation", schema=schema))


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_adding_starts_with_a_select_of_the_accounts_boards(admin_client, demo, fake, form):
    fake.add_board("Second board", [{"id": "status", "title": "Status", "type": "status"}])
    page = admin_client.get(ADD).content.decode()
    assert f'<option value="{demo["board_id"]}">Sales pipeline ({demo["board_id"]})' in page
    assert "Second board" in page and "Subitems of" not in page
    assert 'value="Load board"' in page
    assert 'name="column_map' not in page, "the mapping comes after the board"


def test_without_monday_the_board_is_typed_and_the_fields_stay_plain(admin_client, settings):
    settings.MONDAY_API_URL = "http://127.0.0.1:9/v2"  # nothing listens there
    page = admin_client.get(ADD).content.decode()
    assert "monday could not list the boards" in page
    assert re.search(r'<input type="text" name="board_id"', page)
    page = admin_client.get(f"{ADD}?board_id=123").content.decode()
    assert "monday could not read board 123" in page
    assert '<textarea name="column_map"' in page, "typed by hand, still checked when saved"


def test_after_the_board_its_columns_and_labels_are_selects(admin_client, demo, form):
    columns = demo["columns"]
    response = admin_client.get(f"{ADD}?board_id={demo['board_id']}&form={form.pk}")
    page = response.content.decode()
    fields = response.context["adminform"].form.fields
    trigger = dict(fields["trigger_column_id"].widget.choices)
    assert trigger == {
        "": "---------",
        "status": "Status (status, status)",
        columns["finish"]: f"Finish ({columns['finish']}, status)",
    }
    # One select per target: each customer detail and each field of the form.
    for target in ("customer.name", "customer.email", "answers.area", "answers.phone"):
        assert f'name="column_map__{target}"' in page
    assert f'<option value="{columns["area"]}">Area ({columns["area"]}, numbers)</option>' in page
    # Stage and trigger labels are the status columns' labels.
    assert 'name="stage_labels__working"' in page
    assert '<option value="Quote in progress">Quote in progress</option>' in page
    # Subitem fields offer the subitems board's columns and the subitem's name.
    quantity = demo["subitem_columns"]["quantity"]
    assert f'<option value="{quantity}">Quantity ({quantity}, numbers)</option>' in page
    assert 'name="subitem_map__unit_price"' in page


def _picks(demo, form) -> dict:
    columns, sub = demo["columns"], demo["subitem_columns"]
    return {
        "name": "Picked",
        "board_id": str(demo["board_id"]),
        "form": form.pk,
        "trigger_column_id": columns["status"],
        "trigger_label": "Quote requested",
        "status_column_id": columns["status"],
        "file_column_id": columns["files"],
        "column_map__customer.name": columns["customer"],
        "column_map__customer.email": columns["email"],
        "column_map__answers.area": columns["area"],
        "column_map__answers.finish": "",
        "subitem_map__description": "name",
        "subitem_map__quantity": sub["quantity"],
        "subitem_map__unit_price": sub["unit_price"],
        "subitem_map__unit": "",
        "stage_labels__working": "Quote in progress",
        "stage_labels__done": "Quote ready",
        "stage_labels__failed": "Quote failed",
        "template_slug": "quote",
        "active": "on",
    }


def test_picks_are_saved_in_the_json_shapes_the_sync_reads(admin_client, demo, form):
    response = admin_client.post(ADD, _picks(demo, form))
    assert response.status_code == 302, response.context["adminform"].form.errors
    mapping = BoardMapping.objects.get()
    columns, sub = demo["columns"], demo["subitem_columns"]
    assert mapping.column_map == {
        columns["customer"]: "customer.name",
        columns["email"]: "customer.email",
        columns["area"]: "answers.area",
    }
    assert mapping.subitem_map == {
        "description": "name",
        "quantity": sub["quantity"],
        "unit_price": sub["unit_price"],
    }
    assert mapping.stage_labels == {
        "working": "Quote in progress",
        "done": "Quote ready",
        "failed": "Quote failed",
    }


def test_a_column_picked_for_two_targets_is_refused(admin_client, demo, form):
    data = {**_picks(demo, form), "column_map__answers.phone": demo["columns"]["area"]}
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert "more than one target" in response.context["adminform"].form.errors["column_map"][0]
    assert not BoardMapping.objects.exists()


def test_a_picked_label_is_still_checked_against_the_board(admin_client, demo, form):
    # A label of the other status column: offered in the select, refused by check_mapping.
    data = {**_picks(demo, form), "stage_labels__done": "Premium"}
    response = admin_client.post(ADD, data)
    assert "'Premium' (done)" in response.context["adminform"].form.errors["stage_labels"][0]
    assert not BoardMapping.objects.exists()


def test_the_change_page_shows_the_absolute_webhook_url(admin_client, mapping):
    page = admin_client.get(_change(mapping)).content.decode()
    url = f"http://testserver/api/monday/webhooks/{mapping.webhook_secret}/"
    assert f'<code class="url" id="webhook-url">{url}</code>' in page
    assert 'value="Register webhook"' in page and 'value="Send test delivery"' in page
    # The saved picks are shown selected.
    area = mapping.column_map and next(
        c for c, t in mapping.column_map.items() if t == "answers.area"
    )
    assert f'<option value="{area}" selected>' in page


@pytest.mark.django_db(transaction=True)
def test_register_creates_the_webhook_after_monday_reached_our_url(
    admin_client, mapping, fake, live_server
):
    host = urlsplit(live_server.url).netloc
    url = f"{live_server.url}/api/monday/webhooks/{mapping.webhook_secret}/"
    response = admin_client.post(
        f"{_change(mapping).removesuffix('change/')}register-webhook/", HTTP_HOST=host, follow=True
    )
    [hook] = fake.webhooks
    assert (hook.url, hook.event, hook.config) == (
        url,
        "change_status_column_value",
        {"columnId": mapping.trigger_column_id},
    )
    assert [(c.url, c.ok) for c in fake.challenges] == [(url, True)]
    mapping.refresh_from_db()
    assert mapping.webhook_id == str(hook.id)
    assert f"Webhook {hook.id} registered" in _messages(response)[0]
    assert ApiIdentity.objects.get().user_id == str(fake.api_user_id), "own writes are known"


def test_a_register_monday_refuses_shows_why_and_stores_nothing(admin_client, mapping, fake):
    # monday's challenge cannot reach http://testserver/...
    url = f"{_change(mapping).removesuffix('change/')}register-webhook/"
    response = admin_client.post(url, follow=True)
    [message] = _messages(response)
    assert "monday refused the webhook" in message
    assert "Failed to communicate with URL provided" in message
    assert fake.webhooks == []
    mapping.refresh_from_db()
    assert mapping.webhook_id == ""


def test_register_is_post_only(admin_client, mapping):
    url = f"{_change(mapping).removesuffix('change/')}register-webhook/"
    assert admin_client.get(url).status_code == 405


def _test_delivery(admin_client, mapping):
    url = f"{_change(mapping).removesuffix('change/')}test-delivery/"
    return admin_client.post(url, follow=True)


def test_a_test_delivery_is_stored_as_monday_would_have_it_and_shown(admin_client, mapping):
    [message] = _messages(_test_delivery(admin_client, mapping))
    event = WebhookEvent.objects.get()
    assert event.status == "ignored" and event.mapping == mapping
    assert event.payload["event"]["type"] == "update_column_value"
    assert "Test delivery (unsigned) answered 200" in message
    assert f"ignored (event {event.pk})" in message


def test_a_refused_test_delivery_shows_the_reason(admin_client, mapping):
    mapping.require_signed_deliveries = True
    mapping.save()
    [message] = _messages(_test_delivery(admin_client, mapping))
    assert "refused with 401" in message and "has no JWT" in message
    assert WebhookEvent.objects.get().status == "refused"


def test_a_test_delivery_is_signed_when_a_signing_secret_is_set(admin_client, mapping, settings):
    settings.MONDAY_SIGNING_SECRET = "app-signing-secret-of-32-bytes-or-more"
    mapping.require_signed_deliveries = True
    mapping.save()
    [message] = _messages(_test_delivery(admin_client, mapping))
    assert "Test delivery (signed) answered 200" in message
    assert WebhookEvent.objects.get().status == "ignored"


def test_recent_events_are_listed_without_own_writes(admin_client, mapping):
    def event(n: int, status: str, **fields) -> WebhookEvent:
        payload = {"event": {"pulseName": f"Deal {n}"}}
        return WebhookEvent.objects.create(
            trigger_uuid=f"t{n}",
            mapping=mapping,
            item_id=str(n),
            event_type="update_column_value",
            payload=payload,
            status=status,
            **fields,
        )

    failed = event(1, "failed", stage="pdf", error="template 'qoute' not found")
    event(2, "own_write")
    for n in range(3, 15):
        event(n, "ignored")
    response = admin_client.get(_change(mapping))
    rows = response.context["recent_events"]
    assert len(rows) == 10
    assert all(row["event"].status != "own_write" for row in rows)
    page = admin_client.get(_change(mapping)).content.decode()
    assert "Deal 14" in page and "Deal 2" not in page
    WebhookEvent.objects.filter(pk__gt=failed.pk).exclude(status="own_write").delete()
    page = admin_client.get(_change(mapping)).content.decode()
    assert f'<a href="/admin/monday_integration/webhookevent/{failed.pk}/change/">' in page
    assert "template &#x27;qoute&#x27; not found" in page and "<td>pdf</td>" in page
    assert f"/admin/monday_integration/webhookevent/?mapping__id__exact={mapping.pk}" in page


def test_the_client_lists_every_board_a_page_at_a_time(fast_client, demo, fake):
    second = fake.add_board("Second board", [{"id": "status", "title": "Status", "type": "status"}])
    boards = fast_client.list_boards(page_size=1)
    assert [(b.id, b.name) for b in boards] == [
        (str(demo["board_id"]), "Sales pipeline"),
        (str(second.id), "Second board"),
    ]
    pages = [r for r in fake.requests if "query Boards" in (r.query or "")]
    assert len(pages) == 3, "until a short page"


@pytest.fixture
def silent_monday(settings):
    """A monday that takes connections and never answers: a listening socket nobody reads
    (the kernel completes the handshake; the request waits for an answer that never comes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        settings.MONDAY_API_URL = f"http://127.0.0.1:{sock.getsockname()[1]}/v2"
        settings.MONDAY_API_TOKEN = "token-of-a-silent-monday"
        yield


def test_a_monday_that_never_answers_costs_a_page_a_few_seconds(
    admin_client, mapping, silent_monday
):
    started = time.monotonic()
    response = admin_client.get(_change(mapping))
    elapsed = time.monotonic() - started
    page = response.content.decode()
    assert response.status_code == 200
    assert elapsed < 5, f"the change page waited {elapsed:.1f} s for monday"
    assert "monday could not list the boards" in page
    assert f"monday could not read board {mapping.board_id}: not asked" in page
    assert re.search(r'<input type="text" name="board_id"', page), "typed ids instead"
    started = time.monotonic()
    page = admin_client.get(f"{ADD}?board_id=123").content.decode()
    assert time.monotonic() - started < 5
    assert "monday could not read board 123" in page


def _api_calls(fake) -> int:
    return sum(1 for r in fake.requests if r.path.startswith("/v2"))


def test_a_user_who_may_not_see_mappings_is_refused_before_monday_is_asked(
    client, django_user_model, mapping, fake
):
    staff = django_user_model.objects.create_user("no-perms", is_staff=True)
    client.force_login(staff)
    before = _api_calls(fake)
    assert client.get(_change(mapping)).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.get(f"{ADD}?board_id={mapping.board_id}").status_code == 403
    assert _api_calls(fake) == before


def test_boards_and_columns_are_read_once_for_two_views(admin_client, mapping, fake):
    def reads(operation: str) -> int:
        return sum(1 for r in fake.requests if f"query {operation}" in (r.query or ""))

    for _ in range(2):
        assert admin_client.get(_change(mapping)).status_code == 200
    assert reads("Boards") == 1
    assert reads("BoardColumns") == 2, "the board's and its subitems board's, once"


def test_moving_a_registered_webhooks_trigger_column_warns_to_register_again(
    admin_client, mapping, demo
):
    mapping.webhook_id = "4242"
    mapping.save()
    same = {**_picks(demo, mapping.form), "name": mapping.name}
    response = admin_client.post(_change(mapping), same, follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    assert not any("still watches" in m for m in _messages(response)), "nothing moved"
    moved = {**same, "trigger_column_id": demo["columns"]["finish"], "trigger_label": "Premium"}
    response = admin_client.post(_change(mapping), moved, follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    [warning] = [m for m in _messages(response) if "still watches" in m]
    assert warning.startswith(
        f"Webhook 4242 still watches the old trigger_column_id {demo['columns']['status']!r}"
    )
    assert "Register the webhook again" in warning
    mapping.refresh_from_db()
    assert mapping.trigger_column_id == demo["columns"]["finish"]
    assert mapping.webhook_id == "4242", "the webhook is registered again by hand"
