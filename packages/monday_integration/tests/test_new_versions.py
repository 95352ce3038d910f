"""An item triggered again after its customer accepted, declined or let the quote expire gets a
new version of the quote, priced from the item's current values, and monday follows it; the
answered quote stays exactly as the customer answered it. A new version made through the API
moves the item's link, so the next trigger re-prices it. Against the fake monday over real
HTTP, with Django's locmem outbox."""

from __future__ import annotations

import datetime
import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
from django.core import mail
from django.utils import timezone

from betterform import answering, expiry
from betterform import services as forms
from betterform.models import Quote, QuoteAnswer, Submission
from betterform.signals import quote_created
from createpdf.models import Document
from monday_integration import operations, requoting, sync
from monday_integration.client import MondayClient
from monday_integration.models import ItemLink, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "eva.jansen@example.com"
SIGNER = "Eva Jansen"
RECEIVER = "monday_integration.requoting.new_version"


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the worker catches it."""


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """PDFs of this test only (parallel test processes number documents alike)."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sending(mapping, settings):
    settings.BETTERFORM_SITE_URL = "https://quotes.example.com"
    mapping.send_quote_to_customer = True
    mapping.save()
    return mapping


def _answer(quote: Quote, how: str) -> str:
    """The customer (or time) closes ``quote``; returns what the new version's update says of
    it."""
    if how == "accepted":
        answering.accept_quote(
            quote, signer_name=SIGNER, consent=True, ip_address=None, user_agent="pytest"
        )
        return f"Quote {quote.number} was accepted by {SIGNER} on"
    if how == "declined":
        answering.decline_quote(quote, reason="Too big", ip_address=None, user_agent="pytest")
        return f"Quote {quote.number} was declined on"
    Quote.objects.filter(pk=quote.pk).update(valid_until=datetime.date(2026, 3, 1))
    assert [q.pk for q in expiry.expire_due_quotes(today=datetime.date(2026, 3, 5))] == [quote.pk]
    return f"Quote {quote.number} expired on 1 March 2026"


def _record(quote: Quote) -> dict:
    """What the customer answered, as stored: the quote, its lines, its answer, the kept PDFs
    (their recorded sha256 and the sha256 of the stored file)."""
    quote = Quote.objects.get(pk=quote.pk)
    answer = QuoteAnswer.objects.filter(quote=quote).values().first()
    kept = {
        document.pk: (document.sha256, hashlib.sha256(document.file.read()).hexdigest())
        for document in Document.objects.filter(kept=True)
    }
    return {
        "quote": (quote.number, quote.status, quote.total, quote.subtotal, quote.tax_total),
        "valid_until": quote.valid_until,
        "submission": Submission.objects.filter(pk=quote.submission_id).values().get(),
        "lines": list(quote.lines.order_by("position").values()),
        "answer": answer,
        "kept": kept,
    }


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def _ready_updates(fake, item_id) -> list[str]:
    return [u.body for u in fake.item(item_id).updates if "is ready" in u.body]


@pytest.mark.parametrize("how", ["accepted", "declined", "expired"])
def test_a_closed_quote_triggered_again_gets_a_new_version_and_the_item_follows_it(
    fake, demo, sending, fast_client, how
):
    item_id = str(demo["items"][0])
    assert operations.sync_item(sending, item_id, fast_client).status == "done"
    old = Quote.objects.get()
    why = _answer(old, how)
    before = _record(old)
    if how == "accepted":
        assert before["kept"], "the PDF the customer accepted is kept"
    fake.set_value(int(item_id), demo["columns"]["area"], "99")

    event = operations.sync_item(sending, item_id, fast_client)

    assert event.status == "done", event.error
    new = Quote.objects.exclude(pk=old.pk).get()
    assert new.previous_version == old and new.number != old.number
    area = new.lines.get(source_key="area")
    assert (area.quantity, area.unit_price) == (Decimal("99"), Decimal("85.00"))
    assert new.lines.filter(description="Cabinets").exists(), "subitems priced too"
    assert new.status == "sent", "e-mailed to the customer"
    link = ItemLink.objects.get()
    assert (link.quote, link.submission) == (new, new.submission)
    assert new.submission != old.submission and new.submission.answers["area"] in (99, "99")
    assert new.submission.status == "sent" and new.submission.external_reference == item_id
    assert _record(old) == before, "the answered record is exactly as it was"

    item = fake.item(item_id)
    assert item.label(sending.status_column_id) == "Quote ready"
    old_pdf, new_pdf = item.files
    assert old.number in _pdf_text(old_pdf.data), "the old PDF stays"
    assert new.number in _pdf_text(new_pdf.data) and "99" in _pdf_text(new_pdf.data)
    update = item.updates[0].body
    assert update.startswith(f"Quote {new.number} is ready: total EUR {new.total:,.2f}.")
    assert f"It is a new version of {old.number}, which is closed: {why}" in update
    assert update.endswith(f"E-mailed to {CUSTOMER}.")
    first, second = mail.outbox
    assert f"/q/{new.customer_token}/" in second.body and f"/q/{old.customer_token}/" in first.body


