"""``createpdf.admin_export`` (the CSV export the apps' admins share: formulas escaped) and the
document list's date range filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
import tablib
from django.utils import timezone

from createpdf.admin_export import SafeCSV, escape_formula
from createpdf.models import Document


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-5.00", "-5.00"),  # a negative amount stays a number
        ("+31 20 123 4567", "'+31 20 123 4567"),  # a phone number: shown as text, not summed
        ("Kitchen", "Kitchen"),
        (None, None),
    ],
)
def test_escape_formula(cell, shown):
    assert escape_formula(cell) == shown


def test_safe_csv_escapes_every_cell_and_header():
    data = tablib.Dataset(["=bad", "-1.50", "ok"], headers=["=h", "b", "c"])
    text = SafeCSV().export_data(data)
    assert text.splitlines() == ["'=h,b,c", "'=bad,-1.50,ok"]


@pytest.mark.django_db
def test_document_list_date_range(admin_client):
    old, new = (
        Document.objects.create(template_slug=slug, template_version="package:x", cache_key=slug)
        for slug in ("old", "new")
    )
    Document.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    since = timezone.localdate() - timedelta(days=1)

    response = admin_client.get(f"/admin/createpdf/document/?created_at__range__gte={since}")

    assert [doc.pk for doc in response.context["cl"].result_list] == [new.pk]
