"""monday follows the customer: what they do with a quote synced from an item (view, accept,
decline, or let it expire) moves the item's status label, puts the signed copy on its file
column and says so in an update, once, against the fake monday over real HTTP.

The customer acts through ``betterform.answering`` and ``betterform.expiry`` (the real
services, whose signals the app listens to); the worker's jobs run in the test."""

from __future__ import annotations

import datetime
import io
import logging
import re

import pypdf
import pytest
from django.utils import timezone

from betterform import answering, expiry, recorded_answers
from betterform import services as forms
from betterform.models import Quote
from monday_integration import customer_events, operations, sync
from monday_integration.client import MondayClient
from monday_integration.customer_sync import update_body
from monday_integration.models import ItemLink, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER_LABELS = {
    "viewed": "Quote viewed",
    "accepted": "Quote accepted",
    "declined": "Quote declined",
    "expired": "Quote expired",
}
SIGNER = "Eva Jansen"


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the worker catches it."""


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def _accept(quote: Quote, name: str = SIGNER):
    answer, created = answering.accept_quote(
        quote, signer_name=name, consent=True, ip_address="203.0.113.7", user_agent="pytest"
    )
    assert created
    return answer


def _customer_events(kind: str | None = None):
    events = WebhookEvent.objects.filter(event_type__startswith="quote_")
    return events.filter(event_type=f"quote_{kind}") if kind else events


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """PDFs of this test only: parallel test processes number documents alike, and a signed
    copy checks the stored file's sha256 against the one recorded."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def follows(mapping):
    """The test board's mapping, naming a label for everything the customer does."""
    mapping.stage_labels = {**mapping.stage_labels, **CUSTOMER_LABELS}
    mapping.save()
    return mapping


@pytest.fixture
def synced(fake, demo, follows, fast_client):
    """The first deal synced: its quote priced, its PDF on the item, "Quote ready"."""
    item_id = str(demo["items"][0])
    assert operations.sync_item(follows, item_id, fast_client).status == "done"
    quote = Quote.objects.get()
    assert fake.item(item_id).label(follows.status_column_id) == "Quote ready"
    return item_id, quote


def test_an_accepted_quote_moves_the_item_puts_the_signed_copy_on_it_and_says_who(
    run_worker, fake, follows, synced
):
    item_id, quote = synced
    answer = _accept(quote)
    event = _customer_events("accepted").get()
    assert event.status == "received" and event.trigger_uuid == f"customer-{quote.pk}-accepted"
    assert (event.item_id, event.mapping) == (item_id, follows)
    assert event.payload == {"quote": quote.pk, "kind": "accepted"}

    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote accepted"
    quote_pdf, signed = item.files
    answer.refresh_from_db()
    assert signed.name == answer.signed_document.filename
    acceptance = re.sub(r"\s+", "", _pages(signed.data)[-1])
    assert SIGNER.replace(" ", "") in acceptance and answer.shown_sha256 in acceptance
    update = item.updates[0].body  # newest first, as monday lists them
    assert f"{SIGNER} accepted quote {quote.number}" in update
    assert f"{answer.answered_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC" in update
    assert answer.shown_sha256 in update and "Signed copy: " in update
    link = ItemLink.objects.get()
    assert link.uploaded_asset_id == str(quote_pdf.id), "the link still names the quote's PDF"


def test_a_declined_quote_moves_the_item_and_says_why_and_when(run_worker, fake, follows, synced):
    item_id, quote = synced
    answer, _ = answering.decline_quote(
        quote, reason="Too expensive for us this year.", ip_address=None, user_agent="pytest"
    )
    run_worker()
    assert _customer_events("declined").get().status == "done"
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote declined"
    assert len(item.files) == 1, "nothing signed, nothing uploaded"
    update = item.updates[0].body
    assert f"Eva Jansen declined quote {quote.number} on" in update
    assert f"{answer.answered_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC" in update
    assert "Reason: Too expensive for us this year." in update


