"""Reports: a registry of named, parameterised documents queued through the API."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from createpdf import render_job, services
from createpdf.models import Document
from createpdf.registry import reports

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/pdf/reports/documents-activity/"


def test_staff_see_the_report_with_its_parameters(staff_client):
    reports = {row["name"]: row for row in staff_client.get("/api/pdf/reports/").json()}
    activity = reports["documents-activity"]
    assert activity["parameters"]["date_from"]["type"] == "DateField"
    assert activity["url"].endswith(URL)


def test_reps_are_not_offered_staff_reports_and_cannot_run_them(rep_client):
    assert "documents-activity" not in {
        row["name"] for row in rep_client.get("/api/pdf/reports/").json()
    }
    response = rep_client.post(URL, {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert response.status_code == 403


def test_a_report_is_queued_and_renders_with_charts(staff_client, rep_client, run_worker, pdf):
    for title in ("one", "two"):
        rep_client.post(
            "/api/pdf/documents/",
            {
                "template": "report",
                "context": {"title": title, "subtitle": "", "generated_at": "", "sections": []},
            },
            format="json",
        )
    run_worker()
    response = staff_client.post(URL, {"date_from": "2026-01-01", "date_to": "2030-12-31"})
    assert response.status_code == 202
    run_worker()
    document = staff_client.get(response.json()["url"]).json()
    assert document["status"] == "done", document["error"]
    _, content = pdf.download(staff_client, document["id"])
    text = pdf.text(content)
    for expected in ("Documents activity", "Documents by month", "Documents by template", "report"):
        assert expected in text


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to", "on or after date_from"),
        ({"date_from": "yesterday", "date_to": "2026-01-01"}, "date_from", "Date has wrong format"),
        ({"date_to": "2026-01-01"}, "date_from", "required"),
    ],
)
def test_bad_parameters_are_400s_naming_the_field(staff_client, parameters, field, message):
    response = staff_client.post(URL, parameters)
    assert response.status_code == 400
    assert message in str(response.json()["errors"][field])


def test_an_unknown_report_is_a_404(staff_client):
    assert staff_client.post("/api/pdf/reports/nope/", {}).status_code == 404


PERIOD = {"date_from": "2026-01-01", "date_to": "2030-12-31"}


def _aggregates(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if "GROUP BY" in query["sql"].upper() or "COUNT(" in query["sql"].upper()
    ]


def test_the_request_only_queues_and_the_worker_builds_the_context(staff_client, run_worker):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.post(URL, PERIOD, format="json")
    assert response.status_code == 202
    assert not _aggregates(queries), "the request computes nothing"
    document = Document.objects.get(pk=response.json()["id"])
    assert document.context == {}
    assert document.report == {"name": "documents-activity", "parameters": PERIOD}

    run_worker()
    document.refresh_from_db()
    assert document.status == Document.Status.DONE, document.error
    assert document.context["title"] == "Documents activity"
    assert [section["title"] for section in document.context["sections"]] == [
        "By month",
        "By template",
        "By status",
    ]


def test_the_same_report_within_its_window_is_the_same_document(
    staff_client, run_worker, monkeypatch
):
    # The test starts a second into a window (the clock moved forward to the next one), so a
    # slow run is not split by a window boundary falling between its requests.
    real_now, started = timezone.now, timezone.now()
    window = reports()["documents-activity"].reuse_seconds
    ahead = window - started.timestamp() % window + 1
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(seconds=ahead))
    first = staff_client.post(URL, PERIOD, format="json")
    again = staff_client.post(URL, PERIOD, format="json")
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    run_worker()
    done = staff_client.post(URL, PERIOD, format="json")
    assert done.status_code == 200 and done.json()["id"] == first.json()["id"]

    other = staff_client.post(URL, {**PERIOD, "date_to": "2029-12-31"}, format="json")
    assert other.json()["id"] != first.json()["id"], "other parameters: another document"
    later = timezone.now() + datetime.timedelta(seconds=window + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    next_minute = staff_client.post(URL, PERIOD, format="json")
    assert next_minute.status_code == 202 and next_minute.json()["id"] != first.json()["id"]


def test_a_report_the_worker_cannot_build_fails_with_the_reason(run_worker):
    gone, _ = services.request_report(reports()["documents-activity"], {"date_from": "x"})
    Document.objects.filter(pk=gone.pk).update(report={"name": "gone", "parameters": {}})
    assert render_job.render_document(gone.pk)
    gone.refresh_from_db()
    assert gone.status == Document.Status.FAILED and "no report named 'gone'" in gone.error
