"""The quote editor's totals before saving (issue 18): ``QuoteAdmin.totals_view`` totals the
lines as ``betterform.pricing`` does for a save, formats them as the change page does, refuses
what it cannot total with a 400 naming it, and is for logged-in staff who may edit quotes,
by POST with a CSRF token only."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from betterform import services
from betterform.admin_quotes import _money
from betterform.models import Quote
from betterform.pricing import line_amounts, quote_totals

pytestmark = pytest.mark.django_db

URL = reverse("admin:betterform_quote_totals")
LINES = [
    {"quantity": "2", "unit_price": "10.00", "tax_rate": "21", "discount_percent": "0"},
    {"quantity": "3.5", "unit_price": "19.99", "tax_rate": "9", "discount_percent": "12.5"},
    {"quantity": "1", "unit_price": "1234.56", "tax_rate": "21", "discount_percent": "10"},
    {"quantity": "0.333", "unit_price": "7.77", "tax_rate": "", "discount_percent": ""},
]


def _post(client: Client, data: Any, **extra: Any) -> Any:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(URL, body, content_type="application/json", **extra)


def _expected(lines: list[dict[str, str]], currency: str) -> dict[str, Any]:
    amounts = [
        line_amounts(
            Decimal(line["quantity"]),
            Decimal(line["unit_price"]),
            Decimal(line["tax_rate"] or 0),
            Decimal(line["discount_percent"] or 0),
        )
        for line in lines
    ]
    totals = quote_totals(amounts)
    return {
        "lines": [_money(amount.total, currency) for amount in amounts],
        "subtotal": _money(totals.subtotal, currency),
        "discount_total": _money(totals.discount_total, currency),
        "tax_total": _money(totals.tax_total, currency),
        "total": _money(totals.total, currency),
    }


def test_totals_are_pricings_formatted_as_the_page(admin_client):
    response = _post(admin_client, {"currency": "EUR", "lines": LINES})
    assert response.status_code == 200
    assert response.json() == _expected(LINES, "EUR")
    assert response.json()["lines"][0] == "24.20 EUR"
    assert response.json()["total"].endswith(" EUR")
    assert "," in response.json()["total"]  # 1,234.56...: thousands as on the page
    assert not Quote.objects.exists()  # saves nothing


def test_the_totals_match_a_saved_quotes(admin_client):
    lines = [{"description": f"Line {i}", **line} for i, line in enumerate(LINES[:3])]
    quote = services.create_quote(title="Saved", currency="USD", lines=lines)
    response = _post(admin_client, {"currency": "USD", "lines": LINES[:3]})
    assert response.json()["total"] == _money(quote.total, "USD")
    assert response.json()["tax_total"] == _money(quote.tax_total, "USD")
    assert response.json()["discount_total"] == _money(quote.discount_total, "USD")


def test_cents_round_half_up(admin_client):
    # 1 x 0.005 is not a price a line stores; 0.5 x 0.01 = 0.005 is: gross rounds up to 0.01.
    # 10 x 0.25 = 2.50, 21% tax = 0.525 -> 0.53.
    lines = [
        {"quantity": "0.5", "unit_price": "0.01", "tax_rate": "0", "discount_percent": "0"},
        {"quantity": "10", "unit_price": "0.25", "tax_rate": "21", "discount_percent": "0"},
    ]
    data = _post(admin_client, {"currency": "EUR", "lines": lines}).json()
    assert data["lines"] == ["0.01 EUR", "3.03 EUR"]
    assert data["tax_total"] == "0.53 EUR"
    assert data == _expected(lines, "EUR")


def test_no_lines_total_zero_in_the_default_currency(admin_client):
    data = _post(admin_client, {"currency": "", "lines": []}).json()
    assert data["lines"] == []
    assert data["total"].startswith("0.00 ")


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("abc", 'Line 2: unit price is "abc", not a number.'),
        ("NaN", 'Line 2: unit price is "NaN", not a number.'),
        ("1e999999", 'Line 2: unit price is "1e999999", not a number.'),
        ("", "Line 2: unit price is empty, not a number."),
        (None, "Line 2: unit price is empty, not a number."),
        ([1], "Line 2: unit price is [1], not a number."),
    ],
)
def test_a_value_that_is_not_a_number_is_a_400_naming_it(admin_client, value, named):
    lines = [LINES[0], {**LINES[1], "unit_price": value}]
    response = _post(admin_client, {"currency": "EUR", "lines": lines})
    assert response.status_code == 400
    assert response.json() == {"error": named}


def test_a_value_a_line_cannot_store_is_a_400_naming_it(admin_client):
    lines = [{**LINES[0], "quantity": "1234567890123"}]  # 13 digits; 9 fit before the point
    response = _post(admin_client, {"currency": "EUR", "lines": lines})
    assert response.status_code == 400
    assert "quote line 1" in response.json()["error"]
    assert "quantity" in response.json()["error"]


@pytest.mark.parametrize("body", ["not json", "[]", '{"lines": {}}', '{"lines": [1]}'])
def test_a_malformed_request_is_a_400(admin_client, body):
    response = _post(admin_client, body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_foreign_currency_code_too_long_is_a_400(admin_client):
    response = _post(admin_client, {"currency": "EURO", "lines": LINES})
    assert response.status_code == 400


def test_too_many_lines_is_a_400(admin_client):
    lines = [LINES[0]] * (services.MAX_QUOTE_LINES + 1)
    response = _post(admin_client, {"currency": "EUR", "lines": lines})
    assert response.status_code == 400
    assert str(services.MAX_QUOTE_LINES) in response.json()["error"]
    most = _post(admin_client, {"currency": "EUR", "lines": lines[:-1]})
    assert most.status_code == 200


def test_get_is_not_allowed(admin_client):
    assert admin_client.get(URL).status_code == 405


def test_anonymous_is_sent_to_log_in(client):
    response = _post(client, {"currency": "EUR", "lines": LINES})
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_quote_permissions_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_quote"))
    client.force_login(user)
    assert _post(client, {"currency": "EUR", "lines": LINES}).status_code == 403


@pytest.mark.parametrize("codename", ["change_quote", "add_quote"])
def test_staff_who_may_change_or_add_quotes_may_total(client, django_user_model, codename):
    user = django_user_model.objects.create_user("rep2", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    assert _post(client, {"currency": "EUR", "lines": LINES}).status_code == 200


def test_the_csrf_token_is_required(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    data = {"currency": "EUR", "lines": LINES}
    assert _post(client, data).status_code == 403
    page = client.get(reverse("admin:betterform_quote_add"))
    token = page.cookies["csrftoken"].value
    response = _post(client, data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_the_change_page_loads_the_script(admin_client):
    page = admin_client.get(reverse("admin:betterform_quote_add"))
    assert b"betterform/admin/quote_totals.js" in page.content
