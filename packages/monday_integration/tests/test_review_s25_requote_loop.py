"""Review (session 25): can re-quoting loop?

Our own label writes come back as deliveries: with the trigger on the status column a stage
label equal to the trigger is refused when the mapping is saved (``label_checks``), so the
working/done/customer labels never re-trigger; a duplicated delivery is one event
(``test_new_versions``). What remains is an item that *keeps* showing the trigger label: a
mapping whose trigger column is not its status column (allowed: ``label_checks`` checks the
self-trigger only on one column). ``monday_reconcile`` (cron) queues every active item showing
the trigger label with no event received or processing, so each run re-syncs it; since
re-quoting, once the customer has answered, the next run makes a new version (and e-mails it
when the mapping sends quotes) with nobody having triggered anything."""

from __future__ import annotations

import datetime

import pytest

from betterform import answering
from betterform.models import Quote
from monday_integration import operations
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

REQUEST = {
    "id": "color_request",
    "title": "Request",
    "type": "status",
    "labels": ["Quote requested", "No quote"],
}


@pytest.fixture
def separate_trigger(fake, demo, mapping):
    """The demo mapping, triggered from a column of its own; the stage labels stay on Status."""
    fake.add_column(demo["board_id"], REQUEST)
    mapping.trigger_column_id = REQUEST["id"]
    mapping.save()
    return mapping


def _reconcile_and_run(fast_client, run_worker) -> list[str]:
    queued = operations.reconcile(fast_client)
    run_worker()
    return [found.item_id for found in queued]


def test_reconcile_does_not_re_quote_an_answered_item_nobody_triggered_again(
    fake, demo, separate_trigger, fast_client, run_worker, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    item_id = str(demo["items"][0])
    fake.set_status(int(item_id), REQUEST["id"], "Quote requested")
    assert operations.sync_item(separate_trigger, item_id, fast_client).status == "done"
    first = Quote.objects.get()
    answering.accept_quote(
        first, signer_name="Eva Jansen", consent=True, ip_address=None, user_agent="pytest"
    )

    for _ in range(3):  # three cron runs
        _reconcile_and_run(fast_client, run_worker)

    assert Quote.objects.count() == 1, [q.number for q in Quote.objects.all()]
    assert not WebhookEvent.objects.filter(event_type="reconcile").exists()


def test_reconcile_leaves_an_item_already_synced_alone(
    fake, demo, separate_trigger, fast_client, run_worker, tmp_path, settings
):
    """Before re-quoting too: each cron run re-synced the item, a new round of labels and a new
    "Quote ... is ready" update on it every time."""
    settings.MEDIA_ROOT = tmp_path
    item_id = str(demo["items"][0])
    fake.set_status(int(item_id), REQUEST["id"], "Quote requested")
    assert operations.sync_item(separate_trigger, item_id, fast_client).status == "done"
    updates = len(fake.item(item_id).updates)

    for _ in range(2):
        _reconcile_and_run(fast_client, run_worker)

    assert len(fake.item(item_id).updates) == updates


def test_one_change_delivered_twice_under_two_trigger_uuids_makes_one_new_version(
    fake, demo, mapping, fast_client, run_worker, tmp_path, settings, api_client
):
    """Two webhooks on the board (ours and one made in monday's UI to the same URL) may deliver
    one change under two ``triggerUuid``s (monday does not document that they share one; the
    fake gives both the same). Two events then: the second re-prices the new version the first
    made, never a third quote, and the customer gets one e-mail."""
    from django.core import mail

    settings.MEDIA_ROOT = tmp_path
    settings.BETTERFORM_SITE_URL = "https://quotes.example.com"
    mapping.send_quote_to_customer = True
    mapping.save()
    item_id = str(demo["items"][0])
    assert operations.sync_item(mapping, item_id, fast_client).status == "done"
    first = Quote.objects.get()
    answering.decline_quote(first, reason="Too big", ip_address=None, user_agent="pytest")
    fake.set_value(int(item_id), demo["columns"]["area"], "30")
    fake.set_status(int(item_id), mapping.status_column_id, "Quote requested")
    sent_before = len(mail.outbox)
    for uuid_ in ("one", "two"):
        body = {
            "event": {
                "type": "update_column_value",
                "triggerUuid": uuid_,
                "boardId": int(mapping.board_id),
                "pulseId": int(item_id),
                "columnId": mapping.trigger_column_id,
                "value": {"label": {"index": 1, "text": "Quote requested"}},
            }
        }
        url = f"/api/monday/webhooks/{mapping.webhook_secret}/"
        assert api_client.post(url, body, format="json").status_code == 200
    run_worker()

    triggers = WebhookEvent.objects.filter(trigger_uuid__in=["one", "two"])
    assert sorted(e.status for e in triggers) == ["done", "done"], [e.error for e in triggers]
    assert Quote.objects.count() == 2, "one new version"
    assert len(mail.outbox) - sent_before == 1, "the new version e-mailed once"


def test_reconcile_queues_a_trigger_set_again_whose_webhook_was_lost(
    fake, demo, separate_trigger, fast_client, run_worker, tmp_path, settings, monkeypatch
):
    """The other side: the rep sets the trigger again after the sync (a new ``changed_at``)
    and monday's delivery is lost: reconcile queues it. (No tolerance here: the test's clocks
    are one, and its steps milliseconds apart.)"""
    monkeypatch.setattr(operations, "SAME_CHANGE", datetime.timedelta(0))
    settings.MEDIA_ROOT = tmp_path
    item_id = str(demo["items"][0])
    fake.set_status(int(item_id), REQUEST["id"], "Quote requested")
    assert operations.sync_item(separate_trigger, item_id, fast_client).status == "done"
    assert _reconcile_and_run(fast_client, run_worker) == []
    fake.set_status(int(item_id), REQUEST["id"], "No quote")
    fake.set_status(int(item_id), REQUEST["id"], "Quote requested")  # set again, now
    assert _reconcile_and_run(fast_client, run_worker) == [item_id]
    assert WebhookEvent.objects.get(event_type="reconcile").status == "done"
    assert _reconcile_and_run(fast_client, run_worker) == [], "answered once"
