"""The monday admin's lists on big tables (``createpdf.admin_paging``): the same queries
whatever the rows, and no count or distinct read of the whole table."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

SCANS = re.compile(r"^\s*SELECT\s+(COUNT\(|DISTINCT\b)", re.IGNORECASE)
LISTS = [
    "/admin/monday_integration/webhookevent/",
    "/admin/monday_integration/boardmapping/",
    "/admin/monday_integration/itemlink/",
]


def _events(count: int, event_type: str = "update_column_value") -> None:
    WebhookEvent.objects.bulk_create(
        WebhookEvent(trigger_uuid=uuid.uuid4().hex, event_type=event_type, payload={})
        for _ in range(count)
    )


@pytest.mark.parametrize("url", LISTS)
def test_change_lists_take_the_same_queries_and_never_scan_the_table(admin_client, url):
    _events(2)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    _events(8, event_type="create_pulse")
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url).status_code == 200
    assert len(queries) == len(few)
    unbounded = [
        query["sql"]
        for query in queries.captured_queries
        if SCANS.match(query["sql"]) and " LIMIT " not in query["sql"].upper()
    ]
    assert not unbounded, unbounded


def test_events_are_filtered_by_date_range_and_recent_types(admin_client):
    _events(1, event_type="create_pulse")
    page = admin_client.get(
        "/admin/monday_integration/webhookevent/?received_at__gte=2000-01-01+00:00:00%2B00:00"
    )
    assert page.status_code == 200 and page.context["cl"].result_count == 1
    assert "?event_type=create_pulse" in page.content.decode()
