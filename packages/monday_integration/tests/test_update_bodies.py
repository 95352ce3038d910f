"""What a customer, an item or an error wrote reaches monday's updates escaped: ``create_update``
takes ``body`` as HTML ("the update's html formatted body"), so a link or an image typed into a
decline reason or a signer's name would be rendered on the board. And a replay of a finished
customer event finds the update it posted (monday reads it back as ``text_body``, the text
without HTML) and posts no second one. Against the fake monday over real HTTP; the replay goes
through the staff API."""

from __future__ import annotations

import pytest

from betterform import answering
from betterform.models import Quote
from monday_integration import operations
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = (
    '<a href="https://evil.example/pay">Click here</a> <img src="https://evil.example/t.gif"> '
    "&amp; <b>bold</b>"
)
ESCAPED = (
    '&lt;a href="https://evil.example/pay"&gt;Click here&lt;/a&gt; '
    '&lt;img src="https://evil.example/t.gif"&gt; &amp;amp; &lt;b&gt;bold&lt;/b&gt;'
)
HOSTILE_NAME = '<a href="https://evil.example/pay">Eva</a> <img src="https://evil.example/t.gif">'
EVENTS = "/api/monday/events/"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def follows(mapping):
    mapping.stage_labels = {
        **mapping.stage_labels,
        "accepted": "Quote accepted",
        "declined": "Quote declined",
    }
    mapping.save()
    return mapping


@pytest.fixture
def synced(fake, demo, follows, fast_client):
    item_id = str(demo["items"][0])
    assert operations.sync_item(follows, item_id, fast_client).status == "done"
    return item_id, Quote.objects.get()


@pytest.fixture
def staff(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("staff", is_staff=True))
    return api_client


def _raw_markup(body: str) -> bool:
    return any(tag in body.lower() for tag in ("<a", "<img", "<b>", "</a>"))


def _replay(staff, event: WebhookEvent, run_worker, capture) -> WebhookEvent:
    with capture(execute=True):
        response = staff.post(f"{EVENTS}{event.pk}/replay/")
    assert response.status_code == 202, response.content
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    assert event.effects["round"] == 1, "a replay of a finished event is a new round"
    return event


def test_a_hostile_decline_reason_arrives_escaped_and_a_replay_posts_it_once(
    run_worker, fake, synced, fast_client, staff, django_capture_on_commit_callbacks
):
    item_id, quote = synced
    answering.decline_quote(quote, reason=HOSTILE, ip_address=None, user_agent="pytest")
    run_worker()
    event = WebhookEvent.objects.get(event_type="quote_declined")
    assert event.status == "done", event.error

    [update] = [u for u in fake.item(item_id).updates if "declined quote" in u.body]
    assert not _raw_markup(update.body), update.body
    assert update.body.endswith(f"Reason: {ESCAPED}")
    # monday shows (and our client reads back) the reason exactly as the customer typed it
    assert update.text_body.endswith(f"Reason: {HOSTILE}")
    [read] = [t for t in fast_client.get_items([item_id])[0].update_texts if "declined" in t]
    assert read == update.text_body

    _replay(staff, event, run_worker, django_capture_on_commit_callbacks)
    declined = [u for u in fake.item(item_id).updates if "declined quote" in u.body]
    assert len(declined) == 1, [u.body for u in declined]
    assert fake.item(item_id).label(event.mapping.status_column_id) == "Quote declined"


