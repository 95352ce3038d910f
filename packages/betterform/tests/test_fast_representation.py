"""The quotes' and submissions' cheaper representation (``betterform.api.representation``)
answers byte for byte what DRF's own ``Serializer.to_representation`` answers: lists and
details, for a rep, staff and an API key client, with many lines, decimals at their limits,
nulls, blanks, unicode, discounts and taxes; and a list page builds no serializer fields."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from rest_framework import serializers

from betterform import services
from betterform.api import representation
from betterform.models import Quote

pytestmark = pytest.mark.django_db

LINES = [
    {  # a discount and a tax, cents rounded half up
        "description": "Küchenzeile „Nordic“ — Eiche ☀",
        "quantity": D("2.125"),
        "unit": "m²",
        "unit_price": D("1249.99"),
        "tax_rate": D("21.00"),
        "discount_percent": D("12.50"),
    },
    {  # the smallest amounts, no unit, no tax, no discount
        "description": "Schraube 水",
        "quantity": D("0.001"),
        "unit": "",
        "unit_price": D("0.01"),
        "tax_rate": D("0"),
        "discount_percent": D("0"),
    },
    {  # the largest a line holds, all discounted
        "description": 'Quotes " and \\ backslashes\nand a new line',
        "quantity": D("999999999.999"),
        "unit": "h",
        "unit_price": D("999.99"),
        "tax_rate": D("100"),
        "discount_percent": D("100"),
    },
    {  # whole numbers sent as such
        "description": "Montage",
        "quantity": D("7"),
        "unit": "Std.",
        "unit_price": D("45"),
        "tax_rate": D("9"),
        "discount_percent": D("3.33"),
    },
    {  # an emoji outside the basic plane
        "description": "Entsorgung 🚚",
        "quantity": D("1.5"),
        "unit": "",
        "unit_price": D("300.10"),
        "tax_rate": D("19.99"),
        "discount_percent": D("0.01"),
    },
]


@pytest.fixture
def quotes(rep, submission) -> list[Quote]:
    """Quotes with every kind of value: many lines, none, a submission and form or not, an
    owner or not (an API client's), blanks and unicode."""
    priced = submission(owner=rep)
    return [
        services.create_quote(
            owner=rep,
            lines=LINES,
            title="Küche Müller ☀",
            customer_name="Zoë Ångström",
            customer_email="zoe@example.com",
            notes="Gültig 30 Tage.\n— Danke!",
            currency="CHF",
            submission=priced,
            form=priced.form,
        ),
        services.create_quote(owner=rep, lines=[], title="", customer_name="", notes=""),
        services.create_quote(owner=None, lines=LINES[1:3], title="API 🚀", valid_until=None),
        services.create_quote(owner=rep, lines=LINES[::-1], title="Reversed"),
    ]


def _both(client: Any, url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    """The answer through the fast path, then through DRF's own."""
    fast = client.get(url)
    monkeypatch.setattr(representation, "FAST", False)
    plain = client.get(url)
    monkeypatch.setattr(representation, "FAST", True)
    assert fast.status_code == plain.status_code == 200, (fast.status_code, plain.status_code)
    return fast.content, plain.content


@pytest.mark.parametrize("caller", ["rep_client", "staff_client", "api_key_client"])
def test_the_quotes_list_and_each_detail_are_byte_for_byte_drf_s(
    caller, quotes, request, monkeypatch
):
    client = request.getfixturevalue(caller)
    fast, plain = _both(client, "/api/quotes/?page_size=100", monkeypatch)
    assert fast == plain
    seen = client.get("/api/quotes/?page_size=100").json()["results"]
    assert len(seen) >= 3 and any(len(quote["lines"]) == len(LINES) for quote in seen)
    for quote in seen:
        fast, plain = _both(client, f"/api/quotes/{quote['id']}/", monkeypatch)
        assert fast == plain, quote["id"]


def test_the_answers_to_writes_are_byte_for_byte_drf_s(rep_client, monkeypatch):
    body = {
        "title": "Bad ☀",
        "customer_name": "Zoë",
        "lines": [
            {key: str(value) for key, value in line.items() if key != "unit" or value}
            for line in LINES
        ],
    }
    created = rep_client.post("/api/quotes/", body, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/quotes/{created.json()['id']}/"
    monkeypatch.setattr(representation, "FAST", False)
    assert rep_client.get(url).content == created.content
    monkeypatch.setattr(representation, "FAST", True)
    changed = rep_client.patch(url, {"lines": body["lines"][:2], "notes": "neu"}, format="json")
    assert changed.status_code == 200, changed.json()
    monkeypatch.setattr(representation, "FAST", False)
    assert rep_client.get(url).content == changed.content


@pytest.mark.parametrize("caller", ["rep_client", "staff_client", "api_key_client"])
def test_the_submissions_list_and_each_detail_are_byte_for_byte_drf_s(
    caller, rep, form, request, monkeypatch
):
    unicode_form = form(owner=rep)
    services.create_submission(
        unicode_form,
        answers={"area": 12.5, "finish": "premium", "extras": ["island"], "notes": "Grün ☀ 水 🚚"},
        customer={"name": "Zoë Ångström", "email": "zoe@example.com", "company": "Müller AG"},
        owner=rep,
        external_reference="crm-ä-1",
    )
    services.create_submission(
        unicode_form, answers={"area": 3}, status="draft", owner=None, customer={}
    )
    client = request.getfixturevalue(caller)
    fast, plain = _both(client, "/api/submissions/?page_size=100", monkeypatch)
    assert fast == plain
    for submission in client.get("/api/submissions/?page_size=100").json()["results"]:
        fast, plain = _both(client, f"/api/submissions/{submission['id']}/", monkeypatch)
        assert fast == plain, submission["id"]


def test_a_list_page_builds_no_serializer_fields_once_warmed(rep_client, quotes, monkeypatch):
    """What made DRF's path slow: every request built each serializer's fields again."""
    assert rep_client.get("/api/quotes/").status_code == 200  # builds the shared steps once
    built = []
    original = serializers.ModelSerializer.get_fields

    def counted(self: serializers.ModelSerializer) -> Any:
        built.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", counted)
    assert rep_client.get("/api/quotes/").status_code == 200
    assert built == []
    monkeypatch.setattr(representation, "FAST", False)
    assert rep_client.get("/api/quotes/").status_code == 200
    assert {"QuoteSerializer", "QuoteLineSerializer"} <= set(built)
