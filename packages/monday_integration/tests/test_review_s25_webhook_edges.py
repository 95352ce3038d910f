"""Review (session 25): deliveries no database could store besides NUL and lone surrogates.

A body nested deeper than ``storable.MAX_DEPTH`` was a 500 (``RecursionError`` in
``json.loads`` near 1,000 levels, in ``make_storable`` from about 500), so monday, or whoever
holds the URL, got a 500 and retried for 30 minutes; now a 400 and nothing stored. A number
``json.loads`` reads as infinite or not a number (``1e400``, ``NaN``, ``-Infinity``) made the
payload JSON that neither PostgreSQL's ``jsonb`` nor SQLite's ``JSON_VALID`` check takes (a
500: on SQLite the ``IntegrityError`` was even taken for a duplicate delivery); it is kept, as
a string. A URL secret with a NUL was a ``DataError`` on PostgreSQL; it is a 404."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from createpdf.storable import MAX_DEPTH
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db


def _post(mapping, extra: str, secret: str | None = None):
    text = (
        '{"event": {"type": "update_column_value", "triggerUuid": "' + uuid.uuid4().hex + '", '
        f'"boardId": {mapping.board_id}, "pulseId": 123, '
        f'"columnId": "{mapping.trigger_column_id}", '
        '"value": {"label": {"text": "Working on it"}}' + extra + "}}"
    )
    client = Client(raise_request_exception=False)
    url = f"/api/monday/webhooks/{secret or mapping.webhook_secret}/"
    return client.post(url, text, content_type="application/json")


@pytest.mark.parametrize("levels", [MAX_DEPTH, 800, 995, 5000])
def test_a_delivery_nested_too_deep_is_a_400_and_nothing_is_stored(mapping, levels):
    response = _post(mapping, ', "x": ' + "[" * levels + "]" * levels)
    assert response.status_code == 400, response.content[:300]
    assert f"nested more than {MAX_DEPTH} levels deep" in response.content.decode()
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    ("written", "kept"),
    [("1e400", "Infinity"), ("-1e400", "-Infinity"), ("NaN", "NaN"), ("-Infinity", "-Infinity")],
)
def test_a_number_no_database_stores_is_kept_as_a_string(mapping, written, kept):
    response = _post(mapping, f', "x": {written}, "y": [{{"z": {written}}}]')
    assert response.status_code == 200, response.content[:300]
    event = WebhookEvent.objects.get()
    assert event.status == "ignored"
    assert (event.payload["event"]["x"], event.payload["event"]["y"]) == (kept, [{"z": kept}])


@pytest.mark.parametrize("secret", ["a%00b", "%00"])
def test_a_secret_with_a_nul_is_an_unknown_url(mapping, secret):
    response = _post(mapping, "", secret=secret)
    assert response.status_code == 404, response.content[:300]
    assert not WebhookEvent.objects.exists()
