"""The webhook event list: CSV export of the filtered rows (status, date range), formulas in
errors escaped, refused without the view permission; the received-date range filter."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

EVENTS = "/admin/monday_integration/webhookevent/"


def _event(**fields: Any) -> WebhookEvent:
    fields.setdefault("event_type", "update_column_value")
    return WebhookEvent.objects.create(trigger_uuid=uuid.uuid4().hex, payload={}, **fields)


def _export(client: Client, query: str = "") -> list[dict[str, str]]:
    url = f"{EVENTS}export/{'?' + query if query else ''}"
    form = client.get(url).context["form"]
    ticked = [
        name for name, field in form.fields.items() if getattr(field, "is_selectable_field", 0)
    ]
    response = client.post(url, {"format": "0", "resource": "0", **dict.fromkeys(ticked, "on")})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_event_csv_exports_the_filtered_events(admin_client):
    failed = _event(item_id="42", status=WebhookEvent.Status.FAILED, stage="pdf", error="=boom()")
    _event(item_id="43", status=WebhookEvent.Status.DONE)

    rows = _export(admin_client, "status__exact=failed")

    assert [(row["id"], row["item_id"], row["stage"]) for row in rows] == [
        (str(failed.pk), "42", "pdf")
    ]
    assert rows[0]["error"] == "'=boom()"  # a spreadsheet shows it, does not run it
    assert "payload" not in rows[0]


def test_event_csv_and_list_follow_the_received_date_range(admin_client):
    old = _event(item_id="1")
    WebhookEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))
    new = _event(item_id="2")
    since = f"received_at__range__gte={timezone.localdate() - timedelta(days=7)}"

    listed = admin_client.get(f"{EVENTS}?{since}")

    assert [event.pk for event in listed.context["cl"].result_list] == [new.pk]
    assert [row["id"] for row in _export(admin_client, since)] == [str(new.pk)]


def test_event_export_needs_the_view_permission(client):
    _event()
    user = get_user_model().objects.create_user("blind", password="pw", is_staff=True)
    client.force_login(user)

    assert client.get(f"{EVENTS}export/").status_code == 403
    assert client.post(f"{EVENTS}export/", {"format": "0"}).status_code == 403
