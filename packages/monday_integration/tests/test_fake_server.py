"""The fake monday.com behaves like monday's API over real HTTP: auth, reads, paging, writes,
file uploads, idempotency, faults, webhooks (challenge, retries, duplicates, JWT) and the page."""

from __future__ import annotations

import json
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest

from monday_integration.testing import FakeMonday
from suites import processes as children

TOKEN = "test-token"
STATUS_LABELS = ["Working on it", "Quote requested", "Quote ready", "Done"]
COLUMNS = [
    {"id": "text", "title": "Customer", "type": "text"},
    {"id": "email", "title": "Email", "type": "email"},
    {"id": "phone", "title": "Phone", "type": "phone"},
    {"id": "numbers", "title": "Area", "type": "numbers"},
    {"id": "status", "title": "Status", "type": "status", "labels": STATUS_LABELS},
    {"id": "date", "title": "Due", "type": "date"},
    {"id": "files", "title": "Files", "type": "file"},
    {"id": "notes", "title": "Notes", "type": "long_text"},
]
SUB_COLUMNS = [
    {"id": "qty", "title": "Quantity", "type": "numbers"},
    {"id": "sub_status", "title": "Stage", "type": "status", "labels": ["Open", "Done"]},
]
ITEM_FIELDS = """
    id name board { id } group { id }
    column_values { id type text value column { title } ... on StatusValue { label index is_done } }
    subitems { id name board { id } parent_item { id } column_values { id type text value } }
    updates { id body } assets { id name url public_url file_size }
"""
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\r\n"
    + bytes(range(256)) * 8
    + b"\r\n--not-a-boundary\r\n\r\n\x00\xff"
    + b"\n%%EOF\n"
)


@pytest.fixture
def fake() -> Iterator[FakeMonday]:
    with FakeMonday(token=TOKEN, retry_interval=0.05, delivery_timeout=2) as server:
        yield server


@pytest.fixture
def board(fake):
    return fake.add_board("Sales", COLUMNS, subitem_columns=SUB_COLUMNS)


@pytest.fixture
def item(fake, board):
    return fake.add_item(
        board.id,
        "Acme kitchen",
        {"text": "Acme", "status": {"label": "Working on it"}, "numbers": 12},
        subitems=[{"name": "Cabinets", "values": {"qty": "4"}}, {"name": "Worktop"}],
    )


# Building a client loads the CA certificates (~70 ms); the tests share one TLS context.
TLS = ssl.create_default_context()


def client(base_url: str, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=headers, verify=TLS)


@pytest.fixture
def api(fake) -> Iterator[httpx.Client]:
    with client(fake.base_url, Authorization=fake.token) as authorized:
        yield authorized


@pytest.fixture
def anonymous(fake) -> Iterator[httpx.Client]:
    with client(fake.base_url) as plain:
        yield plain


def gql(api: httpx.Client, query: str, variables: dict | None = None, **headers: str):
    return api.post("/v2", json={"query": query, "variables": variables or {}}, headers=headers)


