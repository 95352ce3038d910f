"""Reports: a registry of named, parameterised documents queued through the API."""

from __future__ import annotations

import pytest

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
