"""The webhook-to-quote pipeline against the fake monday, over real HTTP.

monday (the fake) calls a live Django server; the worker's job runs in the test.
"""

from __future__ import annotations

import io

import pypdf
import pytest

from betterform.models import Quote, Submission
from monday_integration import operations, sync
from monday_integration.models import ItemLink, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def _triggers():
    """Our own label changes reach the webhook too (as on monday); they are stored ignored."""
    return WebhookEvent.objects.exclude(status="ignored")


def test_a_status_change_ends_with_a_priced_pdf_on_the_item(
    run_worker, fake, demo, mapping, subscribe
):
    subscribe(mapping)
    item_id = demo["items"][0]
    fake.set_status(item_id, mapping.status_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10)
    assert _triggers().get().status == "received"

    assert run_worker() >= 1
    event = _triggers().get()
    assert event.status == "done", event.error
    item = fake.item(item_id)
    quote = Quote.objects.get()
    assert item.label(mapping.status_column_id) == "Quote ready"
    [pdf] = item.files
    text = _pdf_text(pdf.data)
    assert quote.number in text
    assert f"{quote.total:,.2f}" in text
    [update] = item.updates
    assert quote.number in update.body and f"{quote.total:,.2f}" in update.body
    submission = Submission.objects.get()
    assert submission.source == "monday" and submission.external_reference == str(item_id)
    assert submission.customer_email == "eva.jansen@example.com"
    assert submission.answers["finish"] == "premium"
    descriptions = list(quote.lines.values_list("description", flat=True))
    assert "Finish: Premium" in descriptions and "Cabinets" in descriptions


def test_twenty_deliveries_several_at_once_make_one_event_one_quote_one_upload(
    run_worker, fake, demo, mapping, subscribe
):
    """monday re-delivers; the fake sends 20 copies with one triggerUuid, half at once."""
    subscribe(mapping)
    item_id = demo["items"][1]
    fake.faults.duplicate_webhooks(copies=20, times=1)
    fake.set_status(item_id, mapping.status_column_id, "Quote requested")
    deliveries = fake.wait_for_deliveries(20, timeout=20, ok_only=True)
    assert len({d.payload["event"]["triggerUuid"] for d in deliveries[:20]}) == 1
    assert [d.status_code for d in deliveries[:20]] == [200] * 20
    assert _triggers().count() == 1
    run_worker()
    assert Quote.objects.count() == 1
    assert len(fake.item(item_id).files) == 1


def test_a_rate_limit_is_waited_out_and_the_sync_succeeds(fake, demo, mapping, fast_client):
    event = operations._synthetic_event(mapping, str(demo["items"][2]), "manual")
    fake.faults.rate_limit(times=2, retry_in_seconds=1)
    sync.process_event(event.pk, client=fast_client)
    event.refresh_from_db()
    assert event.status == "done", event.error
    assert fake.item(demo["items"][2]).label(mapping.status_column_id) == "Quote ready"


def test_persistent_server_errors_fail_the_event_visibly_and_replay_succeeds(
    run_worker, fake, demo, mapping, fast_client, django_capture_on_commit_callbacks
):
    item_id = demo["items"][0]
    event = operations._synthetic_event(mapping, str(item_id), "manual")
    fake.faults.server_error(times=fast_client.max_retries + 1)
    sync.process_event(event.pk, client=fast_client)
    event.refresh_from_db()
    assert event.status == "failed"
    assert "500" in event.error or "server" in event.error.lower()
    item = fake.item(item_id)
    assert item.label(mapping.status_column_id) == "Quote failed"
    assert "could not prepare the quote" in item.updates[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        sync.schedule_replay(event)
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    assert fake.item(item_id).label(mapping.status_column_id) == "Quote ready"


def test_syncing_an_item_again_updates_the_same_submission_and_quote(
    fake, demo, mapping, fast_client
):
    item_id = str(demo["items"][2])
    first = operations.sync_item(mapping, item_id, fast_client)
    fake.set_value(int(item_id), demo["columns"]["area"], "12")
    second = operations.sync_item(mapping, item_id, fast_client)
    assert first.status == second.status == "done"
    assert Submission.objects.count() == 1 and Quote.objects.count() == 1
    assert ItemLink.objects.get().submission.answers["area"] == "12"


def test_reconcile_finds_items_whose_webhook_was_dropped(
    run_worker, fake, demo, mapping, fast_client, django_capture_on_commit_callbacks
):
    fake.faults.drop_webhooks(times=1)
    fake.set_status(demo["items"][1], mapping.status_column_id, "Quote requested")
    with django_capture_on_commit_callbacks(execute=True):
        found = operations.reconcile(fast_client)
    assert [row.item_id for row in found] == [str(demo["items"][1])]
    run_worker()
    assert _triggers().get().status == "done"
    assert operations.reconcile(fast_client) == [], "a synced item is not queued again"