def test_a_retried_job_a_replay_and_a_new_trigger_make_no_second_new_version(
    run_worker, fake, demo, sending, fast_client, monkeypatch, django_capture_on_commit_callbacks
):
    item_id = str(demo["items"][0])
    operations.sync_item(sending, item_id, fast_client)
    old = Quote.objects.get()
    _answer(old, "declined")
    event = operations._synthetic_event(sending, item_id, "manual")
    with MondayClient(backoff=lambda attempt: 0.01) as dying:
        real = dying.upload_file_to_column

        def uploads_then_dies(*args, **kwargs):
            real(*args, **kwargs)
            raise WorkerKilled("after the upload, before the ledger")

        monkeypatch.setattr(dying, "upload_file_to_column", uploads_then_dies)
        with pytest.raises(WorkerKilled):
            sync.process_event(event.pk, client=dying)
    assert Quote.objects.count() == 2, "the new version was made before the worker died"
    WebhookEvent.objects.filter(pk=event.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    event = sync.process_event(event.pk, client=fast_client)  # taken over
    assert event.status == "done", event.error
    with django_capture_on_commit_callbacks(execute=True):
        sync.schedule_replay(event)
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error

    new = Quote.objects.exclude(pk=old.pk).get()
    item = fake.item(item_id)
    assert len(item.files) == 2, "one upload of the new version's PDF"
    ready = _ready_updates(fake, item_id)
    assert len([u for u in ready if new.number in u]) == 2, "taken over: once; replayed: once"
    assert len(mail.outbox) == 2, "the new version e-mailed once"

    fake.set_value(int(item_id), demo["columns"]["area"], "50")
    assert operations.sync_item(sending, item_id, fast_client).status == "done"
    assert Quote.objects.count() == 2, "the next trigger re-prices the new version"
    new.refresh_from_db()
    assert new.lines.get(source_key="area").quantity == Decimal("50")
    assert f"It is a new version of {old.number}" in fake.item(item_id).updates[0].body


def test_a_duplicated_delivery_makes_one_new_version(
    run_worker, fake, demo, sending, subscribe, fast_client
):
    item_id = demo["items"][1]
    operations.sync_item(sending, str(item_id), fast_client)
    old = Quote.objects.get()
    _answer(old, "declined")
    subscribe(sending)
    fake.faults.duplicate_webhooks(copies=10, times=1)
    fake.set_status(item_id, sending.status_column_id, "Quote requested")
    fake.wait_for_deliveries(10, timeout=20, ok_only=True)
    run_worker()
    triggers = WebhookEvent.objects.exclude(status="ignored").exclude(event_type="manual")
    assert [event.status for event in triggers] == ["done"]
    assert Quote.objects.count() == 2
    assert len(fake.item(item_id).files) == 2
    assert len(_ready_updates(fake, item_id)) == 2  # the first quote's, the new version's


def test_a_new_version_made_through_the_api_moves_the_item_and_the_next_trigger_prices_it(
    fake, demo, mapping, fast_client, api_client, django_user_model
):
    item_id = str(demo["items"][0])
    operations.sync_item(mapping, item_id, fast_client)
    old = Quote.objects.get()
    _answer(old, "accepted")
    before = _record(old)
    api_client.force_authenticate(django_user_model.objects.create_user("rep", is_staff=True))

    response = api_client.post(f"/api/quotes/{old.pk}/new_version/")

    assert response.status_code == 201, response.content
    copy = Quote.objects.get(pk=response.json()["id"])
    assert ItemLink.objects.get().quote == copy, "the item follows the new version"
    fake.set_value(int(item_id), demo["columns"]["area"], "12")
    event = operations.sync_item(mapping, item_id, fast_client)
    assert event.status == "done", event.error
    assert Quote.objects.count() == 2, "the draft is re-priced, no third quote"
    copy.refresh_from_db()
    assert copy.lines.get(source_key="area").quantity == Decimal("12")
    link = ItemLink.objects.get()
    assert link.quote == copy and copy.submission == link.submission != old.submission
    assert _record(old) == before, "the accepted submission's answers are left as they were"
    assert f"It is a new version of {old.number}, which is closed: Quote {old.number} was " in (
        fake.item(item_id).updates[0].body
    )


def test_a_new_version_the_link_missed_is_re_priced_rather_than_a_third_quote(
    fake, demo, mapping, fast_client
):
    """Made while the receiver was not listening (before this app was installed, or its move
    failed and was logged): the trigger finds it through ``previous_version``."""
    item_id = str(demo["items"][0])
    operations.sync_item(mapping, item_id, fast_client)
    old = Quote.objects.get()
    _answer(old, "declined")
    quote_created.disconnect(dispatch_uid=RECEIVER)
    try:
        copy = forms.new_version(old)
    finally:
        requoting.connect()
    assert ItemLink.objects.get().quote == old
    assert operations.sync_item(mapping, item_id, fast_client).status == "done"
    assert Quote.objects.count() == 2
    assert ItemLink.objects.get().quote == copy
