"""The quote and submission lists: CSV export of what the list shows (its filters and date
range), formulas escaped, refused without the view permission; the date range filter; and the
bulk "render PDF" action, which queues the same document as the API's request for the PDF."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from background_task.models import Task
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from betterform import services
from betterform.documents import TEMPLATE_SLUG
from betterform.models import Quote
from createpdf.admin_export import escape_formula
from createpdf.models import Document

pytestmark = pytest.mark.django_db

QUOTES = "/admin/betterform/quote/"
LINES = [{"description": "Cabinets", "quantity": D("2"), "unit_price": D("100.00")}]


def _quote(**fields: Any) -> Quote:
    fields.setdefault("customer_name", "Ada Lovelace")
    fields.setdefault("currency", "EUR")
    return services.create_quote(lines=LINES, **fields)


def _export(client: Client, changelist: str, query: str = "") -> list[dict[str, str]]:
    """Export ``changelist?query`` as CSV, every column ticked, as the export page posts it."""
    url = f"{changelist}export/{'?' + query if query else ''}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    ticked = [
        name for name, field in form.fields.items() if getattr(field, "is_selectable_field", 0)
    ]
    data = {"format": "0", "resource": "0", **dict.fromkeys(ticked, "on")}
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _staff(username: str, *permissions: str) -> Client:
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def test_quote_csv_has_its_columns_and_only_the_filtered_rows(admin_client):
    sent = _quote(title="Kitchen", customer_email="ada@example.com")
    services.update_quote(sent, status=Quote.Status.SENT)
    _quote(title="Bathroom")

    rows = _export(admin_client, QUOTES, "status__exact=sent")

    assert [row["number"] for row in rows] == [sent.number]
    row = rows[0]
    assert row["title"] == "Kitchen"
    assert row["customer_email"] == "ada@example.com"
    assert (row["currency"], row["total"]) == ("EUR", str(sent.total))
    assert row["status"] == "sent"
    assert "notes" not in row  # explicit columns only


def test_quote_csv_follows_the_date_range_and_the_search(admin_client):
    old = _quote(title="Old kitchen")
    Quote.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    new = _quote(title="New kitchen", customer_name="Grace Hopper")
    since = (timezone.localdate() - timedelta(days=7)).isoformat()

    in_range = _export(admin_client, QUOTES, f"created_at__range__gte={since}")
    searched = _export(admin_client, QUOTES, "q=Grace")

    assert [row["number"] for row in in_range] == [new.number]
    assert [row["number"] for row in searched] == [new.number]


def test_cells_that_a_spreadsheet_would_run_are_escaped(admin_client):
    _quote(title='=HYPERLINK("http://evil.example","x")', customer_name="+cmd|' /C calc'!A0")
    _quote(title="@SUM(A1:A2)", customer_name="-2+3")

    rows = _export(admin_client, QUOTES)

    cells = {row["title"] for row in rows} | {row["customer_name"] for row in rows}
    assert cells == {
        '\'=HYPERLINK("http://evil.example","x")',
        "'+cmd|' /C calc'!A0",
        "'@SUM(A1:A2)",
        "'-2+3",
    }
    assert all(not row["total"].startswith("'") for row in rows)
    assert escape_formula("-5.00") == "-5.00"  # a negative amount stays a number
    assert escape_formula("\tx") == "'\tx"


def test_export_needs_the_view_permission(client):
    _quote(title="Secret")
    blind = _staff("blind")  # staff, may enter the admin, but not see quotes

    assert blind.get(f"{QUOTES}export/").status_code == 403
    assert blind.post(f"{QUOTES}export/", {"format": "0"}).status_code == 403

    viewer = _staff("viewer", "view_quote")
    assert "export_link" in viewer.get(QUOTES).content.decode()
    assert [row["title"] for row in _export(viewer, QUOTES)] == ["Secret"]


def test_export_button_beside_recover_deleted_and_no_import(admin_client):
    page = admin_client.get(QUOTES).content.decode()
    assert "export_link" in page
    assert reverse("admin:betterform_quote_recoverlist") in page  # reversion's link kept
    assert "import_link" not in page
    with pytest.raises(NoReverseMatch):
        reverse("admin:betterform_quote_import")


def test_submission_csv(admin_client, submission):
    kept = submission(customer={"name": "Grace Hopper", "email": "grace@navy.example"})
    submission(customer={"name": "Alan Turing", "email": "alan@bletchley.example"})

    rows = _export(admin_client, "/admin/betterform/submission/", "q=grace@navy")

    assert [(row["id"], row["customer_name"]) for row in rows] == [(str(kept.pk), "Grace Hopper")]
    assert rows[0]["form"] == kept.form.name
    assert "answers" not in rows[0]


def test_date_range_filter_narrows_the_quote_list(admin_client):
    old = _quote(title="Old kitchen")
    Quote.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    new = _quote(title="New kitchen")
    today = timezone.localdate()
    window = f"created_at__range__gte={today - timedelta(days=7)}&created_at__range__lte={today}"

    everything = admin_client.get(QUOTES).content.decode()
    recent = admin_client.get(f"{QUOTES}?{window}")
    earlier = admin_client.get(f"{QUOTES}?created_at__range__lte={today - timedelta(days=30)}")

    assert old.number in everything and new.number in everything
    assert recent.status_code == 200
    assert new.number in recent.content.decode() and old.number not in recent.content.decode()
    assert [q.pk for q in earlier.context["cl"].result_list] == [old.pk]


def test_a_bad_date_in_the_range_is_a_message_not_a_500(admin_client):
    _quote()
    response = admin_client.get(f"{QUOTES}?created_at__range__gte=yesterday")
    assert response.status_code in (200, 302)


def test_render_pdf_action_queues_the_quotes_documents(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    first, second = _quote(title="Kitchen"), _quote(title="Bathroom")
    _quote(title="Not selected")

    with django_capture_on_commit_callbacks(execute=True):  # the job is queued on commit
        response = admin_client.post(
            QUOTES,
            {"action": "render_quote_pdfs", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )

    documents = Document.objects.order_by("source_id")
    assert [d.source for d in documents] == [first, second]
    assert {d.template_slug for d in documents} == {TEMPLATE_SLUG}
    assert {d.status for d in documents} == {Document.Status.QUEUED}
    assert {d.requested_by for d in documents} == {admin_user}
    assert Task.objects.count() == 2  # one render job each, for the worker
    assert "2 PDF(s) queued for rendering, 0 already" in response.content.decode()

    again = admin_client.post(
        QUOTES, {"action": "render_quote_pdfs", "_selected_action": [first.pk]}, follow=True
    )
    assert Document.objects.count() == 2  # unchanged quote: the document already asked for
    assert "0 PDF(s) queued for rendering, 1 already" in again.content.decode()
