"""The webhook endpoint: challenge, verification, one row per trigger, clear 4xx errors."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from background_task.models import Task

from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

SIGNING = "test-signing-secret-of-a-sensible-length"


def _url(mapping) -> str:
    return f"/api/monday/webhooks/{mapping.webhook_secret}/"


def _event(mapping, *, label="Quote requested", column=None, trigger=None) -> dict:
    return {
        "event": {
            "type": "update_column_value",
            "triggerUuid": trigger or uuid.uuid4().hex,
            "boardId": int(mapping.board_id),
            "pulseId": 123,
            "pulseName": "Deal",
            "columnId": column or mapping.trigger_column_id,
            "columnType": "color",
            "value": {
                "label": {"index": 3, "text": label, "style": {}, "is_done": False},
                "post_id": None,
            },
            "previousValue": None,
            "triggerTime": "2026-11-23T10:00:00Z",
            "userId": 1,
        }
    }


def _post(client, mapping, body, **headers):
    return client.post(_url(mapping), body, format="json", **headers)


def test_the_challenge_is_echoed_without_authorization(api_client, mapping, settings):
    settings.MONDAY_SIGNING_SECRET = SIGNING
    response = _post(api_client, mapping, {"challenge": "abc123"})
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"}


def test_a_trigger_is_stored_and_scheduled_and_a_duplicate_is_one_row(
    api_client, mapping, django_capture_on_commit_callbacks
):
    body = _event(mapping)
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(api_client, mapping, body)
    assert first.status_code == 200
    assert first.json()["status"] == "received" and first.json()["duplicate"] is False
    assert Task.objects.filter(task_name__endswith="process_event_task").count() == 1
    again = _post(api_client, mapping, body)
    assert again.json() == {**first.json(), "duplicate": True}
    assert WebhookEvent.objects.count() == 1
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [{"label": "Working on it"}, {"column": "other_column"}],
    ids=["another-label", "another-column"],
)
def test_events_that_are_not_the_trigger_are_stored_as_ignored(api_client, mapping, change):
    response = _post(api_client, mapping, _event(mapping, **change))
    assert response.json()["status"] == "ignored"
    assert WebhookEvent.objects.get().status == "ignored"
    assert Task.objects.count() == 0


def test_an_unknown_secret_is_a_404(api_client, mapping):
    response = api_client.post("/api/monday/webhooks/nope/", _event(mapping), format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"event": {"triggerUuid": "abc"}}', "event lacks type"),
        (b'{"something": 1}', "expected"),
        (b'{"challenge": "' + b"x" * (1024 * 1024) + b'"}', "larger than"),
    ],
    ids=["malformed", "not-object", "incomplete", "no-event", "one-megabyte"],
)
def test_bad_payloads_are_400s_that_create_no_work(api_client, mapping, body, message):
    response = api_client.generic("POST", _url(mapping), body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


def _jwt(secret: str, audience: str, *, expires_in: int = 300) -> str:
    now = int(time.time())
    claims = {
        "accountId": 1,
        "userId": 2,
        "aud": audience,
        "iat": now,
        "exp": now + expires_in,
        "shortLivedToken": "short",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (lambda url: _jwt("a-different-secret-of-the-same-length-xx", url), "invalid JWT"),
        (lambda url: _jwt(SIGNING, url, expires_in=-10), "expired"),
        (lambda url: _jwt(SIGNING, "https://elsewhere.example/hook/"), "another URL"),
        (lambda url: _jwt(SIGNING, url.replace("/webhooks/", "/webhooks/x")), "another URL"),
        (lambda url: "not.a.jwt", "invalid JWT"),
    ],
    ids=["bad-signature", "expired", "wrong-audience", "another-mapping-s-url", "garbage"],
)
def test_bad_app_jwts_are_401s_that_create_no_work(api_client, mapping, settings, token, message):
    """Kept as refused so staff see them (test_delivery_auth.py), never scheduled."""
    settings.MONDAY_SIGNING_SECRET = SIGNING
    url = f"http://testserver{_url(mapping)}"
    response = _post(api_client, mapping, _event(mapping), HTTP_AUTHORIZATION=token(url))
    assert response.status_code == 401
    assert message in response.json()["detail"]
    assert WebhookEvent.objects.get().status == "refused"
    assert Task.objects.count() == 0


def test_a_jwt_for_the_public_url_is_accepted_behind_a_proxy(api_client, mapping, settings):
    """monday signs the URL it was given (https, the public host); the site behind a proxy
    that ends TLS sees http and its own host. The path, with the mapping's secret, decides."""
    settings.MONDAY_SIGNING_SECRET = SIGNING
    token = _jwt(SIGNING, f"https://quotes.example.com{_url(mapping)}")
    response = _post(api_client, mapping, _event(mapping), HTTP_AUTHORIZATION=token)
    assert response.status_code == 200, response.json()
    assert WebhookEvent.objects.get().status == "received"


@pytest.mark.parametrize("prefix", ["", "Bearer "])
def test_a_valid_app_jwt_is_accepted_with_or_without_bearer(api_client, mapping, settings, prefix):
    settings.MONDAY_SIGNING_SECRET = SIGNING
    token = _jwt(SIGNING, f"http://testserver{_url(mapping)}")
    response = _post(api_client, mapping, _event(mapping), HTTP_AUTHORIZATION=prefix + token)
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1
