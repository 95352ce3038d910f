"""The webhook log in the admin: own writes hidden by default, item / stage / error columns,
the replay button (POST only, CSRF, refuses what the bulk action refuses), and the records
one deal links along the pipeline (event, submission, quote, PDF, monday item)."""

from __future__ import annotations

import uuid

import pytest
from background_task.models import Task
from django.test import Client
from django.urls import reverse

from betterform.models import Quote, Submission
from createpdf.models import Document
from monday_integration import operations
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db
EVENTS = "/admin/monday_integration/webhookevent/"


def _event(mapping, *, status="failed", item_id="123", name="Kitchen (Jansen)", **fields):
    return WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex,
        mapping=mapping,
        board_id=mapping.board_id,
        item_id=item_id,
        event_type="update_column_value",
        payload={"event": {"pulseId": item_id, "pulseName": name, "userId": 7}},
        status=status,
        **fields,
    )


def _replay_url(event) -> str:
    return reverse("admin:monday_integration_webhookevent_replay", args=[event.pk])


def _scheduled() -> list[str]:
    return list(
        Task.objects.filter(task_name__endswith="process_event_task").values_list(
            "task_params", flat=True
        )
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- the list ------------------------------------------------------------------------------------


def test_own_writes_are_hidden_from_the_list_unless_the_filter_asks(admin_client, mapping):
    work = _event(mapping, status="done", name="Bathroom (de Vries)")
    own = _event(mapping, status="own_write", name="Our label change")
    default = admin_client.get(EVENTS).content.decode()
    assert "Bathroom (de Vries)" in default and "Our label change" not in default
    assert "All but own writes" in default
    only_own = admin_client.get(EVENTS, {"status": "own_write"}).content.decode()
    assert "Our label change" in only_own and "Bathroom (de Vries)" not in only_own
    everything = admin_client.get(EVENTS, {"status": "all"})
    assert {e.pk for e in everything.context["cl"].result_list} == {work.pk, own.pk}


def test_the_list_shows_item_stage_and_a_short_error_and_replays_failed_rows(admin_client, mapping):
    failed = _event(mapping, stage="pdf", error="Template 'qoute' not found\n" + "x" * 500)
    done = _event(mapping, status="done", stage="done", name="Office (Northwind)")
    page = admin_client.get(EVENTS).content.decode()
    assert "Kitchen (Jansen)" in page and "Office (Northwind)" in page
    assert '<td class="field-stage">pdf</td>' in page
    assert "Template &#x27;qoute&#x27; not found" in page and "x" * 200 not in page
    assert _replay_url(failed) in page, "a failed row has its replay button"
    assert _replay_url(done) not in page


# -- the replay button ---------------------------------------------------------------------------


def test_the_replay_button_queues_a_failed_event(admin_client, mapping):
    event = _event(mapping, stage="pdf", error="boom")
    change = admin_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f'formaction="{_replay_url(event)}"' in change
    response = admin_client.post(_replay_url(event), follow=True)
    event.refresh_from_db()
    assert event.status == "received" and event.error == ""
    assert len(_scheduled()) == 1
    assert response.redirect_chain[-1][0] == f"{EVENTS}{event.pk}/change/"
    assert f"Event {event.pk} queued again." in _messages(response)


def test_the_replay_button_goes_back_to_the_filtered_list_it_was_pressed_on(admin_client, mapping):
    event = _event(mapping)
    response = admin_client.post(
        _replay_url(event), HTTP_REFERER=f"http://testserver{EVENTS}?status=failed"
    )
    assert response.status_code == 302 and response["Location"] == f"{EVENTS}?status=failed"


@pytest.mark.parametrize("status", ["ignored", "refused", "own_write"])
def test_the_replay_button_refuses_what_the_action_refuses(admin_client, mapping, status):
    event = _event(mapping, status=status)
    response = admin_client.post(_replay_url(event), follow=True)
    event.refresh_from_db()
    assert event.status == status and _scheduled() == []
    [message] = _messages(response)
    assert message.startswith(f"Event {event.pk}: ")
    bulk = admin_client.post(
        EVENTS + "?status=all",
        {"action": "replay_selected", "_selected_action": [event.pk]},
        follow=True,
    )
    assert message in _messages(bulk), "the same refusal as the bulk action's"


def test_the_replay_url_is_post_only_and_checks_csrf(admin_user, mapping):
    event = _event(mapping)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.get(_replay_url(event)).status_code == 405
    assert client.post(_replay_url(event)).status_code == 403
    event.refresh_from_db()
    assert event.status == "failed" and _scheduled() == []


def test_replay_needs_the_change_permission(client, django_user_model, mapping):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(viewer)
    event = _event(mapping)
    assert "Replay</button>" not in client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    client.post(_replay_url(event))
    event.refresh_from_db()
    assert event.status == "failed" and _scheduled() == []


# -- linked records ------------------------------------------------------------------------------


@pytest.fixture
def deal(fake, demo, mapping, fast_client, settings):
    """One item synced end to end: its event, submission, quote and PDF."""
    settings.MONDAY_ACCOUNT_SLUG = "acme"
    item_id = str(demo["items"][0])
    event = operations.sync_item(mapping, item_id, fast_client)
    assert event.status == "done", event.error
    quote = Quote.objects.get()
    document = Document.objects.get()
    return {"event": event, "item_id": item_id, "quote": quote, "document": document}


def _change(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def test_an_event_links_its_submission_quote_pdf_and_monday_item(admin_client, deal, mapping):
    event, quote = deal["event"], deal["quote"]
    page = admin_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f'href="{_change(Submission, quote.submission_id)}"' in page
    assert f'href="{_change(Quote, quote.pk)}"' in page
    assert f'href="{_change(Document, deal["document"].pk)}"' in page
    item_url = f"https://acme.monday.com/boards/{mapping.board_id}/pulses/{deal['item_id']}"
    assert f'href="{item_url}"' in page


def test_a_quote_and_a_submission_link_their_pdf_monday_item_and_events(admin_client, deal):
    quote, event, document = deal["quote"], deal["event"], deal["document"]
    download = reverse("createpdf:document-download", args=[document.pk])
    for page_url in (_change(Quote, quote.pk), _change(Submission, quote.submission_id)):
        page = admin_client.get(page_url).content.decode()
        assert f'href="{_change(Document, document.pk)}"' in page, page_url
        assert f'href="{download}"' in page, page_url
        assert "https://acme.monday.com/boards/" in page and f"/pulses/{deal['item_id']}" in page
        assert f'href="{_change(WebhookEvent, event.pk)}"' in page, page_url
        assert f"{EVENTS}?item_id={deal['item_id']}" in page
    listing = admin_client.get(EVENTS, {"item_id": deal["item_id"]})
    assert [e.pk for e in listing.context["cl"].result_list] == [event.pk]
