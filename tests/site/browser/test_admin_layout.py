"""The admin at 1366x768, with the demo data: no list scrolls sideways, and the quote editor
shows its totals without scrolling (issue 18: its lines table was 1,867 px wide)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.site.browser.conftest import overflow

LISTS = [
    "betterform/form",
    "betterform/submission",
    "betterform/quote",
    "createpdf/document",
    "createpdf/documenttemplate",
    "monday_integration/boardmapping",
    "monday_integration/webhookevent",
]


@pytest.fixture
def demo_data(db, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_no_admin_list_scrolls_sideways(demo_data, admin_page, shoot):
    wide = {}
    for changelist in LISTS:
        admin_page.goto(f"{admin_page.base}/admin/{changelist}/")
        if overflow(admin_page) > 0:
            wide[changelist] = overflow(admin_page)
    admin_page.goto(f"{admin_page.base}/admin/")
    shoot(admin_page, "admin-dashboard")
    assert not wide, f"CSS pixels wider than a 1366 px window: {wide}"


@pytest.mark.django_db(transaction=True)
def test_the_quote_editor_shows_its_totals_without_scrolling(demo_data, admin_page, shoot):
    from betterform.models import Quote

    quote = Quote.objects.filter(lines__isnull=False).order_by("pk").first()
    admin_page.goto(f"{admin_page.base}/admin/betterform/quote/{quote.pk}/change/")
    assert overflow(admin_page) <= 0
    for label in ("Total", "Tax total", "Discount total"):
        field = admin_page.locator(".form-row", has_text=label).first
        box = field.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366, label
    shoot(admin_page, "admin-quote")
