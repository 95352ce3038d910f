"""Reads as light as monday asks, over real HTTP against the fake: a sync reads only the
columns its mapping uses (monday computes ``display_value`` for at most 5 formula columns a
request), reconcile reads each item's state and trigger column only and never queues an
archived item, and column settings come from ``settings`` (``settings_str`` is deprecated)."""

from __future__ import annotations

import copy

import graphql
import pytest

from betterform import services as forms
from betterform.models import Form, Submission
from monday_integration import operations, queries
from monday_integration.client import MondayClient
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.errors import MondayValidationError
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.parsing import status_labels
from monday_integration.testing.demo import STATUS_LABELS
from monday_integration.testing.graphql_api import schema as fake_schema
from monday_integration.testing.value_types import FORMULA_LIMIT_CODE

FORMULAS = [
    {"id": f"f{n}", "title": f"Formula {n}", "type": "formula", "formula": f"{{width}} * {n}"}
    for n in range(1, 9)
]


@pytest.fixture
def client(fake):
    with MondayClient(backoff=lambda attempt: 0.01) as monday:
        yield monday


@pytest.fixture
def formula_board(fake):
    """A board with 8 formula columns, whose subitems have 8 more."""
    board = fake.add_board(
        "Formulas",
        [
            {"id": "status", "title": "Status", "type": "status", "labels": STATUS_LABELS},
            {"id": "files", "title": "Files", "type": "file"},
            {"id": "width", "title": "Width", "type": "numbers"},
            *copy.deepcopy(FORMULAS),
        ],
        subitem_columns=[
            {"id": "qty", "title": "Qty", "type": "numbers"},
            {"id": "width", "title": "Width", "type": "numbers"},
            *copy.deepcopy(FORMULAS),
        ],
    )
    item = fake.add_item(
        board.id,
        "Terrace",
        {"status": {"label": "Working on it"}, "width": "4"},
        subitems=[{"name": "Tiles", "values": {"qty": "3", "width": "2"}}],
    )
    return {"board": board, "item": item}


def _mapping(board_id, django_user_model, **extra):
    form = forms.save_form(Form(name="F", slug="f", schema=copy.deepcopy(DEMO_FORM_SCHEMA)))
    return BoardMapping.objects.create(
        name="Formulas",
        board_id=str(board_id),
        form=form,
        trigger_column_id="status",
        trigger_label="Quote requested",
        file_column_id="files",
        status_column_id="status",
        owner=django_user_model.objects.create_user("formula-owner"),
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_a_sync_reads_only_its_mapping_columns_so_eight_formulas_do_not_break_it(
    fake, formula_board, client, django_user_model
):
    mapping = _mapping(
        formula_board["board"].id,
        django_user_model,
        column_map={"f3": "answers.area"},
        subitem_map={"description": "name", "quantity": "qty"},
    )
    event = operations.sync_item(mapping, str(formula_board["item"].id), client)
    assert event.status == "done", event.error
    assert str(Submission.objects.get().answers["area"]) == "12"  # {width} * 3
    [read] = [r for r in fake.requests if r.query and "query GetItems" in r.query]
    assert read.variables["column_ids"] == ["f3", "status", "files"]
    assert read.variables["subitem_column_ids"] == ["qty"]


def test_asking_for_every_column_of_eight_formulas_fails_as_on_monday(fake, formula_board, client):
    with pytest.raises(MondayValidationError) as raised:
        client.get_items([formula_board["item"].id])
    assert raised.value.code == FORMULA_LIMIT_CODE
    five = ["f1", "f2", "f3", "f4", "f5"]
    [item] = client.get_items([formula_board["item"].id], column_ids=five, subitem_column_ids=[])
    assert [item.column_values[c].display_value for c in five] == ["4", "8", "12", "16", "20"]
    with pytest.raises(MondayValidationError):  # the subitems' formulas count too
        client.get_items([formula_board["item"].id], column_ids=five, subitem_column_ids=["f6"])


def test_a_mapping_without_subitem_columns_still_reads_no_subitem_formula(
    fake, formula_board, client
):
    from monday_integration.mapping import subitem_column_ids

    ids = subitem_column_ids(BoardMapping(subitem_map={}))
    [item] = client.get_items(
        [formula_board["item"].id], column_ids=["status"], subitem_column_ids=ids
    )
    assert item.subitems[0].name == "Tiles" and item.subitems[0].column_values == {}


@pytest.mark.django_db(transaction=True)
def test_reconcile_reads_state_and_trigger_only_and_skips_archived_items(
    fake, demo, mapping, fast_client, django_capture_on_commit_callbacks
):
    archived, active = demo["items"][0], demo["items"][1]
    fake.faults.drop_webhooks(times=2)
    fake.set_status(archived, mapping.trigger_column_id, "Quote requested")
    fake.set_status(active, mapping.trigger_column_id, "Quote requested")
    fake.archive_item(archived)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            found = operations.reconcile(fast_client)
        assert str(archived) not in [row.item_id for row in found]
    queued = set(WebhookEvent.objects.filter(event_type="reconcile").values_list("item_id"))
    assert queued == {(str(active),)}
    pages = [r for r in fake.requests if r.query and "BoardItemRowsPage" in r.query]
    assert pages and all(r.variables["column_ids"] == [mapping.trigger_column_id] for r in pages)
    assert "subitems" not in pages[0].query and "state" in pages[0].query


def test_the_fake_pages_archived_items_with_their_state(fake, demo, fast_client):
    fake.archive_item(demo["items"][0])
    rows = fast_client.iter_board_items(demo["board_id"], column_ids=[], with_subitems=False)
    states = {item.id: item.state for item in rows}
    assert states[str(demo["items"][0])] == "archived"
    assert {states[str(i)] for i in demo["items"][1:]} == {"active"}


@pytest.mark.parametrize("name", sorted(queries.ALL))
def test_no_client_document_uses_a_deprecated_field(name):
    document = graphql.parse(queries.ALL[name])
    rules = [graphql.validation.NoDeprecatedCustomRule]
    assert graphql.validate(fake_schema(), document, rules) == []


def test_board_columns_read_settings_as_json_with_label_ids(fake, client):
    board = fake.add_board(
        "Labels",
        [{"id": "status", "title": "Stage", "type": "status", "labels": {0: "New", 7: "Sent"}}],
    )
    [request_columns] = [c for c in client.get_board_columns(board.id) if c.id == "status"]
    assert request_columns.labels == {0: "New", 7: "Sent"}
    assert request_columns.label_index("Sent") == 7
    [read] = [r for r in fake.requests if r.query and "BoardColumns" in r.query]
    assert "settings_str" not in read.query


def test_status_labels_read_both_shapes_by_id():
    new = {
        "labels": [
            {"id": 0, "label": "Working on it", "index": 0, "color": 0},
            {"id": 1, "label": "Done", "index": 2, "color": 1, "is_done": True},
            {"id": 2, "label": "Stuck", "index": 1, "color": 2},
            {"id": 5, "label": "Old", "index": 3, "is_deactivated": True},
        ]
    }
    assert status_labels(new) == {0: "Working on it", 1: "Done", 2: "Stuck"}
    assert status_labels({"labels": {"1": "Done", "0": "Working on it"}}) == {
        0: "Working on it",
        1: "Done",
    }
    assert status_labels({"labels": {"3": {"label": "Sent"}}}) == {3: "Sent"}
    assert status_labels({}) == {}