def data(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def only_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    (error,) = response.json()["errors"]
    return error


def read_item(api, item_id) -> dict[str, Any]:
    (found,) = data(
        gql(
            api,
            f"query($ids: [ID!]!) {{ items(ids: $ids) {{ {ITEM_FIELDS} }} }}",
            {"ids": [item_id]},
        )
    )["items"]
    return found


def cells(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {cell["id"]: cell for cell in found["column_values"]}


class Receiver:
    """A tiny webhook endpoint: echoes challenges, records deliveries, can fail on purpose."""

    def __init__(self, *, fail_times: int = 0, echo: bool = True) -> None:
        self.fail_times, self.echo = fail_times, echo
        self.challenges: list[dict[str, Any]] = []
        self.deliveries: list[tuple[dict[str, str], dict[str, Any]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, answer = 200, {}
                if "challenge" in body:
                    receiver.challenges.append({"body": body, "headers": dict(self.headers)})
                    answer = body if receiver.echo else {"ok": True}
                else:
                    receiver.deliveries.append((dict(self.headers), body))
                    if receiver.fail_times > 0:
                        receiver.fail_times -= 1
                        status = 500
                encoded = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/monday/webhook"
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        serve.start()


@pytest.fixture
def receivers() -> Iterator[Any]:
    started: list[Receiver] = []

    def make(**options: Any) -> Receiver:
        started.append(Receiver(**options))
        return started[-1]

    yield make
    for receiver in started:
        receiver.server.shutdown()
        receiver.server.server_close()


CREATE_WEBHOOK = """
mutation($board: ID!, $url: String!, $event: WebhookEventType!, $config: JSON) {
  create_webhook(board_id: $board, url: $url, event: $event, config: $config) {
    id board_id event config } }"""


def subscribe(api, board_id, url, event="change_status_column_value", config=None) -> str:
    variables = {"board": board_id, "url": url, "event": event, "config": config}
    return data(gql(api, CREATE_WEBHOOK, variables))["create_webhook"]["id"]


# -- auth and recording -------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"Authorization": "wrong"}, {"Authorization": "Bearer x"}])
def test_requests_without_the_token_get_401_in_mondays_shape(fake, anonymous, headers):
    response = anonymous.post("/v2", json={"query": "{ complexity { query } }"}, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["errors"] == [
        {
            "message": "Not Authenticated",
            "extensions": {"code": "UNAUTHENTICATED", "status_code": 401},
        }
    ]
    assert body["extensions"]["request_id"] == response.headers["x-request-id"]
    assert fake.requests[-1].status == 401


def test_every_request_is_recorded_with_headers_operation_and_variables(fake, api, item):
    query = "query ReadOne($ids: [ID!]!) { items(ids: $ids) { id } }"
    gql(api, query, {"ids": [item.id]}, **{"API-Version": "2026-07", "Idempotency-Key": "k1"})
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.path, recorded.status) == ("POST", "/v2", 200)
    assert recorded.api_version == "2026-07"
    assert recorded.idempotency_key == "k1"
    assert recorded.header("authorization") == TOKEN
    assert recorded.operation_type == "query"
    assert recorded.fields == ("items",)
    assert recorded.variables == {"ids": [item.id]}
    assert recorded.query == query


# -- reading ------------------------------------------------------------------------------------
def test_items_read_with_column_values_status_fields_and_subitems(fake, api, board, item):
    found = read_item(api, item.id)
    assert found["name"] == "Acme kitchen"
    assert found["board"] == {"id": str(board.id)}
    assert found["group"] == {"id": "topics"}
    values = cells(found)
    assert values["text"] == {
        "id": "text",
        "type": "text",
        "text": "Acme",
        "value": '"Acme"',
        "column": {"title": "Customer"},
    }
    assert values["numbers"]["value"] == '"12"' and values["numbers"]["text"] == "12"
    status = values["status"]
    assert (status["type"], status["text"], status["label"]) == (
        "status",
        "Working on it",
        "Working on it",
    )
    assert status["index"] == 0 and status["is_done"] is False
    stored = json.loads(status["value"])
    assert stored["index"] == 0 and stored["post_id"] is None and "changed_at" in stored
    for empty in ("email", "phone", "date", "files", "notes"):
        assert values[empty]["text"] == "" and values[empty]["value"] is None
        assert "label" not in values[empty]  # its own value type, not StatusValue
    cabinets, worktop = found["subitems"]
    assert cabinets["name"] == "Cabinets" and worktop["name"] == "Worktop"
    assert cabinets["board"]["id"] == str(board.subitems_board_id) != str(board.id)
    assert cabinets["parent_item"] == {"id": str(item.id)}
    assert {c["id"]: c["text"] for c in cabinets["column_values"]} == {"qty": "4", "sub_status": ""}
    assert found["updates"] == [] and found["assets"] == []


def test_unknown_item_ids_give_an_empty_list_and_more_than_100_ids_an_error(api, item):
    assert data(gql(api, "{ items(ids: [1, 2]) { id } }"))["items"] == []
    ids = list(range(1, 102))
    error = only_error(gql(api, "query($ids: [ID!]!) { items(ids: $ids) { id } }", {"ids": ids}))
    assert "100" in error["message"] and error["path"] == ["items"]
    assert error["extensions"]["code"] == "InvalidArgumentException"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ items(ids: [1] { id } }", "GRAPHQL_PARSE_FAILED"),
        ("{ items(ids: [1]) { nope } }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_graphql_syntax_and_validation_errors_are_http_200_with_errors(api, query, code):
    response = gql(api, query)
    error = only_error(response)
    assert error["extensions"]["code"] == code
    assert error["locations"]
    assert response.json()["extensions"]["request_id"] == response.headers["x-request-id"]


def test_paging_through_1200_items_in_pages_of_500(fake, api, board):
    for n in range(1200):
        fake.add_item(board.id, f"Item {n}")
    first = data(
        gql(
            api,
            """query($b: [ID!]) { boards(ids: $b) {
        items_page(limit: 500) { cursor items { id name } } } }""",
            {"b": [board.id]},
        )
    )
    page = first["boards"][0]["items_page"]
    seen, sizes = [i["id"] for i in page["items"]], [len(page["items"])]
    while page["cursor"]:
        assert isinstance(page["cursor"], str)
        page = data(
            gql(
                api,
                """query($c: String!) { next_items_page(cursor: $c, limit: 500) {
            cursor items { id } } }""",
                {"c": page["cursor"]},
            )
        )["next_items_page"]
        seen += [i["id"] for i in page["items"]]
        sizes.append(len(page["items"]))
    assert sizes == [500, 500, 200]
    assert len(set(seen)) == 1200 and page["cursor"] is None
    too_big = gql(
        api,
        "query($b: [ID!]) { boards(ids: $b) { items_page(limit: 501) { cursor } } }",
        {"b": [board.id]},
    )
    assert too_big.status_code == 200 and too_big.json()["errors"]


def test_complexity_reports_a_plausible_budget(api):
    complexity = data(gql(api, "{ complexity { before after query reset_in_x_seconds } }"))[
        "complexity"
    ]
    assert complexity["query"] > 0
    assert complexity["after"] == complexity["before"] - complexity["query"]
    assert 0 <= complexity["reset_in_x_seconds"] <= 60


# -- writing ------------------------------------------------------------------------------------
CHANGE = """mutation($b: ID!, $i: ID, $c: String!, $v: JSON!, $create: Boolean) {
  change_column_value(board_id: $b, item_id: $i, column_id: $c, value: $v,
                      create_labels_if_missing: $create) { id } }"""


def test_change_column_value_sets_a_status_by_label_or_index(fake, api, board, item):
    variables = {"b": board.id, "i": item.id, "c": "status"}
    data(gql(api, CHANGE, {**variables, "v": json.dumps({"label": "Quote ready"})}))
    assert fake.item(item.id).label("status") == "Quote ready"
    data(gql(api, CHANGE, {**variables, "v": {"index": 1}}))  # a JSON object is accepted too
    assert fake.item(item.id).label("status") == "Quote requested"
    error = only_error(gql(api, CHANGE, {**variables, "v": json.dumps({"label": "Sent"})}))
    assert error["extensions"]["code"] == "ColumnValueException"
    assert error["path"] == ["change_column_value"]
    data(gql(api, CHANGE, {**variables, "v": json.dumps({"label": "Sent"}), "create": True}))
    assert fake.item(item.id).label("status") == "Sent"


def test_mutations_on_unknown_items_answer_invalid_item_id(api, board):
    response = gql(api, CHANGE, {"b": board.id, "i": 42, "c": "text", "v": '"x"'})
    error = only_error(response)
    assert error["extensions"]["code"] == "InvalidItemIdException"
    assert error["extensions"]["status_code"] == 404
    assert response.json()["data"] == {"change_column_value": None}


def test_change_simple_and_multiple_column_values(fake, api, board, item):
    simple = """mutation($b: ID!, $i: ID, $c: String!, $v: String) {
      change_simple_column_value(board_id: $b, item_id: $i, column_id: $c, value: $v) { id } }"""
    data(gql(api, simple, {"b": board.id, "i": item.id, "c": "text", "v": "Acme Ltd"}))
    data(gql(api, simple, {"b": board.id, "i": item.id, "c": "status", "v": "Done"}))
    multiple = """mutation($b: ID!, $i: ID, $v: JSON!) {
      change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v) { name } }"""
    values = {
        "name": "Acme kitchen (v2)",
        "email": {"email": "ops@acme.test", "text": "Ops"},
        "phone": {"phone": "+12025550143", "countryShortName": "US"},
        "numbers": "42.5",
        "date": {"date": "2026-12-24"},
        "notes": {"text": "Call after 5"},
        "status": {"label": "Quote requested"},
    }
    assert data(gql(api, multiple, {"b": board.id, "i": item.id, "v": json.dumps(values)}))[
        "change_multiple_column_values"
    ] == {"name": "Acme kitchen (v2)"}
    view = fake.item(item.id)
    assert view.text("text") == "Acme Ltd"
    assert view.value("email")["email"] == "ops@acme.test"
    assert view.value("phone")["countryShortName"] == "US"
    assert view.value("numbers") == "42.5"
    assert view.text("date") == "2026-12-24"
    assert view.text("notes") == "Call after 5"
    assert view.label("status") == "Quote requested"
    bad = {"numbers": "lots", "text": "never applied"}
    assert only_error(gql(api, multiple, {"b": board.id, "i": item.id, "v": json.dumps(bad)}))
    assert fake.item(item.id).text("text") == "Acme Ltd"  # all or nothing


def test_create_update_returns_its_id(fake, api, item):
    mutation = 'mutation($i: ID) { create_update(item_id: $i, body: "<p>Quote sent</p>") { id } }'
    update_id = data(gql(api, mutation, {"i": item.id}))["create_update"]["id"]
    (update,) = fake.item(item.id).updates
    assert str(update.id) == update_id and update.body == "<p>Quote sent</p>"
    assert read_item(api, item.id)["updates"] == [{"id": update_id, "body": "<p>Quote sent</p>"}]


UPLOAD = """mutation($file: File!) { add_file_to_column(item_id: %s, column_id: "files",
  file: $file) { id name url public_url } }"""


@pytest.mark.parametrize("form", ["variables[file]", "map"])
def test_file_upload_in_both_multipart_forms_then_download(fake, api, anonymous, item, form):
    query = UPLOAD % item.id
    upload = ("quote 1.pdf", PDF, "application/pdf")
    if form == "map":
        parts = {
            "data": {"query": query, "map": json.dumps({"pdf": "variables.file"})},
            "files": {"pdf": upload},
        }
    else:
        parts = {"data": {"query": query}, "files": {"variables[file]": upload}}
    asset = data(api.post("/v2/file", **parts))["add_file_to_column"]
    assert asset["name"] == "quote 1.pdf"
    assert asset["url"].startswith(fake.base_url) and asset["public_url"]
    download = anonymous.get(asset["public_url"])
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    (stored,) = fake.item(item.id).files
    assert stored.data == PDF
    files = json.loads(cells(read_item(api, item.id))["files"]["value"])["files"]
    assert [(f["assetId"], f["name"]) for f in files] == [(int(asset["id"]), "quote 1.pdf")]
    assert read_item(api, item.id)["assets"][0]["file_size"] == len(PDF)
    clear = {"b": item.board_id, "i": item.id, "c": "files", "v": json.dumps({"clear_all": True})}
    data(gql(api, CHANGE, clear))
    assert fake.item(item.id).value("files") is None


def test_idempotency_key_replays_the_first_answer_without_applying_twice(fake, api, item):
    mutation = 'mutation($i: ID) { create_update(item_id: $i, body: "once") { id } }'
    first = gql(api, mutation, {"i": item.id}, **{"Idempotency-Key": "abc"})
    again = gql(api, mutation, {"i": item.id}, **{"Idempotency-Key": "abc"})
    assert "idempotency-replayed" not in first.headers
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json() == first.json()
    assert len(fake.item(item.id).updates) == 1
    other = gql(
        api, mutation.replace("once", "twice"), {"i": item.id}, **{"Idempotency-Key": "abc"}
    )
    assert other.status_code == 409
    assert other.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_CONFLICT"


# -- faults -------------------------------------------------------------------------------------
QUERY = "{ complexity { query } }"


@pytest.mark.parametrize("http_status", [429, 200])
def test_rate_limit_current_form(fake, api, http_status):
    fake.faults.rate_limit(times=1, retry_in_seconds=7, http_status=http_status)
    response = gql(api, QUERY)
    assert response.status_code == http_status
    assert response.headers["retry-after"] == "7"
    body = response.json()
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "COMPLEXITY_BUDGET_EXHAUSTED"
    assert extensions["retry_in_seconds"] == 7 and extensions["complexity_budget_left"] == 0
    assert body["extensions"]["request_id"] == response.headers["x-request-id"]
    assert gql(api, QUERY).status_code == 200  # counted down


def test_rate_limit_legacy_form(fake, api):
    fake.faults.rate_limit(times=1, retry_in_seconds=12, form="legacy")
    response = gql(api, QUERY)
    assert response.status_code == 429
    body = response.json()
    assert body["error_code"] == "ComplexityException" and body["status_code"] == 429
    assert re.search(r"reset in 12 seconds", body["error_message"])


def test_rate_limit_http429_form(fake, api):
    fake.faults.rate_limit(times=1, retry_in_seconds=3, form="http429")
    response = gql(api, QUERY)
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert response.json()["errors"][0]["extensions"]["code"] == "Rate Limit Exceeded"
    assert "retry_in_seconds" not in response.json()["errors"][0]["extensions"]
    fake.faults.rate_limit(retry_in_seconds=1, form="http429", code="maxConcurrencyExceeded")
    concurrency = gql(api, QUERY)
    assert concurrency.json()["errors"][0]["extensions"]["code"] == "maxConcurrencyExceeded"


def test_server_errors_count_down_and_clear(fake, api):
    fake.faults.server_error(times=2, status=502, body="<html>Bad gateway</html>")
    statuses = [gql(api, QUERY).status_code for _ in range(3)]
    assert statuses == [502, 502, 200]
    fake.faults.server_error(status=423)
    locked = gql(api, QUERY)
    assert locked.status_code == 423
    assert locked.json()["errors"][0]["extensions"]["code"] == "RESOURCE_LOCKED"
    fake.faults.server_error(times=None)
    assert gql(api, QUERY).json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert gql(api, QUERY).status_code == 500
    fake.faults.clear()
    assert gql(api, QUERY).status_code == 200


def test_slow_delays_the_answer(fake, api):
    fake.faults.slow(0.2, times=1)
    started = time.monotonic()
    assert gql(api, QUERY).status_code == 200
    assert time.monotonic() - started >= 0.2
    fake.faults.slow(0.3)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/v2", json={"query": QUERY}, timeout=0.05)


# -- webhooks -----------------------------------------------------------------------------------
def test_create_webhook_answers_the_challenge_then_delivers_status_changes(
    fake, api, board, item, receivers
):
    receiver = receivers()
    subscription = subscribe(api, board.id, receiver.url)
    (challenge,) = receiver.challenges
    assert set(challenge["body"]) == {"challenge"}
    assert "Authorization" not in challenge["headers"]
    fake.set_status(item.id, "status", "Quote requested", user_id=77)
    (delivery,) = fake.wait_for_deliveries(1)
    assert delivery.ok and delivery.attempt == 1
    _headers, body = receiver.deliveries[0]
    event = body["event"]
    assert set(event) == {
        "app",
        "type",
        "triggerTime",
        "subscriptionId",
        "userId",
        "originalTriggerUuid",
        "boardId",
        "groupId",
        "pulseId",
        "pulseName",
        "columnId",
        "columnType",
        "columnTitle",
        "value",
        "previousValue",
        "changedAt",
        "isTopGroup",
        "triggerUuid",
        "isRetry",
    }
    assert event["type"] == "update_column_value" and event["app"] == "monday"
    assert event["subscriptionId"] == int(subscription) and event["userId"] == 77
    assert (event["boardId"], event["pulseId"]) == (board.id, item.id)
    assert event["pulseName"] == "Acme kitchen" and event["groupId"] == "topics"
    assert (event["columnId"], event["columnType"], event["columnTitle"]) == (
        "status",
        "color",
        "Status",
    )
    assert event["value"] == {
        "label": {
            "index": 1,
            "text": "Quote requested",
            "style": event["value"]["label"]["style"],
            "is_done": False,
        },
        "post_id": None,
    }
    assert set(event["value"]["label"]["style"]) == {"color", "border", "var_name"}
    assert event["previousValue"]["label"]["text"] == "Working on it"
    assert isinstance(event["changedAt"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["triggerTime"])
    assert re.fullmatch(r"[0-9a-f]{32}", event["triggerUuid"])
    assert event["isTopGroup"] is True and event["isRetry"] is False
    fake.set_value(item.id, "text", "Not a status")  # a status-only subscription ignores it
    fake.wait_for_idle()
    assert len(receiver.deliveries) == 1


def test_a_webhook_url_that_fails_the_challenge_is_refused(fake, api, board, receivers):
    receiver = receivers(echo=False)
    response = gql(
        api,
        CREATE_WEBHOOK,
        {"board": board.id, "url": receiver.url, "event": "change_column_value"},
    )
    assert only_error(response)["message"] == "Failed to communicate with URL provided."
    assert fake.webhooks == []


def test_api_changes_and_subitem_changes_fire_webhooks_too(fake, api, board, item, receivers):
    receiver = receivers()
    subscribe(api, board.id, receiver.url, "change_column_value")
    subscribe(api, board.subitems_board_id, receiver.url, "change_column_value")
    data(gql(api, CHANGE, {"b": board.id, "i": item.id, "c": "text", "v": '"Acme BV"'}))
    sub_id = fake.item(item.id).subitems[0].id
    fake.set_status(sub_id, "sub_status", "Done")
    deliveries = fake.wait_for_deliveries(2)
    by_column = {d.payload["event"]["columnId"]: d.payload["event"] for d in deliveries}
    text_event = by_column["text"]
    assert text_event["userId"] == fake.api_user_id
    assert text_event["value"] == {"value": "Acme BV"} and text_event["columnType"] == "text"
    sub_event = by_column["sub_status"]
    assert sub_event["boardId"] == board.subitems_board_id and sub_event["pulseId"] == sub_id
    assert sub_event["parentItemId"] == str(item.id)
    assert sub_event["parentItemBoardId"] == str(board.id)
    assert sub_event["value"]["label"]["is_done"] is True


def test_a_failing_receiver_gets_the_delivery_on_the_third_attempt(
    fake, api, board, item, receivers
):
    receiver = receivers(fail_times=2)
    subscribe(api, board.id, receiver.url)
    fake.set_status(item.id, "status", "Done")
    fake.wait_for_deliveries(1, ok_only=True)
    attempts = [(d.attempt, d.status_code, d.payload["event"]["isRetry"]) for d in fake.deliveries]
    assert attempts == [(1, 500, False), (2, 500, True), (3, 200, True)]
    uuids = {body["event"]["triggerUuid"] for _headers, body in receiver.deliveries}
    assert len(uuids) == 1


def test_drop_webhooks_swallows_a_change(fake, api, board, item, receivers):
    receiver = receivers()
    subscribe(api, board.id, receiver.url)
    fake.faults.drop_webhooks(times=1)
    fake.set_status(item.id, "status", "Quote requested")
    fake.set_status(item.id, "status", "Quote ready")
    fake.wait_for_deliveries(1)
    fake.wait_for_idle()
    assert [b["event"]["value"]["label"]["text"] for _h, b in receiver.deliveries] == [
        "Quote ready"
    ]
    assert len(fake.dropped_events) == 1


def test_duplicate_webhooks_send_copies_with_the_same_trigger_uuid(
    fake, api, board, item, receivers
):
    receiver = receivers()
    subscribe(api, board.id, receiver.url)
    fake.faults.duplicate_webhooks(copies=3)
    fake.set_status(item.id, "status", "Done")
    fake.wait_for_deliveries(3)
    fake.wait_for_idle()
    assert len(receiver.deliveries) == 3
    assert len({body["event"]["triggerUuid"] for _h, body in receiver.deliveries}) == 1
    assert sorted(d.copy for d in fake.deliveries) == [1, 2, 3]


def test_signed_deliveries_carry_an_app_jwt(receivers):
    secret = "app-signing-secret-of-at-least-32-bytes"
    with (
        FakeMonday(token=TOKEN, signing_secret=secret) as signed,
        client(signed.base_url, Authorization=TOKEN) as api,
    ):
        signed_board = signed.add_board("Signed", COLUMNS)
        signed_item = signed.add_item(signed_board.id, "Signed item")
        receiver = receivers()
        subscribe(api, signed_board.id, receiver.url)
        signed.set_status(signed_item.id, "status", "Done", user_id=5)
        signed.wait_for_deliveries(1)
        headers, _body = receiver.deliveries[0]
        token = headers["Authorization"]
        assert not token.startswith("Bearer ")
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=receiver.url)
        assert claims["accountId"] == signed.account_id and claims["userId"] == 5
        assert 290 <= claims["exp"] - claims["iat"] <= 300
        with pytest.raises(jwt.InvalidAudienceError):
            jwt.decode(token, secret, algorithms=["HS256"], audience="https://elsewhere.test")
        short_lived = api.post(
            "/v2", json={"query": QUERY}, headers={"Authorization": claims["shortLivedToken"]}
        )
        assert short_lived.status_code == 200


def test_in_process_transport_delivers_create_rename_and_specific_column_events():
    received: list[dict[str, Any]] = []

    def app(environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size))
        if "event" in body:
            received.append(body["event"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body if "challenge" in body else {}).encode()]

    transport = httpx.WSGITransport(app=app)
    with (
        FakeMonday(token=TOKEN, webhook_transport=transport) as fake,
        client(fake.base_url, Authorization=TOKEN) as api,
    ):
        sales = fake.add_board("Sales", COLUMNS, subitem_columns=SUB_COLUMNS)
        url = "http://site.test/monday/webhook"
        subscribe(api, sales.id, url, "create_item")
        subscribe(api, sales.id, url, "create_subitem")
        subscribe(api, sales.id, url, "change_name")
        subscribe(api, sales.id, url, "change_specific_column_value", {"columnId": "numbers"})
        deal = fake.add_item(sales.id, "Deal", {"numbers": "3"}, subitems=[{"name": "Line"}])
        fake.set_value(deal.id, "name", "Deal (renamed)")
        fake.set_value(deal.id, "text", "ignored: not the subscribed column")
        fake.set_value(deal.id, "numbers", 4)
        fake.wait_for_deliveries(4)
        fake.wait_for_idle()
    by_type = {(e["type"], "parentItemId" in e): e for e in received}
    assert len(received) == 4
    created = by_type[("create_pulse", False)]
    assert created["pulseId"] == deal.id and created["columnValues"]["numbers"]["value"] == 3
    sub_created = by_type[("create_pulse", True)]
    assert sub_created["boardId"] == sales.subitems_board_id
    assert sub_created["parentItemId"] == str(deal.id)
    renamed = by_type[("update_name", False)]
    assert renamed["value"] == {"name": "Deal (renamed)"}
    assert renamed["previousValue"] == {"name": "Deal"}
    numbers = by_type[("update_column_value", False)]
    assert numbers["columnId"] == "numbers" and numbers["value"]["value"] == 4
    assert numbers["previousValue"]["value"] == 3


# -- the HTML page and the command ------------------------------------------------------------
def test_the_page_lists_items_and_its_form_flips_a_status(
    fake, api, anonymous, board, item, receivers
):
    receiver = receivers()
    subscribe(api, board.id, receiver.url)
    page = anonymous.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Sales" in page.text and "Acme kitchen" in page.text and "Working on it" in page.text
    assert f'name=item_id value="{item.id}"' in page.text
    answer = anonymous.post(
        "/ui/set-status",
        data={"item_id": item.id, "column_id": "status", "label": "Quote requested"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert fake.item(item.id).label("status") == "Quote requested"
    (delivery,) = fake.wait_for_deliveries(1)
    assert delivery.payload["event"]["userId"] == fake.ui_user_id
    assert delivery.payload["event"]["value"]["label"]["text"] == "Quote requested"


@pytest.mark.slow
def test_run_fake_monday_prints_its_url_and_token_and_stops_on_ctrl_c(site_env):
    process = children.spawn(
        [
            sys.executable,
            "-m",
            "betterform_site",
            "run_fake_monday",
            "--port",
            "0",
            "--token",
            "cmd-token",
            "--seed-demo-board",
        ],
        env=site_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line.strip())
        settings = dict(line.split("=", 1) for line in lines if "=" in line)
        assert settings["MONDAY_API_TOKEN"] == "cmd-token"
        board_id = re.search(r"Demo board: (\d+)", "\n".join(lines)).group(1)
        query = (
            "query($b: [ID!]) { boards(ids: $b) { name columns { title } "
            "items_page(limit: 10) { items { name subitems { name } } } } }"
        )
        with httpx.Client(verify=TLS) as http:
            response = http.post(
                settings["MONDAY_API_URL"],
                json={"query": query, "variables": {"b": [board_id]}},
                headers={"Authorization": "cmd-token"},
            )
        (demo_board,) = response.json()["data"]["boards"]
        assert demo_board["name"] == "Sales pipeline"
        titles = [c["title"] for c in demo_board["columns"]]
        for title in ("Customer", "Email", "Phone", "Area", "Finish", "Status", "Files"):
            assert title in titles
        items = demo_board["items_page"]["items"]
        assert len(items) == 3 and all(item["subitems"] for item in items)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        children.stop(process)
