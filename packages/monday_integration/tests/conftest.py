"""Fixtures for monday_integration: the fake monday server, its demo board, a form and a
board mapping between them."""

from __future__ import annotations

import copy

import httpx
import pytest

from betterform import services as forms
from betterform.models import Form
from monday_integration.client import MondayClient
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.models import BoardMapping
from monday_integration.testing import FakeMonday, build_demo_board

# The demo board's form: the tests exercise the mapping the demo itself uses.
SCHEMA = DEMO_FORM_SCHEMA


@pytest.fixture
def fake(settings):
    with FakeMonday(retry_interval=0.05) as server:
        settings.MONDAY_API_URL = server.url
        settings.MONDAY_API_TOKEN = server.token
        yield server


@pytest.fixture
def demo(fake):
    return build_demo_board(fake)


@pytest.fixture
def fast_client(fake):
    """A client whose backoff is short: retries still happen, tests stay fast."""
    with MondayClient(backoff=lambda attempt: 0.01) as client:
        yield client


@pytest.fixture
def mapping(demo, django_user_model):
    form = forms.save_form(Form(name="Renovation", slug="renovation", schema=copy.deepcopy(SCHEMA)))
    columns = demo["columns"]
    return BoardMapping.objects.create(
        name="Sales pipeline",
        board_id=str(demo["board_id"]),
        form=form,
        trigger_column_id=columns["status"],
        trigger_label="Quote requested",
        column_map={
            columns["customer"]: "customer.name",
            columns["email"]: "customer.email",
            columns["area"]: "answers.area",
            columns["finish"]: "answers.finish",
            columns["phone"]: "answers.phone",
        },
        subitem_map={
            "description": "name",
            "quantity": demo["subitem_columns"]["quantity"],
            "unit_price": demo["subitem_columns"]["unit_price"],
        },
        file_column_id=columns["files"],
        status_column_id=columns["status"],
        owner=django_user_model.objects.create_user("sales-owner"),
    )


@pytest.fixture
def subscribe(fake, live_server):
    """``subscribe(mapping)``: monday (the fake) will deliver the board's status changes to the
    live site, through a webhook created as monday's API creates one."""

    def create_webhook(mapping: BoardMapping) -> None:
        url = f"{live_server.url}/api/monday/webhooks/{mapping.webhook_secret}/"
        response = httpx.post(
            fake.url,
            headers={"Authorization": fake.token},
            json={
                "query": "mutation ($b: ID!, $u: String!) { create_webhook(board_id: $b, url: $u,"
                " event: change_status_column_value) { id } }",
                "variables": {"b": mapping.board_id, "u": url},
            },
        )
        assert "errors" not in response.json(), response.json()

    return create_webhook