def test_a_hostile_signer_name_arrives_escaped_and_a_replay_posts_it_once(
    run_worker, fake, synced, staff, django_capture_on_commit_callbacks
):
    item_id, quote = synced
    answering.accept_quote(
        quote, signer_name=HOSTILE_NAME, consent=True, ip_address=None, user_agent="pytest"
    )
    run_worker()
    event = WebhookEvent.objects.get(event_type="quote_accepted")
    assert event.status == "done", event.error

    [update] = [u for u in fake.item(item_id).updates if "accepted quote" in u.body]
    assert not _raw_markup(update.body), update.body
    assert update.body.startswith(
        '&lt;a href="https://evil.example/pay"&gt;Eva&lt;/a&gt; '
        '&lt;img src="https://evil.example/t.gif"&gt; accepted quote'
    )
    assert update.text_body.startswith(f"{HOSTILE_NAME} accepted quote {quote.number}")

    _replay(staff, event, run_worker, django_capture_on_commit_callbacks)
    item = fake.item(item_id)
    assert len([u for u in item.updates if "accepted quote" in u.body]) == 1
    assert len(item.files) == 2, "the quote's PDF and one signed copy"


def test_a_customer_event_failure_naming_markup_is_escaped(run_worker, fake, synced):
    """monday's error message (here a 400 whose message holds markup) is shown as text."""
    item_id, quote = synced
    message = 'Bad request <img src="https://evil.example/t.gif">'
    fake.faults.server_error(times=1, status=400, body={"error_message": message})
    answering.decline_quote(quote, reason="", ip_address=None, user_agent="pytest")
    run_worker()
    event = WebhookEvent.objects.get(event_type="quote_declined")
    assert event.status == "failed" and "<img" in event.error, event.error  # kept as it is
    update = fake.item(item_id).updates[0]
    assert update.body.startswith("BetterForm could not record on this item that the customer")
    assert "<img" not in update.body and "&lt;img" in update.body, update.body
    assert "<img" in update.text_body


def test_a_pipeline_failure_naming_a_column_title_with_markup_is_escaped(
    fake, demo, mapping, fast_client
):
    """The error names the item's column by its monday title, which anyone on the board can
    set; the "could not prepare" update shows it as text."""
    board_id = demo["board_id"]
    title = '<a href="https://evil.example/pay">Mail</a>'
    fake.add_column(board_id, {"id": "email_evil", "title": title, "type": "email"})
    email_column = demo["columns"]["email"]
    mapping.column_map = {
        **{k: v for k, v in mapping.column_map.items() if k != email_column},
        "email_evil": "customer.email",
    }
    mapping.save()
    c = demo["columns"]
    item = fake.add_item(
        board_id,
        "Deal",
        {
            c["customer"]: "Eva Jansen",
            "email_evil": {"email": "a" * 300 + "@example.com"},
            c["area"]: "24",
            c["finish"]: {"label": "Basic"},
            c["status"]: {"label": "Working on it"},
        },
    )
    event = operations.sync_item(mapping, str(item.id), fast_client)
    event.refresh_from_db()
    assert event.status == "failed" and title in event.error, event.error

    update = fake.item(item.id).updates[0]
    assert update.body.startswith("BetterForm could not prepare the quote: ")
    assert "<a" not in update.body and "&lt;a href=" in update.body, update.body
    assert title in update.text_body


def test_the_ready_update_escapes_what_the_item_holds(fake, demo, mapping, fast_client):
    """The pipeline's own update holds the PDF's link and, when it e-mails, the address and the
    e-mail column's name (from the item): markup in them is escaped too."""
    board_id = demo["board_id"]
    fake.add_column(board_id, {"id": "email_evil", "title": "<b>Mail</b>", "type": "email"})
    mapping.column_map = {
        **{k: v for k, v in mapping.column_map.items() if v != "customer.email"},
        "email_evil": "customer.email",
    }
    mapping.send_quote_to_customer = True
    mapping.save()
    item_id = str(demo["items"][0])  # its e-mail column is the demo's, not mapped: empty
    event = operations.sync_item(mapping, item_id, fast_client)
    event.refresh_from_db()
    assert event.status == "done", event.error

    update = fake.item(item_id).updates[0]
    assert "Not e-mailed to the customer" in update.body and "&lt;b&gt;Mail" in update.body
    assert "<b>" not in update.body, update.body
    assert "<b>Mail</b>" in update.text_body
