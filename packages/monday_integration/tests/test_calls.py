"""Calls as monday takes and answers them, over real HTTP against the fake monday: the file
upload in the multipart form monday's SDKs send (and the fake refusing any form monday does
not document), mutations monday answers with ``null``, and the fake schema's signatures."""

from __future__ import annotations

import json

import graphql
import httpx
import pytest

from monday_integration import errors, operations, queries
from monday_integration.client import MondayClient
from monday_integration.testing import multipart
from monday_integration.testing.graphql_api import schema as fake_schema
from monday_integration.testing.payloads import EVENT_NAMES

PDF = b"%PDF-1.7\r\n\x00\xff--boundary-like\r\n%%EOF"
UPLOAD = """mutation ($file: File!) { add_file_to_column(item_id: %s, column_id: "%s",
  file: $file) { id name } }"""


@pytest.fixture
def client(fake):
    with MondayClient(backoff=lambda attempt: 0.01, max_retries=2) as monday:
        yield monday


@pytest.fixture
def item_id(demo) -> int:
    return demo["items"][0]


def _parts(request) -> dict[str, multipart.Part]:
    content_type = request.header("content-type")
    return {part.name: part for part in multipart.parse(content_type, request.body)}


# -- the upload form ----------------------------------------------------------------------------


def test_upload_sends_the_js_sdk_form_and_the_file_arrives_intact(fake, demo, client, item_id):
    files = demo["columns"]["files"]
    asset = client.upload_file_to_column(item_id, files, "Q-1.pdf", PDF, idempotency_key="k-1")
    [request] = [r for r in fake.requests if r.path == "/v2/file"]
    parts = _parts(request)
    assert list(parts) == ["query", "variables", "map", "0"]
    assert parts["query"].text() == queries.ADD_FILE_TO_COLUMN
    variables = json.loads(parts["variables"].text())
    assert variables == {"item_id": str(item_id), "column_id": files, "file": None}
    assert json.loads(parts["map"].text()) == {"0": ["variables.file"]}
    assert (parts["0"].filename, parts["0"].content_type, parts["0"].data) == (
        "Q-1.pdf",
        "application/pdf",
        PDF,
    )
    assert request.idempotency_key == "k-1" and request.status == 200
    [stored] = fake.item(item_id).files
    assert stored.data == PDF and str(stored.id) == asset.id


def test_a_repeated_upload_under_its_key_is_replayed_not_added_twice(fake, demo, client, item_id):
    files = demo["columns"]["files"]
    first = client.upload_file_to_column(item_id, files, "Q-1.pdf", PDF, idempotency_key="k")
    again = client.upload_file_to_column(item_id, files, "Q-1.pdf", PDF, idempotency_key="k")
    assert again == first and len(fake.item(item_id).files) == 1
    assert [r.replayed for r in fake.requests if r.path == "/v2/file"] == [False, True]


