"""The site's admin: branded BetterForm, business apps before the plumbing, a dashboard whose
numbers link to the lists they count (in three queries), and a "View site" that is a page."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from betterform import services
from betterform.models import Quote
from betterform_site.admin_site import BetterFormAdminSite
from betterform_site.dashboard import build_dashboard
from betterform_site.models import WorkerHeartbeat
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

Status = WebhookEvent.Status


def _quote(currency: str, price: str) -> Quote:
    lines = [{"description": "Work", "quantity": D("1"), "unit_price": D(price), "tax_rate": 0}]
    return services.create_quote(lines=lines, currency=currency, customer_name="Ada")


def _event(status: str, **fields: Any) -> WebhookEvent:
    return WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex, event_type="update_column_value", payload={},
        status=status, **fields,
    )  # fmt: skip


def _business_data() -> dict[str, Any]:
    now = timezone.now()
    quotes = [_quote("EUR", "100.00"), _quote("EUR", "50.50"), _quote("USD", "20.00")]
    last_month = _quote("EUR", "999.00")
    before = timezone.localdate().replace(day=1) - timedelta(days=3)
    created = timezone.make_aware(datetime.combine(before, time(12)))
    Quote.objects.filter(pk=last_month.pk).update(created_at=created)
    failed = _event(Status.FAILED, error="monday said no")
    stalled = _event(Status.PROCESSING, lease_expires_at=now - timedelta(minutes=5))
    _event(Status.PROCESSING, lease_expires_at=now + timedelta(minutes=5))  # alive, not stuck
    _event(Status.DONE)
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="box", pid=1, started_at=now, last_seen=now
    )
    return {"quotes": quotes, "last_month": last_month, "failed": failed, "stalled": stalled}


def test_the_admin_is_branded_and_is_the_default_site(admin_client):
    assert isinstance(admin.site._wrapped, BetterFormAdminSite)  # every @admin.register lands here
    page = admin_client.get("/admin/").content.decode()
    assert "<title>Operations dashboard | BetterForm admin</title>" in page
    assert ">BetterForm</a>" in page
    assert "Django administration" not in page


def test_business_apps_come_before_the_plumbing(admin_client):
    labels = [app["app_label"] for app in admin_client.get("/admin/").context["app_list"]]

    assert labels[:3] == ["betterform", "monday_integration", "createpdf"]
    plumbing = labels[3:]
    assert {"auth", "background_task", "betterform_site", "rest_framework_api_key"} <= set(plumbing)
    assert plumbing == sorted(plumbing, key=lambda label: labels.index(label))
    # The navigation sidebar of every other page lists them in the same order.
    sidebar = admin_client.get("/admin/betterform/quote/").context["available_apps"]
    assert [app["app_label"] for app in sidebar][:3] == labels[:3]


def test_dashboard_numbers():
    _business_data()  # the quote of last month is not counted

    board = build_dashboard()

    assert board.quotes == 3
    assert board.quote_values == [("EUR", D("150.50")), ("USD", D("20.00"))]
    assert (board.failed_events, board.stalled_events) == (1, 1)
    assert board.workers.alive and board.workers.workers == 1


def test_dashboard_takes_three_queries(django_assert_num_queries):
    _business_data()
    with django_assert_num_queries(3):
        build_dashboard()


def test_dashboard_links_open_the_lists_it_counts(admin_client):
    data = _business_data()
    page = admin_client.get("/admin/")
    board = page.context["dashboard"]
    html = page.content.decode()

    def listed(url: str) -> set[int]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        return {obj.pk for obj in response.context["cl"].result_list}

    for url in (board.quotes_url, board.failed_url, board.stalled_url, board.workers_url):
        assert f'href="{url.replace("&", "&amp;")}"' in html
    assert listed(board.quotes_url) == {quote.pk for quote in data["quotes"]}
    assert listed(board.failed_url) == {data["failed"].pk}
    assert listed(board.stalled_url) == {data["stalled"].pk}
    assert len(listed(board.workers_url)) == 1
    assert "150.50 EUR" in html and "20.00 USD" in html


def test_dashboard_cards_follow_the_view_permissions(django_user_model):
    _business_data()
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_quote"))
    client = Client()
    client.force_login(user)

    html = client.get("/admin/").content.decode()

    assert 'id="dashboard-quotes"' in html
    assert 'id="dashboard-failed"' not in html and 'id="dashboard-workers"' not in html


def test_view_site_is_a_page(admin_client):
    page = admin_client.get("/admin/")
    site_url = str(page.context["site_url"])

    assert site_url == "/api/docs/"
    assert f'href="{site_url}"' in page.content.decode()
    assert admin_client.get(site_url).status_code == 200
