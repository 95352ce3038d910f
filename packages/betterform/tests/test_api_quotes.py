"""The quotes API: nested lines written in one request, server-side totals, validation that
names the line, filters, constant-query lists, history, and who may see what."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from betterform import services
from betterform.models import Quote, QuoteLine

pytestmark = pytest.mark.django_db

URL = "/api/quotes/"
CABINETS = {
    "description": "Cabinets",
    "quantity": "2",
    "unit": "pcs",
    "unit_price": "1250.00",
    "tax_rate": "21",
    "discount_percent": "10",
}
FITTING = {
    "description": "Fitting",
    "quantity": "7.5",
    "unit": "h",
    "unit_price": "45.00",
    "tax_rate": "9",
}
DECIMALS = {"quantity", "unit_price", "tax_rate", "discount_percent"}
WORKTOP = {"description": "Worktop", "quantity": "1", "unit_price": "899.99", "tax_rate": "21"}


def _detail(quote_id: int, suffix: str = "") -> str:
    return f"{URL}{quote_id}/{suffix}"


def _quote(owner: Any = None, lines: list[dict] | None = None, **fields: Any) -> Quote:
    """A quote made the way the API makes one (lines as strings, like JSON)."""
    rows = [
        {key: D(value) if key in DECIMALS else value for key, value in line.items()}
        for line in (lines if lines is not None else [CABINETS])
    ]
    fields.setdefault("customer_name", "Ada Lovelace")
    return services.create_quote(owner=owner, lines=rows, **fields)


# --- create, read, update ------------------------------------------------------------------


def test_a_rep_creates_a_quote_with_lines_and_gets_server_computed_totals(rep_client, rep):
    response = rep_client.post(
        URL,
        {
            "title": "Kitchen",
            "customer_name": "Ada Lovelace",
            "customer_email": "ada@example.com",
            "lines": [CABINETS, FITTING],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    today = timezone.localdate()
    assert re.fullmatch(rf"Q-{today.year}-\d{{4}}", body["number"])
    assert body["owner"] == rep.pk
    assert body["status"] == "draft"
    assert body["currency"] == "EUR", "the default currency comes from the settings"
    assert body["valid_until"] == str(today + datetime.timedelta(days=30))
    cabinets, fitting = body["lines"]
    assert cabinets["unit_price"] == "1250.00" and cabinets["quantity"] == "2.000"
    assert (cabinets["gross"], cabinets["discount"], cabinets["tax"], cabinets["total"]) == (
        "2500.00",
        "250.00",
        "472.50",
        "2722.50",
    )
    assert (fitting["gross"], fitting["tax"], fitting["total"]) == ("337.50", "30.38", "367.88")
    assert (body["subtotal"], body["discount_total"], body["tax_total"], body["total"]) == (
        "2837.50",
        "250.00",
        "502.88",
        "3090.38",
    )
    assert Quote.objects.get(pk=body["id"]).total == D("3090.38")


def test_totals_and_number_cannot_be_written(staff_client):
    response = staff_client.post(
        URL, {"number": "Q-1999-9999", "total": "1.00", "lines": [WORKTOP]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["number"] != "Q-1999-9999"
    assert response.json()["total"] == "1088.99"


def test_the_currency_must_be_an_iso_code_and_is_upper_cased(staff_client):
    assert staff_client.post(URL, {"currency": "usd"}, format="json").json()["currency"] == "USD"
    response = staff_client.post(URL, {"currency": "€12"}, format="json")
    assert response.status_code == 400
    assert "ISO 4217" in str(response.json()["errors"]["currency"])


def test_a_submission_gives_the_quote_its_form(rep_client, rep, submission):
    mine = submission(owner=rep)
    response = rep_client.post(URL, {"submission": mine.pk, "lines": []}, format="json")
    assert response.status_code == 201
    assert response.json()["form"] == mine.form_id
    cleared = rep_client.patch(_detail(response.json()["id"]), {"submission": None}, format="json")
    assert cleared.json()["submission"] is None and cleared.json()["form"] is None


def test_a_rep_cannot_attach_someone_elses_submission(rep_client, other_rep, submission):
    theirs = submission(owner=other_rep)
    response = rep_client.post(URL, {"submission": theirs.pk}, format="json")
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["errors"]["submission"])


def test_sending_lines_replaces_them_and_leaving_them_out_keeps_them(staff_client, staff):
    quote = _quote(staff, [CABINETS, FITTING])
    kept_ids = list(quote.lines.values_list("id", flat=True))

    renamed = staff_client.patch(_detail(quote.pk), {"title": "Renamed"}, format="json")
    assert renamed.status_code == 200
    assert [line["id"] for line in renamed.json()["lines"]] == kept_ids
    assert renamed.json()["total"] == "3090.38"

    replaced = staff_client.patch(_detail(quote.pk), {"lines": [WORKTOP]}, format="json")
    assert replaced.status_code == 200
    assert [line["description"] for line in replaced.json()["lines"]] == ["Worktop"]
    assert replaced.json()["total"] == "1088.99"
    quote.refresh_from_db()
    assert quote.total == D("1088.99") and quote.lines.count() == 1


def test_a_full_update_replaces_fields_and_lines(staff_client, staff):
    quote = _quote(staff, [CABINETS])
    response = staff_client.put(
        _detail(quote.pk),
        {"title": "New", "status": "sent", "currency": "GBP", "lines": [FITTING, WORKTOP]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["status"], body["currency"]) == ("New", "sent", "GBP")
    assert [line["description"] for line in body["lines"]] == ["Fitting", "Worktop"]
    assert body["total"] == str(D("367.88") + D("1088.99"))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity": "-1"}, "quantity", "Ensure this value is greater than or equal to 0."),
        ({"unit_price": "-0.01"}, "unit_price", "greater than or equal to 0"),
        ({"unit_price": "10.005"}, "unit_price", "no more than 2 decimal places"),
        ({"tax_rate": "100.01"}, "tax_rate", "less than or equal to 100"),
        ({"tax_rate": "-1"}, "tax_rate", "greater than or equal to 0"),
        ({"discount_percent": "101"}, "discount_percent", "less than or equal to 100"),
        ({"description": ""}, "description", "may not be blank"),
    ],
)
def test_a_bad_line_is_a_400_naming_its_index_and_field(staff_client, change, field, message):
    response = staff_client.post(URL, {"lines": [CABINETS, {**FITTING, **change}]}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]["lines"]
    assert errors[0] == {}
    assert list(errors[1]) == [field]
    assert message in errors[1][field][0]
    assert not Quote.objects.exists()


def test_the_first_error_example_from_the_issue(staff_client):
    response = staff_client.post(
        URL, {"lines": [CABINETS, {**FITTING, "quantity": "-2"}]}, format="json"
    )
    assert response.json() == {
        "detail": "Invalid input: lines.1.quantity: Ensure this value is greater than or equal "
        "to 0.",
        "code": "invalid",
        "errors": {
            "lines": [{}, {"quantity": ["Ensure this value is greater than or equal to 0."]}]
        },
    }


def test_lines_whose_total_cannot_be_stored_are_refused(staff_client):
    huge = {"description": "Too much", "quantity": "999999999", "unit_price": "9999999999.99"}
    response = staff_client.post(URL, {"lines": [huge]}, format="json")
    assert response.status_code == 400
    assert "add up to more than" in str(response.json()["errors"]["lines"])


def test_a_bad_update_changes_nothing(staff_client, staff):
    quote = _quote(staff, [CABINETS, FITTING], title="Before")
    lines_before = list(QuoteLine.objects.filter(quote=quote).values())
    versions_before = Version.objects.count()

    response = staff_client.patch(
        _detail(quote.pk),
        {"title": "After", "lines": [WORKTOP, {**FITTING, "tax_rate": "150"}]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]["lines"][1]) == ["tax_rate"]
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.title, stored.total, stored.updated_at) == (
        "Before",
        D("3090.38"),
        quote.updated_at,
    )
    assert list(QuoteLine.objects.filter(quote=quote).values()) == lines_before
    assert Version.objects.count() == versions_before


# --- lists: filters, search, ordering, queries ------------------------------------------------


def _numbers(client, query: str = "") -> set[str]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    return {row["number"] for row in response.json()["results"]}


@pytest.fixture
def three_quotes(staff, form, submission):
    kitchen, bathroom = form(name="Kitchen"), form(name="Bathroom")
    kitchen_submission = submission(form=kitchen)
    first = _quote(staff, [WORKTOP], title="Worktop only", customer_email="ada@example.com")
    first.submission, first.form = kitchen_submission, kitchen
    first.save()
    second = _quote(
        staff, [CABINETS], title="Cabinets", status="sent", customer_name="Grace Hopper"
    )
    second.form = bathroom
    second.save()
    third = _quote(staff, [FITTING], title="Fitting", status="sent", valid_until=None)
    Quote.objects.filter(pk=third.pk).update(status="accepted")  # data for the filters only
    third.status = "accepted"
    Quote.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )
    return {
        "first": first,
        "second": second,
        "third": third,
        "kitchen": kitchen,
        "bathroom": bathroom,
    }


def test_quotes_filter_by_status_form_submission_and_number(staff_client, three_quotes):
    first, second, third = (three_quotes[name] for name in ("first", "second", "third"))
    assert _numbers(staff_client, "status=sent") == {second.number}
    assert _numbers(staff_client, "status=sent&status=accepted") == {second.number, third.number}
    assert _numbers(staff_client, f"form={three_quotes['kitchen'].pk}") == {first.number}
    assert _numbers(staff_client, f"submission={first.submission_id}") == {first.number}
    assert _numbers(staff_client, f"number={third.number}") == {third.number}
    assert _numbers(staff_client, "number=Q-1999") == set()


def test_quotes_filter_by_total_range(staff_client, three_quotes):
    first, second, third = (three_quotes[name] for name in ("first", "second", "third"))
    assert _numbers(staff_client, "total_min=1088.99") == {first.number, second.number}
    assert _numbers(staff_client, "total_max=1088.99") == {first.number, third.number}
    assert _numbers(staff_client, "total_min=400&total_max=2000") == {first.number}


def test_quotes_filter_by_creation_date_or_datetime(staff_client, three_quotes):
    first = three_quotes["first"]
    today = timezone.localdate()
    recent = {three_quotes["second"].number, three_quotes["third"].number}
    assert _numbers(staff_client, f"created_after={today}") == recent
    assert _numbers(staff_client, f"created_before={today - datetime.timedelta(days=1)}") == {
        first.number
    }
    assert _numbers(staff_client, f"created_before={today}") == {first.number, *recent}
    cutoff = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert _numbers(staff_client, f"created_after={cutoff.replace('+', '%2B')}") == recent
    assert _numbers(staff_client, f"created_before={cutoff.replace('+', '%2B')}") == {first.number}
    response = staff_client.get(f"{URL}?created_after=last-week")
    assert response.status_code == 400
    assert "Enter a date" in str(response.json()["errors"]["created_after"])


def test_quotes_filter_by_validity_range(staff_client, three_quotes):
    valid_until = timezone.localdate() + datetime.timedelta(days=30)
    both = {three_quotes["first"].number, three_quotes["second"].number}
    assert _numbers(staff_client, f"valid_until_after={valid_until}") == both
    assert (
        _numbers(staff_client, f"valid_until_before={valid_until - datetime.timedelta(days=1)}")
        == set()
    )


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("grace", {"second"}),
        ("ADA@example", {"first"}),
        ("worktop", {"first"}),
        ("fitt", {"third"}),
    ],
)
def test_quotes_search_number_title_customer_name_and_email(
    staff_client, three_quotes, term, expected
):
    assert _numbers(staff_client, f"search={term}") == {three_quotes[n].number for n in expected}


def test_searching_a_number_finds_that_quote(staff_client, three_quotes):
    number = three_quotes["second"].number
    assert _numbers(staff_client, f"search={number}") == {number}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("total", ["third", "first", "second"]),
        ("-total", ["second", "first", "third"]),
        ("number", ["first", "second", "third"]),
        ("created_at", ["first", "second", "third"]),
        ("-created_at", ["third", "second", "first"]),
    ],
)
def test_quotes_order_by_creation_total_or_number(staff_client, three_quotes, ordering, expected):
    rows = staff_client.get(f"{URL}?ordering={ordering}").json()["results"]
    assert [row["number"] for row in rows] == [three_quotes[name].number for name in expected]


def test_listing_quotes_takes_the_same_queries_for_any_page_size(
    staff_client, staff, form, submission
):
    kitchen = form()
    for index in range(25):
        quote = _quote(staff, [CABINETS, FITTING, WORKTOP], title=f"Quote {index}")
        quote.submission, quote.form = submission(form=kitchen), kitchen
        quote.save()

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(f"{URL}?page_size={page_size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        assert all(len(row["lines"]) == 3 for row in response.json()["results"])
        return len(captured)

    assert queries(2) == queries(20)


# --- history ----------------------------------------------------------------------------------


def test_a_quote_is_reverted_with_its_lines_then_deleted_and_recovered(rep_client):
    created = rep_client.post(
        URL, {"title": "First", "lines": [CABINETS, FITTING]}, format="json"
    ).json()
    quote_url = _detail(created["id"])
    changed = rep_client.patch(
        quote_url, {"title": "Second", "lines": [CABINETS, FITTING, WORKTOP]}, format="json"
    ).json()
    assert changed["total"] == str(D("3090.38") + D("1088.99"))

    history = rep_client.get(f"{quote_url}history/").json()
    assert [version["changes"].get("title", {}).get("to") for version in history] == [
        "Second",
        "First",
    ]
    assert all(version["user"] == "rep" for version in history)
    first_version = history[-1]["id"]

    reverted = rep_client.post(f"{quote_url}revert/", {"version": first_version}, format="json")
    assert reverted.status_code == 200, reverted.json()
    body = reverted.json()
    assert body["title"] == "First"
    assert [line["description"] for line in body["lines"]] == ["Cabinets", "Fitting"]
    assert body["total"] == "3090.38"
    stored = Quote.objects.get(pk=created["id"])
    assert stored.total == D("3090.38") and stored.lines.count() == 2
    assert len(rep_client.get(f"{quote_url}history/").json()) == 3

    assert rep_client.delete(quote_url).status_code == 204
    assert rep_client.get(quote_url).status_code == 404
    deleted = rep_client.get(f"{URL}deleted/").json()["results"]
    assert [row["object_id"] for row in deleted] == [str(created["id"])]

    recovered = rep_client.post(f"{URL}recover/", {"version": deleted[0]["id"]}, format="json")
    assert recovered.status_code == 201, recovered.json()
    assert recovered.json()["number"] == created["number"]
    assert [line["description"] for line in recovered.json()["lines"]] == ["Cabinets", "Fitting"]
    assert recovered.json()["total"] == "3090.38"
    assert rep_client.get(quote_url).status_code == 200


def test_an_api_key_write_is_attributed_to_the_key(api_key_client):
    created = api_key_client.post(URL, {"title": "By key"}, format="json").json()
    (version,) = api_key_client.get(_detail(created["id"], "history/")).json()
    assert version["user"] is None
    assert "API key 'erp'" in version["comment"]


def test_reps_see_only_their_own_deleted_quotes(rep_client, other_client):
    quote_id = rep_client.post(URL, {"title": "Gone"}, format="json").json()["id"]
    assert rep_client.delete(_detail(quote_id)).status_code == 204
    assert len(rep_client.get(f"{URL}deleted/").json()["results"]) == 1
    assert other_client.get(f"{URL}deleted/").json()["results"] == []


# --- who may do what --------------------------------------------------------------------------


def test_a_rep_lists_only_their_own_quotes_and_staff_list_all(
    rep_client, staff_client, rep, other_rep
):
    mine, theirs = _quote(rep), _quote(other_rep)
    assert _numbers(rep_client) == {mine.number}
    assert _numbers(staff_client) == {mine.number, theirs.number}


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"title": "Mine now"}),
        ("put", "", {"title": "Mine now"}),
        ("delete", "", None),
        ("post", "pdf/", None),
        ("get", "history/", None),
        ("post", "revert/", {"version": 1}),
    ],
)
def test_another_reps_quote_is_a_404(other_client, rep, method, suffix, data):
    quote = _quote(rep, title="Private")
    response = getattr(other_client, method)(_detail(quote.pk, suffix), data, format="json")
    assert response.status_code == 404
    stored = Quote.objects.get(pk=quote.pk)
    assert stored.title == "Private"


def test_an_api_key_client_manages_every_quote(api_key_client, rep):
    theirs = _quote(rep)
    assert _numbers(api_key_client) == {theirs.number}
    created = api_key_client.post(URL, {"title": "By key", "lines": [WORKTOP]}, format="json")
    assert created.status_code == 201
    assert created.json()["owner"] is None
    assert api_key_client.patch(_detail(theirs.pk), {"title": "Edited"}).status_code == 200
    assert api_key_client.get(_detail(theirs.pk, "history/")).status_code == 200
    assert api_key_client.delete(_detail(theirs.pk)).status_code == 204


def test_staff_change_any_quote(staff_client, rep):
    quote = _quote(rep)
    response = staff_client.patch(_detail(quote.pk), {"status": "sent"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == rep.pk, "the owner stays the rep"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "{id}/"),
        ("patch", "{id}/"),
        ("delete", "{id}/"),
        ("post", "{id}/pdf/"),
        ("get", "deleted/"),
    ],
)
def test_anonymous_callers_get_401(anon_client, rep, method, suffix):
    quote = _quote(rep)
    response = getattr(anon_client, method)(URL + suffix.format(id=quote.pk), {}, format="json")
    assert response.status_code == 401


def test_the_routes_are_named_quote_list_and_quote_detail():
    from django.urls import reverse

    assert reverse("betterform:quote-list") == URL
    assert reverse("betterform:quote-detail", args=[7]) == "/api/quotes/7/"


def test_quotes_time_bounds_beyond_postgresqls_offsets_are_compared_in_utc(staff_client):
    # Found by schemathesis (suites/fuzz.py), as on submissions and documents.
    from betterform.quote_filters import QuoteFilter

    bound = "1832-03-26T09:06:01-18:16"
    assert staff_client.get("/api/quotes/", {"created_before": bound}).status_code == 200
    form = QuoteFilter({"created_before": bound}).form
    assert form.is_valid()
    assert form.cleaned_data["created_before"].utcoffset() == datetime.timedelta(0)
    overflow = staff_client.get("/api/quotes/", {"created_after": "0001-01-01T00:00+18:00"})
    assert overflow.status_code == 400