def _documented_forms(query: str, item_id: int, column: str) -> dict[str, dict]:
    inline = UPLOAD % (item_id, column)
    upload = ("q.pdf", PDF, "application/pdf")
    variables = {"item_id": str(item_id), "column_id": column, "file": None}
    return {
        "js sdk": {
            "data": {
                "query": query,
                "variables": json.dumps(variables),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            "files": {"0": upload},
        },
        "python sdk": {
            "data": {"query": inline, "map": json.dumps({"file": ["variables.file"]})},
            "files": {"file": upload},
        },
        "docs map": {
            "data": {"query": inline, "map": json.dumps({"image": "variables.file"})},
            "files": {"image": upload},
        },
        "docs curl": {"data": {"query": inline}, "files": {"variables[file]": upload}},
    }


@pytest.mark.parametrize("form", ["js sdk", "python sdk", "docs map", "docs curl"])
def test_the_fake_takes_each_upload_form_monday_documents(fake, demo, item_id, form):
    column = demo["columns"]["files"]
    request = _documented_forms(queries.ADD_FILE_TO_COLUMN, item_id, column)[form]
    answer = httpx.post(fake.file_url, headers={"Authorization": fake.token}, **request)
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    assert [f.name for f in fake.item(item_id).files] == ["q.pdf"]


def _malformed(item_id: int, column: str) -> dict[str, tuple[dict[str, str], str]]:
    """Form fields and the name of the file part, for uploads no monday source documents."""
    variables = {"item_id": str(item_id), "column_id": column}
    query = queries.ADD_FILE_TO_COLUMN
    mapped = json.dumps({"0": ["variables.file"]})
    spec_operations = json.dumps({"query": query, "variables": {**variables, "file": None}})
    return {
        # what our client sent before: no monday source combines these two
        "variables part and variables[file]": (
            {"query": query, "variables": json.dumps(variables)},
            "variables[file]",
        ),
        "map naming a missing part": ({"query": query, "map": mapped}, "pdf"),
        "map and variables[file] together": ({"query": query, "map": mapped}, "variables[file]"),
        "the file variable not null": (
            {"query": query, "variables": json.dumps({**variables, "file": "x"}), "map": mapped},
            "0",
        ),
        "graphql spec operations part": ({"operations": spec_operations, "map": mapped}, "0"),
        "a stray part": ({"query": UPLOAD % (item_id, column), "extra": "x"}, "variables[file]"),
        "no file": ({"query": query, "variables": json.dumps(variables)}, ""),
    }


MALFORMED = list(_malformed(1, "files"))


@pytest.mark.parametrize("form", MALFORMED)
def test_the_fake_refuses_upload_forms_monday_does_not_document(fake, demo, item_id, form):
    data, file_part = _malformed(item_id, demo["columns"]["files"])[form]
    files = {file_part: ("q.pdf", PDF, "application/pdf")} if file_part else None
    answer = httpx.post(
        fake.file_url, headers={"Authorization": fake.token}, data=data, files=files
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert fake.item(item_id).files == []


# -- mutations monday answers with null ----------------------------------------------------------

CALLS = {
    "change_column_value": lambda c, d, i: c.set_status(
        d["board_id"], i, d["columns"]["status"], "Done"
    ),
    "change_simple_column_value": lambda c, d, i: c.change_column_value(
        d["board_id"], i, d["columns"]["customer"], "Acme"
    ),
    "change_multiple_column_values": lambda c, d, i: c.change_multiple_column_values(
        d["board_id"], i, {d["columns"]["customer"]: "Acme"}
    ),
    "create_update": lambda c, d, i: c.create_update(i, "Quote ready"),
    "add_file_to_column": lambda c, d, i: c.upload_file_to_column(
        i, d["columns"]["files"], "q.pdf", PDF
    ),
    "create_webhook": lambda c, d, i: c.create_webhook(d["board_id"], "http://127.0.0.1:9/x"),
    "delete_webhook": lambda c, d, i: c.delete_webhook(123),
}


@pytest.mark.parametrize("field", list(CALLS))
def test_a_null_answer_is_a_typed_monday_error_naming_the_call(fake, demo, client, item_id, field):
    fake.faults.null_answer(field)
    before = fake.item(item_id)
    with pytest.raises(errors.MondayEmptyAnswer) as raised:
        CALLS[field](client, demo, item_id)
    assert isinstance(raised.value, errors.MondayError)
    assert f"monday answered {field} with null and no error" in str(raised.value)
    [request] = [r for r in fake.requests if field in r.fields]
    assert request.status == 200
    after = fake.item(item_id)
    assert (after.values, after.updates, after.files) == (before.values, before.updates, [])
    assert fake.faults.active == []  # one null, then monday answers again


def test_a_null_upload_answer_fails_the_sync_with_the_reason(fake, demo, mapping, client):
    fake.faults.null_answer("add_file_to_column")
    event = operations.sync_item(mapping, str(demo["items"][0]), client)
    assert event.status == "failed"
    assert "monday answered add_file_to_column with null and no error" in event.error
    assert "unexpected" not in event.error  # a MondayError, not a TypeError/KeyError
    item = fake.item(demo["items"][0])
    assert item.label(mapping.status_column_id) == "Quote failed" and item.files == []


# -- the fake's schema is monday's, argument for argument -----------------------------------------


def _argument(type_name: str, field: str, argument: str) -> tuple[str, object]:
    """The argument's type and its default (as written in the SDL), or None."""
    found = fake_schema().type_map[type_name].fields[field].args[argument]
    default = found.ast_node.default_value if found.ast_node else None
    return str(found.type), graphql.value_from_ast_untyped(default) if default else None


def test_the_fake_schema_has_monday_signatures_and_defaults():
    assert _argument("Board", "items_page", "limit") == ("Int!", 25)
    assert _argument("Board", "items_page", "query_params")[0] == "ItemsQuery"
    assert _argument("Query", "next_items_page", "cursor")[0] == "String!"
    assert _argument("Query", "next_items_page", "limit") == ("Int!", 25)
    assert _argument("Query", "items", "ids")[0] == "[ID!]"
    assert _argument("Query", "items", "limit") == ("Int", 25)
    assert _argument("Query", "items", "exclude_nonactive")[0] == "Boolean"
    assert _argument("Item", "updates", "limit") == ("Int", 25)
    assert _argument("Item", "column_values", "ids")[0] == "[String!]"
    types = fake_schema().type_map
    assert "GenericValue" not in types
    assert isinstance(types["ItemsQuery"], graphql.GraphQLInputObjectType)
    assert str(types["Item"].fields["state"].type) == "State"
    for name in ("MirrorValue", "BoardRelationValue", "DependencyValue", "FormulaValue"):
        assert str(types[name].fields["display_value"].type) == "String!"
        assert "ColumnValue" in {i.name for i in types[name].interfaces}
    assert str(types["NumbersValue"].fields["number"].type) == "Float"


def _gql(fake, query: str, variables: dict | None = None) -> dict:
    answer = httpx.post(
        fake.url,
        headers={"Authorization": fake.token},
        json={"query": query, "variables": variables or {}},
    )
    return answer.json()


def test_items_and_updates_answer_monday_default_of_25(fake, demo, client, item_id):
    board = fake.add_board("Many", [{"id": "text", "title": "Text", "type": "text"}])
    ids = [fake.add_item(board.id, f"Item {n}").id for n in range(30)]
    for n in range(30):
        fake.state.add_update(item_id, f"update {n}")
    body = _gql(
        fake,
        "query ($ids: [ID!]) { items(ids: $ids) { id } more: items(ids: $ids, limit: 100) { id } }",
        {"ids": ids},
    )
    assert len(body["data"]["items"]) == 25 and len(body["data"]["more"]) == 30
    body = _gql(fake, "query ($i: [ID!]) { items(ids: $i) { updates { id } } }", {"i": [item_id]})
    assert len(body["data"]["items"][0]["updates"]) == 25
    assert len(client.get_items([item_id])[0].update_texts) == 25  # GetItems asks for 25 too


def test_items_page_takes_typed_query_params(fake, demo):
    status = demo["columns"]["status"]
    query = """query ($b: [ID!], $q: ItemsQuery) { boards(ids: $b) { items_page(query_params: $q)
      { items { id } } } }"""
    rule = {"column_id": status, "compare_value": ["Working on it"]}
    body = _gql(fake, query, {"b": [demo["board_id"]], "q": {"rules": [rule]}})
    assert len(body["data"]["boards"][0]["items_page"]["items"]) == 3
    body = _gql(fake, query, {"b": [demo["board_id"]], "q": '{"rules": []}'})
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_every_event_the_fake_delivers_can_be_subscribed_through_the_api():
    assert set(fake_schema().type_map["WebhookEventType"].values) == set(EVENT_NAMES)
