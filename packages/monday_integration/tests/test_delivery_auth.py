"""Who may deliver: the URL's secret authenticates; a JWT present must verify; requiring one is
a choice, and a delivery refused for it is answered 401, stored ``refused`` once, listed and
counted, and taken over by a later accepted retry."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt
import pytest
from background_task.models import Task
from django.utils import timezone

from monday_integration.models import WebhookEvent
from monday_integration.testing import FakeMonday

SIGNING = "test-signing-secret-of-a-sensible-length"
PROCESS = "process_event_task"


@pytest.fixture
def fake(settings):
    """A fake that signs app webhooks, and retries often enough for an operator to act."""
    with FakeMonday(signing_secret=SIGNING, retry_interval=0.3, max_retries=60) as server:
        settings.MONDAY_API_URL = server.url
        settings.MONDAY_API_TOKEN = server.token
        settings.MONDAY_SIGNING_SECRET = SIGNING
        yield server


@pytest.fixture
def staff(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("ops", is_staff=True))
    return api_client


def _url(live_server, mapping) -> str:
    return f"{live_server.url}/api/monday/webhooks/{mapping.webhook_secret}/"


def _request_quote(fake, demo, mapping, live_server, *, signed: bool) -> int:
    fake.subscribe(
        demo["board_id"], _url(live_server, mapping), "change_status_column_value", signed=signed
    )
    item_id = demo["items"][0]
    fake.set_status(item_id, mapping.trigger_column_id, "Quote requested")
    return item_id


@pytest.mark.django_db(transaction=True)
def test_a_personal_token_webhook_is_accepted_with_a_signing_secret_set_and_syncs(
    run_worker, fake, demo, mapping, live_server
):
    item_id = _request_quote(fake, demo, mapping, live_server, signed=False)
    [delivery] = fake.wait_for_deliveries(1, timeout=10)
    assert "Authorization" not in delivery.headers and delivery.status_code == 200
    run_worker()
    event = WebhookEvent.objects.get(trigger_uuid=delivery.trigger_uuid)
    assert event.status == "done", event.error
    assert fake.item(item_id).label(mapping.status_column_id) == "Quote ready"


@pytest.mark.django_db(transaction=True)
def test_an_app_webhook_is_accepted_where_signatures_are_required(fake, demo, mapping, live_server):
    mapping.require_signed_deliveries = True
    mapping.save()
    _request_quote(fake, demo, mapping, live_server, signed=True)
    [delivery] = fake.wait_for_deliveries(1, timeout=10)
    assert delivery.headers["Authorization"] and delivery.status_code == 200
    assert WebhookEvent.objects.get().status == "received"


@pytest.mark.django_db(transaction=True)
def test_an_unsigned_delivery_where_required_is_refused_kept_shown_then_taken_by_a_retry(
    run_worker, fake, demo, mapping, live_server, staff, client
):
    mapping.require_signed_deliveries = True
    mapping.save()
    _request_quote(fake, demo, mapping, live_server, signed=False)
    attempts = fake.wait_for_deliveries(2, timeout=10)  # the first send and a retry
    assert [d.status_code for d in attempts[:2]] == [401, 401]
    event = WebhookEvent.objects.get()  # stored once, whatever the retries
    assert event.status == "refused" and "no JWT" in event.error
    assert not Task.objects.exists()

    listed = staff.get("/api/monday/events/", {"status": "refused"}).json()
    assert [row["id"] for row in listed["results"]] == [event.pk]
    health = client.get("/healthz").json()
    assert health["monday"]["refused_deliveries"] == 1 and health["status"] == "degraded"

    # The operator stops requiring signatures; monday's next retry is accepted and processed.
    mapping.require_signed_deliveries = False
    mapping.save()
    accepted = fake.wait_for_deliveries(1, timeout=10, ok_only=True)
    assert accepted[0].trigger_uuid == event.trigger_uuid
    event.refresh_from_db()
    assert (event.status, event.error) == ("received", "")
    assert Task.objects.filter(task_name__endswith=PROCESS).count() == 1
    run_worker()
    event.refresh_from_db()
    assert event.status == "done", event.error
    # Our own label changes are delivered too (stored ignored); nothing else was added.
    assert WebhookEvent.objects.exclude(status="ignored").count() == 1
    assert client.get("/healthz").json()["monday"]["refused_deliveries"] == 0


# -- the receiver on its own ---------------------------------------------------------------


def _event(mapping, **changes) -> dict:
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


def _post(api_client, mapping, body, token: str = ""):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    url = f"/api/monday/webhooks/{mapping.webhook_secret}/"
    return api_client.post(url, body, format="json", **headers)


def _jwt(mapping, secret: str = SIGNING, *, expires_in: int = 300, aud: str = "") -> str:
    now = int(time.time())
    audience = aud or f"http://testserver/api/monday/webhooks/{mapping.webhook_secret}/"
    claims = {"accountId": 1, "userId": 2, "aud": audience, "iat": now, "exp": now + expires_in}
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "message"),
    [
        (lambda m: _jwt(m, "a-different-secret-of-the-same-length-xx"), "invalid JWT"),
        (lambda m: _jwt(m, expires_in=-10), "expired"),
        (lambda m: _jwt(m, aud="https://elsewhere.example/hook/"), "another URL"),
    ],
    ids=["forged", "expired", "wrong-audience"],
)
def test_a_jwt_that_does_not_verify_is_a_401_kept_as_refused_and_never_scheduled(
    api_client, mapping, settings, token, message
):
    settings.MONDAY_SIGNING_SECRET = SIGNING
    body = _event(mapping)
    for _retry in range(2):
        response = _post(api_client, mapping, body, token(mapping))
        assert response.status_code == 401 and message in response.json()["detail"]
    event = WebhookEvent.objects.get()
    assert event.status == "refused" and message in event.error
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_an_accepted_retry_of_a_refused_delivery_is_processed_once(
    api_client, mapping, settings, django_capture_on_commit_callbacks
):
    settings.MONDAY_SIGNING_SECRET = SIGNING
    body = _event(mapping)
    assert _post(api_client, mapping, body, _jwt(mapping, expires_in=-10)).status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _post(api_client, mapping, body, _jwt(mapping))
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "received" and accepted.json()["duplicate"] is False
    again = _post(api_client, mapping, body, _jwt(mapping))
    assert again.json()["duplicate"] is True
    # A refused retry of an accepted delivery changes nothing.
    assert _post(api_client, mapping, body, "not.a.jwt").status_code == 401
    event = WebhookEvent.objects.get()
    assert (event.status, event.error) == ("received", "")
    assert Task.objects.filter(task_name__endswith=PROCESS).count() == 1


@pytest.mark.django_db
def test_the_site_setting_requires_signatures_on_every_mapping(api_client, mapping, settings):
    settings.MONDAY_SIGNING_SECRET = SIGNING
    settings.MONDAY_REQUIRE_SIGNED_DELIVERIES = True
    assert _post(api_client, mapping, _event(mapping)).status_code == 401
    assert _post(api_client, mapping, _event(mapping), _jwt(mapping)).status_code == 200
    assert sorted(WebhookEvent.objects.values_list("status", flat=True)) == [
        "received",
        "refused",
    ]


@pytest.mark.django_db
def test_a_jwt_that_cannot_be_verified_where_required_is_refused_with_the_reason(
    api_client, mapping, settings
):
    settings.MONDAY_SIGNING_SECRET = ""
    mapping.require_signed_deliveries = True
    mapping.save()
    response = _post(api_client, mapping, _event(mapping), _jwt(mapping))
    assert response.status_code == 401
    assert "MONDAY_SIGNING_SECRET is not set" in WebhookEvent.objects.get(status="refused").error


@pytest.mark.django_db
def test_without_a_requirement_an_unsigned_delivery_is_accepted_with_a_secret_set(
    api_client, mapping, settings
):
    settings.MONDAY_SIGNING_SECRET = SIGNING
    response = _post(api_client, mapping, _event(mapping))
    assert response.status_code == 200 and response.json()["status"] == "received"


@pytest.mark.django_db
def test_healthz_counts_the_refusals_of_the_last_day_only(client):
    for number, age in enumerate([timedelta(hours=1), timedelta(hours=30)]):
        event = WebhookEvent.objects.create(
            trigger_uuid=f"r-{number}",
            event_type="update_column_value",
            payload={},
            status="refused",
            error="no JWT",
        )
        WebhookEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - age)
    assert client.get("/healthz").json()["monday"]["refused_deliveries"] == 1


@pytest.mark.django_db
def test_with_signatures_required_an_unsigned_malformed_body_is_a_401_not_a_400(
    api_client, mapping, settings
):
    """Authentication comes before the body's shape; nothing is stored for it."""
    settings.MONDAY_SIGNING_SECRET = "app-signing-secret-of-some-length-000"
    mapping.require_signed_deliveries = True
    mapping.save()
    url = f"/api/monday/webhooks/{mapping.webhook_secret}/"
    for body in ({}, {"event": "x"}, []):
        response = api_client.post(url, body, format="json")
        assert response.status_code == 401, (body, response.content)
    assert api_client.post(url, {"challenge": "c"}, format="json").json() == {"challenge": "c"}
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_kept_in_a_host_project_that_wraps_requests_in_transactions(
    api_client, mapping, settings
):
    """With ``ATOMIC_REQUESTS``, DRF rolls a request's transaction back on an error answer;
    the stored ``refused`` row must survive its own 401."""
    from django.db import connection

    settings.MONDAY_SIGNING_SECRET = SIGNING
    settings.MONDAY_REQUIRE_SIGNED_DELIVERIES = True
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        assert _post(api_client, mapping, _event(mapping)).status_code == 401
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = False
    assert WebhookEvent.objects.get().status == "refused"