def test_an_expired_quote_moves_the_item_and_says_it_went_unanswered(
    run_worker, fake, follows, synced
):
    item_id, quote = synced
    Quote.objects.filter(pk=quote.pk).update(status="sent", valid_until=datetime.date(2026, 3, 1))
    assert [q.pk for q in expiry.expire_due_quotes(today=datetime.date(2026, 3, 5))] == [quote.pk]
    run_worker()
    assert _customer_events("expired").get().status == "done"
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote expired"
    assert item.updates[0].body == (
        f"Quote {quote.number} expired on 2 March 2026 unanswered: it was valid until 1 March 2026."
    )


def test_a_first_view_moves_the_label_only(run_worker, fake, follows, synced):
    item_id, quote = synced
    updates = len(fake.item(item_id).updates)
    answering.record_view(quote)
    answering.record_view(quote)  # later views only count
    run_worker()
    assert _customer_events().get().status == "done"
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote viewed"
    assert len(item.updates) == updates and len(item.files) == 1


def test_a_view_processed_after_the_answer_does_not_replace_its_label(fake, follows, synced):
    item_id, quote = synced
    answering.record_view(quote)
    _accept(quote)
    sync.process_event(_customer_events("accepted").get().pk)
    assert sync.process_event(_customer_events("viewed").get().pk).status == "done"
    assert fake.item(item_id).label(follows.status_column_id) == "Quote accepted"


def _dies_after(client: MondayClient, method: str, monkeypatch, *, applied: bool) -> None:
    real = getattr(client, method)

    def dying(*args, **kwargs):
        if applied:
            real(*args, **kwargs)
        raise WorkerKilled(method)

    monkeypatch.setattr(client, method, dying)


