"""The "Quotes summary" report: counts and totals by month and by form, staff only,
rendered by createpdf's generic report template."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal as D
from typing import Any

import pypdf
import pytest
from background_task.tasks import tasks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betterform import services
from betterform.models import Quote
from betterform.reports import quotes_summary_context
from createpdf.models import Document

URL = "/api/pdf/reports/quotes-summary/"
PERIOD = {"date_from": "2025-11-01", "date_to": "2025-12-31"}


def _quote_on(day: str, total: str, form: Any = None, currency: str = "EUR") -> Quote:
    """A quote of one untaxed line worth ``total``, created on ``day`` at noon."""
    quote = services.create_quote(
        form=form,
        currency=currency,
        lines=[{"description": "Work", "quantity": D(1), "unit_price": D(total)}],
    )
    noon = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(12))
    Quote.objects.filter(pk=quote.pk).update(created_at=timezone.make_aware(noon))
    return quote


@pytest.fixture
def two_months_two_forms(form):
    kitchen, bathroom = form(name="Kitchen remodel"), form(name="Bathroom refit")
    _quote_on("2025-11-03", "1000.00", kitchen)
    _quote_on("2025-11-28", "250.50", bathroom)
    _quote_on("2025-12-15", "2000.25", kitchen)
    _quote_on("2025-10-31", "9999.00", kitchen)  # before the period
    _quote_on("2026-01-01", "9999.00", bathroom)  # after it
    _quote_on("2025-12-01", "700.00", bathroom, currency="USD")
    return kitchen, bathroom


def _section(context: dict[str, Any], title: str) -> dict[str, Any]:
    return next(section for section in context["sections"] if section["title"] == title)


@pytest.mark.django_db
def test_the_context_sums_each_month_and_form_per_currency(two_months_two_forms):
    context = quotes_summary_context(
        {"date_from": datetime.date(2025, 11, 1), "date_to": datetime.date(2025, 12, 31)}, None
    )
    assert context["title"] == "Quotes summary"
    assert _section(context, "Overview")["table"]["rows"] == [
        ["EUR", 3, "3,250.75"],
        ["USD", 1, "700.00"],
    ]
    months = _section(context, "By month (EUR)")
    assert months["chart"]["kind"] == "bar"
    assert months["chart"]["labels"] == ["Nov 2025", "Dec 2025"]
    assert months["chart"]["series"] == {"Total (EUR)": ["1250.50", "2000.25"]}
    assert months["table"]["rows"] == [["Nov 2025", 2, "1,250.50"], ["Dec 2025", 1, "2,000.25"]]
    forms = _section(context, "By form (EUR)")
    assert forms["chart"] == {
        "kind": "pie",
        "title": "Quoted per form (EUR)",
        "slices": {"Kitchen remodel": "3000.25", "Bathroom refit": "250.50"},
    }
    assert forms["table"]["rows"] == [
        ["Kitchen remodel", 2, "3,000.25"],
        ["Bathroom refit", 1, "250.50"],
    ]
    assert _section(context, "By form (USD)")["table"]["rows"] == [["Bathroom refit", 1, "700.00"]]


@pytest.mark.django_db
def test_one_currency_can_be_chosen_and_empty_months_still_show(two_months_two_forms):
    context = quotes_summary_context(
        {
            "date_from": datetime.date(2025, 10, 1),
            "date_to": datetime.date(2026, 1, 31),
            "currency": "USD",
        },
        None,
    )
    assert [section["title"] for section in context["sections"]] == [
        "Overview",
        "By month (USD)",
        "By form (USD)",
    ]
    months = _section(context, "By month (USD)")
    assert months["chart"]["labels"] == ["Oct 2025", "Nov 2025", "Dec 2025", "Jan 2026"]
    assert months["chart"]["series"]["Total (USD)"] == ["0.00", "0.00", "700.00", "0.00"]
    assert "USD only" in context["subtitle"]


@pytest.mark.django_db
def test_quotes_without_a_form_and_forms_sharing_a_name_are_told_apart(form):
    first, second = form(name="Kitchen"), form(name="Kitchen")
    _quote_on("2025-11-03", "10.00", first)
    _quote_on("2025-11-04", "20.00", second)
    _quote_on("2025-11-05", "30.00")
    context = quotes_summary_context(
        {"date_from": datetime.date(2025, 11, 1), "date_to": datetime.date(2025, 11, 30)}, None
    )
    labels = [row[0] for row in _section(context, "By form (EUR)")["table"]["rows"]]
    assert labels == ["No form", f"Kitchen (#{second.pk})", f"Kitchen (#{first.pk})"]


@pytest.mark.django_db
def test_staff_are_offered_the_report_and_reps_are_not(staff_client, rep_client):
    offered = {row["name"]: row for row in staff_client.get("/api/pdf/reports/").json()}
    assert offered["quotes-summary"]["title"] == "Quotes summary"
    assert set(offered["quotes-summary"]["parameters"]) == {"date_from", "date_to", "currency"}
    assert "quotes-summary" not in {
        row["name"] for row in rep_client.get("/api/pdf/reports/").json()
    }
    assert rep_client.post(URL, PERIOD, format="json").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"date_from": "2025-12-01", "date_to": "2025-11-01"}, "date_to", "on or after date_from"),
        ({"date_to": "2025-11-01"}, "date_from", "required"),
        ({**PERIOD, "currency": "E1"}, "currency", "at least 3 characters"),
        ({**PERIOD, "currency": "12€"}, "currency", "ISO 4217"),
    ],
)
def test_bad_parameters_are_400s_naming_the_field(staff_client, parameters, field, message):
    response = staff_client.post(URL, parameters, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["errors"][field])


@pytest.mark.django_db(transaction=True)
def test_the_report_renders_with_forms_months_and_totals(staff_client, two_months_two_forms):
    response = staff_client.post(URL, PERIOD, format="json")
    assert response.status_code == 202, response.json()
    assert tasks.run_next_task()
    document = staff_client.get(response.json()["url"]).json()
    assert document["status"] == "done", document["error"]

    download = staff_client.get(f"/api/pdf/documents/{document['id']}/download/")
    reader = pypdf.PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Quotes summary",
        "Kitchen remodel",
        "Bathroom refit",
        "Nov 2025",
        "Dec 2025",
        "3,250.75",  # EUR total of the period
        "3,000.25",  # the kitchen form's
    ):
        assert expected in text, expected
    assert "9,999.00" not in text, "quotes outside the period are left out"


@pytest.mark.django_db(transaction=True)
def test_the_request_reads_no_quote_and_the_worker_sums_them(staff_client, two_months_two_forms):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.post(URL, PERIOD, format="json")
    assert response.status_code == 202, response.json()
    assert not [query for query in queries.captured_queries if "betterform_quote" in query["sql"]]
    document = Document.objects.get(pk=response.json()["id"])
    assert document.context == {}, "nothing is computed before the worker"

    assert tasks.run_next_task()
    document.refresh_from_db()
    assert _section(document.context, "Overview")["table"]["rows"] == [
        ["EUR", 3, "3,250.75"],
        ["USD", 1, "700.00"],
    ]
