"""The pipeline e-mails the quote to the customer read from the item, once, when the mapping
says so (``send_quote_to_customer``); a quote the customer answered is never re-priced from
the item: a new version is, and e-mailed. Against the fake monday over real HTTP, with Django's
locmem outbox."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest
from django.core import mail
from django.utils import timezone

from betterform import answering
from betterform.models import Quote, QuoteEmail
from monday_integration import operations, quote_sending, sync
from monday_integration.client import MondayClient
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "Thank you for your time on the phone today."
CUSTOMER = "eva.jansen@example.com"


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
    mapping.customer_message = MESSAGE
    mapping.save()
    return mapping


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_pipeline_emails_the_quote_once_the_pdf_is_on_the_item(
    fake, demo, sending, fast_client
):
    item_id = str(demo["items"][0])
    event = operations.sync_item(sending, item_id, fast_client)
    assert event.status == "done", event.error
    quote = Quote.objects.get()
    [email] = mail.outbox
    [to] = email.to
    assert to.endswith(f"<{CUSTOMER}>")
    assert MESSAGE in email.body and f"https://quotes.example.com/q/{quote.customer_token}/" in (
        email.body
    )
    [(_name, content, kind)] = email.attachments
    assert kind == "application/pdf" and quote.number in _pdf_text(content)
    record = QuoteEmail.objects.get()
    assert (record.quote, record.sent_by, record.message) == (quote, sending.owner, MESSAGE)
    quote.refresh_from_db()
    assert quote.status == "sent"
    item = fake.item(item_id)
    [uploaded] = item.files
    assert record.document_sha256 and uploaded.data == content, "the PDF e-mailed is on the item"
    assert item.label(sending.status_column_id) == "Quote ready"
    assert item.updates[0].body.endswith(f"E-mailed to {CUSTOMER}.")


def test_a_mapping_that_does_not_send_sends_nothing(fake, demo, mapping, fast_client):
    assert operations.sync_item(mapping, str(demo["items"][0]), fast_client).status == "done"
    assert mail.outbox == [] and not QuoteEmail.objects.exists()
    assert "E-mailed" not in fake.item(demo["items"][0]).updates[0].body


def test_an_item_without_an_email_is_not_sent_and_its_update_says_why(
    fake, demo, sending, fast_client
):
    item_id = demo["items"][2]
    fake.set_value(item_id, demo["columns"]["email"], None)
    event = operations.sync_item(sending, str(item_id), fast_client)
    assert event.status == "done", event.error
    assert mail.outbox == []
    assert (
        fake.item(item_id)
        .updates[0]
        .body.endswith(
            "Not e-mailed to the customer: the item's monday column 'email_mkr1mail' (Email) is "
            "empty."
        )
    )


def test_a_worker_killed_while_sending_is_taken_over_and_sends_once(
    fake, demo, sending, monkeypatch
):
    item_id = str(demo["items"][0])
    event = operations._synthetic_event(sending, item_id, "manual")
    real = quote_sending.sending.send_quote

    def sends_then_dies(*args, **kwargs):
        real(*args, **kwargs)
        raise WorkerKilled("after the e-mail went out")

    monkeypatch.setattr(quote_sending.sending, "send_quote", sends_then_dies)
    with pytest.raises(WorkerKilled):
        sync.process_event(event.pk)
    monkeypatch.setattr(quote_sending.sending, "send_quote", real)
    WebhookEvent.objects.filter(pk=event.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with MondayClient(backoff=lambda attempt: 0.01) as client:
        event = sync.process_event(event.pk, client=client)
    assert event.status == "done", event.error
    assert len(mail.outbox) == 1 and QuoteEmail.objects.count() == 1
    item = fake.item(item_id)
    assert len(item.files) == 1, "the retry renders the PDF already e-mailed and uploaded"
    assert item.updates[0].body.endswith(f"E-mailed to {CUSTOMER}.")


def test_a_replay_of_a_done_event_does_not_email_the_customer_again(
    run_worker, fake, demo, sending, fast_client, django_capture_on_commit_callbacks
):
    event = operations.sync_item(sending, str(demo["items"][0]), fast_client)
    with django_capture_on_commit_callbacks(execute=True):
        sync.schedule_replay(event)
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    assert len(mail.outbox) == 1
    assert len(fake.item(demo["items"][0]).files) == 1


def test_an_accepted_quote_triggered_again_emails_a_new_version_and_leaves_the_accepted_one(
    fake, demo, sending, fast_client
):
    item_id = str(demo["items"][0])
    operations.sync_item(sending, item_id, fast_client)
    quote = Quote.objects.get()
    answering.accept_quote(
        quote, signer_name="Eva Jansen", consent=True, ip_address=None, user_agent="pytest"
    )
    fake.set_value(int(item_id), demo["columns"]["area"], "99")
    event = operations.sync_item(sending, item_id, fast_client)
    assert event.status == "done", event.error
    new = Quote.objects.get(previous_version=quote)
    quote.refresh_from_db()
    assert quote.status == "accepted" and Quote.objects.count() == 2
    assert quote.submission.answers["area"] not in (99, "99"), "the answered submission stays"
    first, second = mail.outbox
    assert f"/q/{quote.customer_token}/" in first.body
    assert f"/q/{new.customer_token}/" in second.body, "the new version is e-mailed"
    assert [e.quote for e in QuoteEmail.objects.order_by("pk")] == [quote, new]
    body = fake.item(item_id).updates[0].body
    assert f"Quote {new.number} is ready" in body and f"a new version of {quote.number}" in body
    assert body.endswith(f"E-mailed to {CUSTOMER}.")