@pytest.mark.parametrize("resumed", ["taken-over", "replayed-by-hand"])
@pytest.mark.parametrize("applied", [True, False], ids=["after-monday-applied", "before"])
@pytest.mark.parametrize("method", ["upload_file_to_column", "create_update", "set_status"])
def test_a_customer_event_retried_or_replayed_uploads_and_posts_once(
    run_worker,
    fake,
    follows,
    synced,
    method,
    applied,
    resumed,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    item_id, quote = synced
    _accept(quote)
    event = _customer_events("accepted").get()
    with MondayClient(backoff=lambda attempt: 0.01) as dying_client:
        _dies_after(dying_client, method, monkeypatch, applied=applied)
        with pytest.raises(WorkerKilled):
            sync.process_event(event.pk, client=dying_client)
    WebhookEvent.objects.filter(pk=event.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    fake.idempotency.expire_all()  # dead past monday's 30 minutes: only the ledger and item
    event = sync.process_event(event.pk)
    assert event.status == "done", event.error
    if resumed == "replayed-by-hand":  # a finished event again: a new round
        with django_capture_on_commit_callbacks(execute=True):
            sync.schedule_replay(event)
        run_worker()
        event.refresh_from_db()
        assert event.status == "done", event.error

    item = fake.item(item_id)
    assert len(item.files) == 2, [asset.name for asset in item.files]  # the quote, signed
    assert len([u for u in item.updates if "accepted quote" in u.body]) == 1, item.updates
    assert item.label(follows.status_column_id) == "Quote accepted"


def test_a_quote_from_no_item_queues_nothing(fake, follows):
    quote = forms.create_quote(
        customer_name="Walk-in",
        currency="EUR",
        lines=[{"description": "Visit", "quantity": 1, "unit_price": "90", "tax_rate": "21"}],
    )
    _accept(quote)
    answering.record_view(quote)
    assert not WebhookEvent.objects.exists()


def test_a_mapping_without_customer_labels_leaves_the_status_alone(
    run_worker, fake, demo, mapping, fast_client
):
    """No labels named: a view queues nothing; an acceptance still puts the signed copy on the
    file column and says so, the status stays as the pipeline left it."""
    item_id = str(demo["items"][0])
    operations.sync_item(mapping, item_id, fast_client)
    quote = Quote.objects.get()
    answering.record_view(quote)
    assert not _customer_events().exists()
    _accept(quote)
    run_worker()
    assert _customer_events("accepted").get().status == "done"
    item = fake.item(item_id)
    assert item.label(mapping.status_column_id) == "Quote ready"
    assert len(item.files) == 2 and "accepted quote" in item.updates[0].body


def test_an_inactive_mapping_follows_nothing(fake, follows, synced):
    _, quote = synced
    follows.active = False
    follows.save()
    _accept(quote)
    assert not _customer_events().exists()


def test_a_label_monday_refuses_fails_the_event_without_the_failed_label(
    run_worker, fake, follows, synced
):
    item_id, quote = synced
    follows.stage_labels = {**follows.stage_labels, "declined": "Lost"}  # not on the board
    follows.save()
    answering.decline_quote(quote, reason="", ip_address=None, user_agent="pytest")
    run_worker()
    event = _customer_events("declined").get()
    assert event.status == "failed" and "label does not exist" in event.error
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote ready", "no 'Quote failed' label"
    assert item.updates[0].body.startswith(
        "BetterForm could not record on this item that the customer declined the quote: "
    )


def test_the_customer_never_sees_monday_fail(fake, follows, synced, monkeypatch, caplog):
    """Queueing the follow-up fails (forced here: a broken database cannot be had on demand);
    the customer's acceptance stands and the failure is logged."""
    _, quote = synced

    def broken(quote, kind):
        raise RuntimeError("database gone")

    monkeypatch.setattr(customer_events, "queue_customer_event", broken)
    with caplog.at_level(logging.ERROR, logger="monday_integration.customer_events"):
        answer = _accept(quote)
    assert answer.decision == "accepted"
    assert f"could not queue the monday update for quote {quote.pk} accepted" in caplog.text


def test_a_second_signal_for_the_same_kind_is_the_same_event(fake, follows, synced):
    _, quote = synced
    first = customer_events.queue_customer_event(quote, "viewed")
    again = customer_events.queue_customer_event(quote, "viewed")
    assert first.pk == again.pk and _customer_events().count() == 1


def test_the_fake_monday_page_shows_the_label_the_file_and_the_update(
    run_worker, fake, follows, synced
):
    """What a reviewer checks on the fake's own page (``GET /``), not through our client."""
    import httpx

    item_id, quote = synced
    _accept(quote)
    run_worker()
    page = httpx.get(f"{fake.base_url}/").text
    row = page[page.index(f'id="item-{item_id}"') :]
    row = row[: row.index("</tr>")]
    assert ">Quote accepted</span>" in row
    signed = fake.item(item_id).files[-1]
    assert f"/files/{signed.id}/" in row
    assert f"{SIGNER} accepted quote {quote.number}" in row
    download = httpx.get(f"{fake.base_url}/files/{signed.id}/{signed.name}")
    assert download.status_code == 200 and download.content == signed.data


# --- answers a team member recorded (recorded_answers.record_answer: by phone or on paper) ---


def test_a_recorded_acceptance_moves_the_item_and_says_who_recorded_it(
    run_worker, fake, follows, synced, django_user_model
):
    item_id, quote = synced
    rep = django_user_model.objects.create_user("rep", first_name="Rob", last_name="<b>Rep</b>")
    answer, created = recorded_answers.record_answer(
        quote,
        decision="accepted",
        signer_name="Eva Jansen by phone",
        note="Confirmed <script>x</script>",
        recorded_by=rep,
    )
    assert created
    run_worker()
    event = _customer_events("accepted").get()
    assert event.status == "done", event.error
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote accepted"
    assert len(item.files) == 1, "the quote's PDF only: a recorded answer has no signed copy"
    when = f"{answer.answered_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    assert item.updates[0].body == (
        f"Recorded by Rob &lt;b&gt;Rep&lt;/b&gt;: accepted by Eva Jansen by phone on {when} "
        f"(quote {quote.number}). sha256 of the PDF accepted: {answer.shown_sha256}. "
        "Note: Confirmed &lt;script&gt;x&lt;/script&gt;"
    )


def test_a_recorded_decline_says_who_recorded_it_and_why(run_worker, fake, follows, synced):
    item_id, quote = synced
    answer, _ = recorded_answers.record_answer(
        quote, decision="declined", reason="Too dear.", recorded_by_key="k1", key_name="erp"
    )
    run_worker()
    assert _customer_events("declined").get().status == "done"
    item = fake.item(item_id)
    assert item.label(follows.status_column_id) == "Quote declined"
    assert item.updates[0].body == update_body("declined", quote, answer, None)
    assert item.updates[0].body.startswith("Recorded by API key erp: declined by the customer")
    assert item.updates[0].body.endswith("Reason: Too dear.")
