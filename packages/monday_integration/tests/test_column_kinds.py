"""Column kinds read the way monday's schema offers them (API 2023-10 on), over real HTTP
against the fake: mirror, connect boards, dependency and formula columns answer ``text`` ""
and ``value`` null with what a person sees in ``display_value``; numbers carry a typed
``number``. A mapping that points at such columns reads the real values."""

from __future__ import annotations

import copy

import httpx
import pytest

from betterform import services as forms
from betterform.models import Form, Submission
from monday_integration import operations
from monday_integration.client import MondayClient
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.models import BoardMapping
from monday_integration.testing.demo import STATUS_LABELS

DEAL_COLUMNS = [
    {"id": "status", "title": "Status", "type": "status", "labels": STATUS_LABELS},
    {"id": "files", "title": "Files", "type": "file"},
    {"id": "contact", "title": "Contact", "type": "board_relation"},
    {
        "id": "contact_email",
        "title": "Customer email",
        "type": "mirror",
        "relation": "contact",  # the connect boards column whose items it mirrors
        "mirrored": "email",  # the column on the linked board
    },
    {"id": "width", "title": "Width", "type": "numbers"},
    {"id": "length", "title": "Length", "type": "numbers"},
    {"id": "total", "title": "Total", "type": "formula", "formula": "{width} * {length}"},
    {"id": "after", "title": "After", "type": "dependency"},
]


@pytest.fixture
def board(fake):
    contacts = fake.add_board("Contacts", [{"id": "email", "title": "Email", "type": "email"}])
    eva = fake.add_item(contacts.id, "Eva Jansen", {"email": "eva.jansen@example.com"})
    deals = fake.add_board("Deals", copy.deepcopy(DEAL_COLUMNS))
    survey = fake.add_item(deals.id, "Site survey", {"status": {"label": "Working on it"}})
    deal = fake.add_item(
        deals.id,
        "Kitchen (Jansen)",
        {
            "status": {"label": "Working on it"},
            "contact": {"item_ids": [eva.id]},
            "width": "4",
            "length": "6.5",
            "after": {"item_ids": [survey.id]},
        },
    )
    return {"board": deals, "deal": deal, "eva": eva, "survey": survey}


@pytest.fixture
def client(fake):
    with MondayClient(backoff=lambda attempt: 0.01) as monday:
        yield monday


def test_each_kind_answers_with_its_type_and_display_value(fake, board):
    query = """query ($i: [ID!]) { items(ids: $i) { column_values { __typename id text value
      ... on NumbersValue { number } ... on MirrorValue { display_value }
      ... on BoardRelationValue { display_value linked_item_ids }
      ... on DependencyValue { display_value } ... on FormulaValue { display_value } } } }"""
    answer = httpx.post(
        fake.url,
        headers={"Authorization": fake.token},
        json={"query": query, "variables": {"i": [board["deal"].id]}},
    ).json()
    cells = {c["id"]: c for c in answer["data"]["items"][0]["column_values"]}
    assert cells["contact"] == {
        "__typename": "BoardRelationValue",
        "id": "contact",
        "text": "",
        "value": None,
        "display_value": "Eva Jansen",
        "linked_item_ids": [str(board["eva"].id)],
    }
    assert cells["contact_email"]["__typename"] == "MirrorValue"
    assert cells["contact_email"]["display_value"] == "eva.jansen@example.com"
    assert (cells["total"]["__typename"], cells["total"]["display_value"]) == ("FormulaValue", "26")
    assert cells["after"]["display_value"] == "Site survey"
    for kind in ("contact", "contact_email", "total", "after"):
        assert (cells[kind]["text"], cells[kind]["value"]) == ("", None)
    assert cells["width"]["__typename"] == "NumbersValue" and cells["width"]["number"] == 4.0
    assert cells["length"]["number"] == 6.5 and cells["length"]["text"] == "6.5"
    assert cells["status"]["__typename"] == "StatusValue"
    assert cells["files"]["__typename"] == "FileValue"


def test_the_client_reads_display_value_number_and_shown_text(fake, board, client):
    [item] = client.get_items([board["deal"].id])
    values = item.column_values
    assert values["contact"].text == "" and values["contact"].value is None
    assert values["contact"].display_value == "Eva Jansen"
    assert values["contact"].shown_text == "Eva Jansen"
    assert values["contact_email"].shown_text == "eva.jansen@example.com"
    assert values["total"].shown_text == "26"
    assert values["after"].shown_text == "Site survey"
    assert (values["width"].number, values["length"].number) == (4.0, 6.5)
    assert values["status"].number is None and values["status"].display_value is None
    assert values["width"].shown_text == "4"  # text first


def test_computed_kinds_follow_their_sources_and_refuse_writes(fake, board, client):
    deals = board["board"]
    fake.set_values(board["deal"].id, {"width": "5", "contact": {}})
    [item] = client.get_items([board["deal"].id])
    assert item.column_values["total"].display_value == "32.5"
    assert item.column_values["contact"].display_value == ""
    assert item.column_values["contact_email"].display_value == ""
    for column in ("total", "contact_email"):
        answer = httpx.post(
            fake.url,
            headers={"Authorization": fake.token},
            json={
                "query": "mutation ($b: ID!, $i: ID, $c: String!) { change_column_value("
                'board_id: $b, item_id: $i, column_id: $c, value: "\\"9\\"") { id } }',
                "variables": {"b": deals.id, "i": board["deal"].id, "c": column},
            },
        ).json()
        assert answer["errors"][0]["extensions"]["code"] == "ColumnValueException"


@pytest.mark.django_db(transaction=True)
def test_a_mapping_on_formula_mirror_and_connect_columns_reads_the_real_values(
    fake, board, client, django_user_model
):
    """Needs ``mapping.py`` to read ``ColumnValue.shown_text`` (and ``number``): a formula
    "Total" answers the area, a mirrored customer email and a connected contact the customer."""
    form = forms.save_form(Form(name="Kinds", slug="kinds", schema=copy.deepcopy(DEMO_FORM_SCHEMA)))
    mapping = BoardMapping.objects.create(
        name="Deals",
        board_id=str(board["board"].id),
        form=form,
        trigger_column_id="status",
        trigger_label="Quote requested",
        column_map={
            "contact": "customer.name",
            "contact_email": "customer.email",
            "total": "answers.area",
        },
        file_column_id="files",
        status_column_id="status",
        owner=django_user_model.objects.create_user("kinds-owner"),
    )
    event = operations.sync_item(mapping, str(board["deal"].id), client)
    assert event.status == "done", event.error
    submission = Submission.objects.get()
    assert submission.customer_name == "Eva Jansen"
    assert submission.customer_email == "eva.jansen@example.com"
    assert str(submission.answers["area"]) == "26"
    assert fake.item(board["deal"].id).label("status") == "Quote ready"
