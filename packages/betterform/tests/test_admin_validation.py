"""The admin refuses what the API refuses: a quote's lines are checked by
``services.check_lines`` and saved by ``create_quote``/``update_quote`` (same totals), a form's
schema by ``validate_schema``. Each bad value is posted to the admin's real form (a 200 with
the error where it belongs, nothing saved) and to the API (a 400 with the same message)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import reversion

from betterform import services
from betterform.admin_forms import STARTER_SCHEMA
from betterform.models import Form, Quote
from betterform.pricing import line_amounts, quote_totals

from .conftest import posted_form

pytestmark = pytest.mark.django_db

QUOTE_ADD = "/admin/betterform/quote/add/"
FORM_ADD = "/admin/betterform/form/add/"
QUOTES = "/api/quotes/"
FORMS = "/api/forms/"
LABOUR = {"description": "Labour", "quantity": "2", "unit_price": "50.00", "tax_rate": "21"}


def _quote_form(lines: list[dict[str, str]]) -> dict[str, Any]:
    """The add form as a browser posts it: the quote and its inline lines."""
    data: dict[str, Any] = {
        "title": "Repair",
        "status": "draft",
        "currency": "EUR",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        data.update({f"lines-{index}-{name}": value for name, value in line.items()})
        data.setdefault(f"lines-{index}-discount_percent", "0")
    return data


def _inline_errors(response: Any) -> tuple[list[dict[str, list[str]]], list[str]]:
    formset = response.context["inline_admin_formsets"][0].formset
    return formset.errors, list(formset.non_form_errors())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", "-1"),
        ("unit_price", "-0.01"),
        ("tax_rate", "100.01"),
        ("discount_percent", "-5"),
    ],
)
def test_a_line_value_the_api_refuses(admin_client, staff_client, field, value):
    line = {**LABOUR, field: value}
    response = admin_client.post(QUOTE_ADD, _quote_form([line]))
    assert response.status_code == 200
    errors, _ = _inline_errors(response)
    assert list(errors[0]) == [field]
    api = staff_client.post(QUOTES, {"title": "Repair", "lines": [line]}, format="json")
    assert api.status_code == 400
    assert api.json()["errors"]["lines"][0][field] == errors[0][field]
    assert Quote.objects.count() == 0


def test_lines_adding_up_to_more_than_a_quote_holds(admin_client, staff_client):
    lines = [{**LABOUR, "quantity": "999999", "unit_price": "9999999999.99"}]
    response = admin_client.post(QUOTE_ADD, _quote_form(lines))
    assert response.status_code == 200  # was a 500: the totals did not fit after saving
    _, errors = _inline_errors(response)
    assert errors == [f"The lines add up to more than {services.MAX_QUOTE_TOTAL:,}."]
    api = staff_client.post(QUOTES, {"title": "Repair", "lines": lines}, format="json")
    assert api.status_code == 400 and api.json()["errors"]["lines"] == errors
    assert Quote.objects.count() == 0


def test_more_lines_than_a_quote_holds(admin_client, staff_client, monkeypatch):
    monkeypatch.setattr(services, "MAX_QUOTE_LINES", 2)
    lines = [LABOUR] * 3
    response = admin_client.post(QUOTE_ADD, _quote_form(lines))
    assert response.status_code == 200
    _, errors = _inline_errors(response)
    assert errors == ["A quote holds at most 2 lines, not 3."]
    api = staff_client.post(QUOTES, {"title": "Repair", "lines": lines}, format="json")
    assert api.status_code == 400 and api.json()["errors"]["lines"] == errors
    assert Quote.objects.count() == 0


def test_the_admin_totals_a_quote_as_the_api_does(admin_client, staff_client):
    lines = [
        LABOUR,
        {**LABOUR, "quantity": "1.333", "unit_price": "19.99", "discount_percent": "7"},
    ]
    assert admin_client.post(QUOTE_ADD, _quote_form(lines)).status_code == 302
    api = staff_client.post(QUOTES, {"title": "Repair", "lines": lines}, format="json")
    assert api.status_code == 201
    by_admin, by_api = Quote.objects.order_by("pk")
    totals = ("subtotal", "discount_total", "tax_total", "total")
    assert [getattr(by_admin, name) for name in totals] == [
        getattr(by_api, name) for name in totals
    ]
    expected = quote_totals(
        [
            line_amounts(
                Decimal(line["quantity"]),
                Decimal(line["unit_price"]),
                Decimal(line["tax_rate"]),
                Decimal(line.get("discount_percent", "0")),
            )
            for line in lines
        ]
    )
    assert by_admin.total == expected.total


def test_editing_lines_keeps_their_source_and_order(admin_client, form):
    with reversion.create_revision():
        quote = services.build_quote(
            services.create_submission(
                form(), answers={"area": 12, "finish": "premium"}, customer={"name": "Ada"}
            )
        )
    stored = list(quote.lines.values_list("description", "source_key"))
    url = f"/admin/betterform/quote/{quote.pk}/change/"
    page = admin_client.get(url)
    data = posted_form(page)
    data["lines-0-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, _inline_errors(response)
    quote.refresh_from_db()
    kept = list(quote.lines.order_by("position").values_list("description", "source_key"))
    assert kept == stored[1:]
    assert [line.position for line in quote.lines.all()] == list(range(len(kept)))
    assert quote.total == quote_totals([line.amounts for line in quote.lines.all()]).total


# --- forms -------------------------------------------------------------------------------------


def _new_form(page: Any, schema: str) -> dict[str, Any]:
    """The add page's form (and its inlines' management forms) with a name and ``schema``."""
    return {**posted_form(page), "name": "Plumbing", "slug": "plumbing", "schema": schema}


def test_a_new_form_starts_with_a_valid_schema_not_null(admin_client):
    page = admin_client.get(FORM_ADD)
    shown = page.context["adminform"].form["schema"].value()
    assert json.loads(shown) == STARTER_SCHEMA  # not "null"
    response = admin_client.post(FORM_ADD, _new_form(page, json.dumps(STARTER_SCHEMA)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Form.objects.get().versions.count() == 1


def test_invalid_json_says_where_the_syntax_error_is(admin_client):
    text = '{\n  "sections": [\n    {"title": "Job",}\n  ]\n}'
    page = admin_client.get(FORM_ADD)
    response = admin_client.post(FORM_ADD, _new_form(page, text))
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["schema"]
    assert message.startswith("Not valid JSON: ") and "line 3, column 21" in message
    assert Form.objects.count() == 0


def test_a_schema_the_api_refuses_is_refused_by_the_admin(admin_client, staff_client):
    schema = {"sections": [{"title": "Job", "fields": [{"key": "area", "type": "nope"}]}]}
    page = admin_client.get(FORM_ADD)
    response = admin_client.post(FORM_ADD, _new_form(page, json.dumps(schema)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["schema"]
    api = staff_client.post(
        FORMS, {"name": "Plumbing", "slug": "plumbing", "schema": schema}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["errors"]["schema"] == errors
    assert Form.objects.count() == 0
