"""The monday demo: connecting the fake's demo board to a demo form, and flipping an item."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from betterform.models import Form
from monday_integration import demo as monday_demo
from monday_integration import operations
from monday_integration.client import MondayClient
from monday_integration.errors import MondayNotFound
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.operations import webhook_url
from monday_integration.testing import FakeMonday, build_demo_board

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("alice")


def test_connect_maps_the_demo_board_and_subscribes_the_site(
    fake, demo, fast_client, live_server, owner
):
    mapping = monday_demo.connect_demo_board(live_server.url, fast_client, owner=owner)

    assert mapping.board_id == str(demo["board_id"])
    assert mapping.form.slug == "monday-demo-renovation"
    assert mapping.owner == owner and mapping.form.owner == owner
    assert mapping.trigger_label == "Quote requested"
    assert mapping.stage_labels == {
        "working": "Quote in progress",
        "done": "Quote ready",
        "failed": "Quote failed",
        "viewed": "Quote viewed",
        "accepted": "Quote accepted",
        "declined": "Quote declined",
        "expired": "Quote expired",
    }
    columns = demo["columns"]
    assert mapping.column_map[columns["area"]] == "answers.area"
    assert mapping.column_map[columns["email"]] == "customer.email"
    assert mapping.file_column_id == columns["files"]
    assert mapping.subitem_map["quantity"] == demo["subitem_columns"]["quantity"]
    [hook] = fake.webhooks
    assert str(hook.id) == mapping.webhook_id
    assert hook.url == webhook_url(live_server.url, mapping)
    assert [challenge.ok for challenge in fake.challenges] == [True]


def test_the_demo_mapping_emails_the_quote_to_the_deals_customer(
    fake, demo, fast_client, live_server, owner, settings, tmp_path
):
    """``./dev serve``'s demo shows the whole flow: the board's Email column is mapped, so the
    demo mapping sends its quotes, with a short message (the e-mail lands in the outbox here,
    in ``site/var/sent-emails/`` under ``serve``)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BETTERFORM_SITE_URL = "https://quotes.example.com"
    mapping = monday_demo.connect_demo_board(live_server.url, fast_client, owner=owner)
    assert mapping.column_map[demo["columns"]["email"]] == "customer.email"
    assert mapping.send_quote_to_customer
    assert mapping.customer_message == monday_demo.DEMO_CUSTOMER_MESSAGE
    mapping.full_clean()  # what the admin and the API would accept

    item_id = str(demo["items"][0])
    event = operations.sync_item(mapping, item_id, fast_client)
    event.refresh_from_db()
    assert event.status == "done", event.error
    [email] = mail.outbox
    assert email.to[0].endswith("<eva.jansen@example.com>")
    assert monday_demo.DEMO_CUSTOMER_MESSAGE in email.body
    assert fake.item(item_id).updates[0].body.endswith("E-mailed to eva.jansen@example.com.")


def test_connecting_twice_leaves_one_mapping_one_form_and_one_webhook(
    fake, demo, fast_client, live_server, owner
):
    first = monday_demo.connect_demo_board(live_server.url, fast_client, owner=owner)
    second = monday_demo.connect_demo_board(live_server.url, fast_client)

    assert BoardMapping.objects.get().pk == first.pk == second.pk
    assert Form.objects.filter(slug=monday_demo.DEMO_FORM_SLUG).count() == 1
    assert second.owner == owner  # kept when no owner is given
    [hook] = fake.webhooks
    assert str(hook.id) == second.webhook_id != first.webhook_id
    assert second.webhook_secret == first.webhook_secret  # the site's webhook URL is stable


def test_a_new_fake_gets_a_new_webhook_for_the_same_mapping(
    fake, demo, fast_client, live_server, owner
):
    first = monday_demo.connect_demo_board(live_server.url, fast_client, owner=owner)
    with FakeMonday(token=fake.token) as restarted:
        build_demo_board(restarted)
        with MondayClient(url=restarted.url, token=restarted.token) as client:
            again = monday_demo.connect_demo_board(live_server.url, client)

    assert again.pk == first.pk and again.board_id == first.board_id  # ids are deterministic
    [hook] = restarted.webhooks
    assert str(hook.id) == again.webhook_id
    assert len(fake.webhooks) == 1  # the old fake is not asked to delete anything it lacks


def test_without_the_demo_board_connecting_names_the_missing_board(fake, fast_client):
    fake.add_board("Another board", [])
    with pytest.raises(MondayNotFound, match="Sales pipeline"):
        monday_demo.connect_demo_board("http://127.0.0.1:1", fast_client)
    assert not BoardMapping.objects.exists()


def test_flip_sets_the_trigger_label_and_monday_calls_the_site(
    fake, demo, fast_client, live_server, owner, capsys
):
    mapping = monday_demo.connect_demo_board(live_server.url, fast_client, owner=owner)
    item_id = demo["items"][0]

    call_command("monday_demo_flip", str(item_id))

    assert fake.item(item_id).label(mapping.status_column_id) == "Quote requested"
    fake.wait_for_deliveries(1, timeout=10, ok_only=True)
    event = WebhookEvent.objects.get(status="received")
    assert event.item_id == str(item_id) and event.mapping == mapping
    assert "Quote requested" in capsys.readouterr().out


def test_flip_takes_the_api_url_and_token_as_options(
    fake, demo, fast_client, settings, live_server
):
    monday_demo.connect_demo_board(live_server.url, fast_client)
    settings.MONDAY_API_URL, settings.MONDAY_API_TOKEN = "http://127.0.0.1:1/v2", ""
    item_id = demo["items"][1]

    call_command("monday_demo_flip", str(item_id), "--api-url", fake.url, "--token", fake.token)

    assert fake.item(item_id).label("status") == "Quote requested"


def test_flip_refuses_an_unknown_item_and_an_unmapped_board(fake, demo):
    with pytest.raises(CommandError, match="no item 42"):
        call_command("monday_demo_flip", "42")
    with pytest.raises(CommandError, match="No board mapping"):
        call_command("monday_demo_flip", str(demo["items"][0]))
