"""MondayClient against a real local HTTP server that answers from a script of canned responses:
headers, variables, parsing, paging, chunking, every error form, retries and their waits,
multipart upload, and the query documents against the fake server's schema."""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import graphql
import pytest

import monday_integration
from monday_integration import errors, queries
from monday_integration.client import MondayClient
from monday_integration.parsing import Asset, ColumnValue, Item

TOKEN = "tok-123"
SCHEMA = Path(monday_integration.__file__).parent / "testing" / "schema.graphql"


# -- the scripted server ---------------------------------------------------------------------


@dataclass
class Reply:
    body: Any = None  # a dict is sent as JSON, str/bytes as they are
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: Any
    body: bytes
    client_port: int

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def variables(self) -> dict[str, Any]:
        return self.json["variables"]

    @property
    def operation(self) -> str:
        return queries.operation_of(self.json["query"])[1]

    def multipart(self) -> dict[str, tuple[str | None, str | None, bytes]]:
        """Each part by name: (filename, content type of a file part, exact bytes)."""
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        parts = {}
        for part in message.iter_parts():
            filename = part.get_filename()
            content_type = part.get_content_type() if filename else None
            name = part.get_param("name", header="content-disposition")
            parts[name] = (filename, content_type, part.get_payload(decode=True))
        return parts


class ScriptedServer:
    """A ThreadingHTTPServer on 127.0.0.1:0 serving queued replies and recording requests."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per response

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                port = self.client_address[1]
                server.requests.append(Received(self.path, self.headers, body, port))
                reply = server.replies.popleft() if server.replies else Reply("unscripted", 599)
                time.sleep(reply.delay)
                raw = reply.body
                if not isinstance(raw, bytes):
                    raw = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.handle_error = lambda *args: None  # a client that timed out went away
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v2"
        serve = {"poll_interval": 0.01}
        threading.Thread(target=self.httpd.serve_forever, kwargs=serve, daemon=True).start()

    def reply(self, body: Any = None, status: int = 200, **kwargs: Any) -> ScriptedServer:
        self.replies.append(Reply(body, status, **kwargs))
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps):
    """``make_client(url, token=TOKEN, **options)``; sleeps are recorded, not slept."""
    made: list[MondayClient] = []

    def make(url: str, token: str = TOKEN, **options: Any) -> MondayClient:
        options.setdefault("sleep", sleeps.append)
        made.append(MondayClient(url, token, "2026-07", **options))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(server, make_client):
    return make_client(server.url)


def ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "account_id": 1}


def item(item_id: str, **extra: Any) -> dict[str, Any]:
    board, group = {"id": "7"}, {"id": "topics"}
    raw = {"id": item_id, "name": f"Item {item_id}", "board": board, "group": group}
    return {**raw, "column_values": [], "subitems": [], **extra}


def page(cursor: str | None, *ids: str) -> dict[str, Any]:
    return {"cursor": cursor, "items": [item(i) for i in ids]}


def gql_error(code: str, message: str = "boom", **extensions: Any) -> dict[str, Any]:
    entry = {"message": message, "locations": [{"line": 2, "column": 3}], "path": ["items"]}
    return {"errors": [{**entry, "extensions": {"code": code, **extensions}}]}


TARGET = {"board_id": "7", "item_id": "1"}
LEGACY_BUDGET = {
    "error_code": "ComplexityException",
    "status_code": 429,
    "error_message": "Complexity budget exhausted, query cost 30001 budget remaining 29998 out "
    "of 1000000 reset in 7 seconds",
}
LEGACY_TOO_COMPLEX = {
    "error_code": "ComplexityException",
    "error_message": "Query has complexity of 6000000, which exceeds max complexity of 5000000",
}
LEGACY_RATE_LIMIT = {"error_code": "Rate Limit Exceeded", "error_message": "Rate Limit Exceeded"}
IDEMPOTENCY_CONFLICT = {"error_code": "IDEMPOTENCY_CONFLICT", "error_message": "in progress"}


# -- requests ---------------------------------------------------------------------------------


def test_requests_carry_the_bare_token_the_api_version_and_json(server, client):
    server.reply(ok({"items": []}))
    client.get_items([1])
    headers = server.requests[0].headers
    assert headers["Authorization"] == TOKEN
    assert headers["API-Version"] == "2026-07"
    assert headers["Content-Type"] == "application/json"
    assert "Idempotency-Key" not in headers
    assert isinstance(server.requests[0].variables, dict)


def test_settings_supply_url_token_and_version_by_default(server, settings):
    settings.MONDAY_API_URL, settings.MONDAY_API_TOKEN = server.url, "from-settings"
    settings.MONDAY_API_VERSION = "2026-10"
    server.reply(ok({"items": []}))
    with MondayClient() as monday:
        monday.get_items(["1"])
    assert server.requests[0].headers["Authorization"] == "from-settings"
    assert server.requests[0].headers["API-Version"] == "2026-10"


def test_values_travel_as_variables_never_inside_the_query(server, client):
    server.reply(ok({"items": []})).reply(ok({"change_column_value": {"id": "98765432"}}))
    client.get_items([98765432])
    client.set_status(7, 98765432, "status", "Quote sent")
    read, write = server.requests
    assert "98765432" not in read.json["query"]
    assert read.variables == {"ids": ["98765432"], "limit": 1}
    assert "98765432" not in write.json["query"] and "Quote sent" not in write.json["query"]
    expected = {"board_id": "7", "item_id": "98765432", "column_id": "status"}
    assert write.variables == {**expected, "value": '{"label": "Quote sent"}'}


def test_mutations_carry_an_idempotency_key_that_retries_repeat(server, client, sleeps):
    server.reply("upstream down", 502).reply(ok({"create_update": {"id": "55"}}))
    server.reply(ok({"create_update": {"id": "56"}}))
    assert client.create_update(1, "hello") == "55"
    client.create_update(1, "again", idempotency_key="trigger-uuid-1")
    first, retry, other = (r.headers["Idempotency-Key"] for r in server.requests)
    assert first == retry and len(first) == 36
    assert other == "trigger-uuid-1"
    assert len(sleeps) == 1


def test_the_connection_is_reused(server, client):
    server.reply(ok({"items": []})).reply(ok({"items": []}))
    client.get_items([1])
    client.get_items([2])
    assert server.requests[0].client_port == server.requests[1].client_port


WRITES = {
    "simple text": (
        lambda c: c.change_column_value(7, 1, "text", "Hi"),
        "ChangeSimpleColumnValue",
        {**TARGET, "column_id": "text", "value": "Hi"},
    ),
    "json value": (
        lambda c: c.change_column_value(7, 1, "date", {"date": "2026-01-31"}),
        "ChangeColumnValue",
        {**TARGET, "column_id": "date", "value": '{"date": "2026-01-31"}'},
    ),
    "clear files": (
        lambda c: c.clear_file_column(7, 1, "files"),
        "ChangeColumnValue",
        {**TARGET, "column_id": "files", "value": '{"clear_all": true}'},
    ),
    "several columns": (
        lambda c: c.change_multiple_column_values(7, 1, {"text": "a", "status": {"index": 1}}),
        "ChangeMultipleColumnValues",
        {**TARGET, "column_values": '{"text": "a", "status": {"index": 1}}'},
    ),
    "webhook": (
        lambda c: c.create_webhook(7, "https://x.test/hook", config={"columnId": "status"}),
        "CreateWebhook",
        {
            "board_id": "7",
            "url": "https://x.test/hook",
            "event": "change_status_column_value",
            "config": '{"columnId": "status"}',
        },
    ),
    "delete webhook": (lambda c: c.delete_webhook(99), "DeleteWebhook", {"id": "99"}),
}


ANSWERED = (
    "change_simple_column_value",
    "change_column_value",
    "change_multiple_column_values",
    "create_webhook",
    "delete_webhook",
)


@pytest.mark.parametrize(("call", "operation", "variables"), WRITES.values(), ids=WRITES)
def test_writes_send_their_operation_and_variables(server, client, call, operation, variables):
    server.reply(ok({field: {"id": "1"} for field in ANSWERED}))
    call(client)
    assert server.requests[0].operation == operation
    assert server.requests[0].variables == variables
    assert server.requests[0].headers["Idempotency-Key"]


def test_create_webhook_returns_its_id(server, client):
    server.reply(ok({"create_webhook": {"id": "123", "board_id": "7"}}))
    assert client.create_webhook(7, "https://x.test/hook") == "123"


# -- reads ------------------------------------------------------------------------------------


def test_items_parse_values_status_labels_and_subitems(server, client):
    status = {"id": "status", "type": "status", "text": "Quote requested",
              "value": '{"index": 3, "post_id": null}', "column": {"title": "Status"},
              "label": "Quote requested", "index": 3}  # fmt: skip
    mirror = {"id": "mirror", "type": "mirror", "text": "", "value": None, "column": {"title": "M"}}
    quantity = {"id": "qty", "type": "numbers", "text": "2", "value": '"2"'}
    sub = item("11", column_values=[quantity], board={"id": "8"})
    server.reply(ok({"items": [item("10", column_values=[status, mirror], subitems=[sub])]}))
    [parsed] = client.get_items(["10"])
    label = "Quote requested"
    status_value = ColumnValue("status", "status", label, {"index": 3, "post_id": None},
                               "Status", label, 3)  # fmt: skip
    subitem = Item("11", "Item 11", "8", "topics", {"qty": ColumnValue("qty", "numbers", "2", "2")})
    columns = {"status": status_value, "mirror": ColumnValue("mirror", "mirror", "", None, "M")}
    assert parsed == Item("10", "Item 10", "7", "topics", columns, [subitem])
    assert parsed.status("status") == label and parsed.status("mirror") is None
    assert parsed.subitems[0].text("qty") == "2" and parsed.text("nope", "-") == "-"


def test_get_items_asks_at_most_100_ids_per_call(server, client):
    for start in (0, 100, 200):
        server.reply(ok({"items": [item(str(i)) for i in range(start, min(start + 100, 250))]}))
    items = client.get_items(range(250))
    assert [len(r.variables["ids"]) for r in server.requests] == [100, 100, 50]
    assert [r.variables["limit"] for r in server.requests] == [100, 100, 50]
    assert [i.id for i in items] == [str(i) for i in range(250)]
    assert client.get_items([]) == [] and len(server.requests) == 3


def test_board_items_follow_the_cursor_until_it_is_null(server, client):
    server.reply(ok({"boards": [{"id": "7", "items_page": page("c1", "1", "2")}]}))
    server.reply(ok({"next_items_page": page("c2", "3", "4")}))
    server.reply(ok({"next_items_page": page(None, "5")}))
    assert [i.id for i in client.iter_board_items(7, limit=2)] == ["1", "2", "3", "4", "5"]
    operations = [r.operation for r in server.requests]
    assert operations == ["BoardItemsPage", "NextItemsPage", "NextItemsPage"]
    assert server.requests[0].variables == {"board_id": "7", "limit": 2}
    assert [r.variables.get("cursor") for r in server.requests] == [None, "c1", "c2"]


def test_board_item_pages_are_at_most_500(client):
    with pytest.raises(ValueError, match="between 1 and 500"):
        next(client.iter_board_items(7, limit=501))


def test_board_columns_parse_settings_and_status_labels(server, client):
    settings = {"labels": {"0": "Working on it", "1": "Done", "3": "Quote requested"}}
    columns = [
        {"id": "status", "title": "Status", "type": "status", "settings_str": json.dumps(settings)},
        {"id": "text", "title": "Notes", "type": "text", "settings_str": "{}"},
    ]
    server.reply(ok({"boards": [{"id": "7", "columns": columns}]}))
    status, text = client.get_board_columns(7)
    assert status.labels == {0: "Working on it", 1: "Done", 3: "Quote requested"}
    assert status.settings == settings and status.label_index("done") == 1
    assert (text.id, text.title, text.labels) == ("text", "Notes", {})


def test_an_unknown_board_is_not_found(server, client):
    server.reply(ok({"boards": []}))
    with pytest.raises(errors.MondayNotFound, match="board 7"):
        client.get_board_columns(7)


# -- errors -----------------------------------------------------------------------------------

ERROR_FORMS = {
    "invalid item": (Reply(gql_error("InvalidItemIdException", status_code=404)),
                     errors.MondayNotFound, "InvalidItemIdException"),
    "404 in extensions": (Reply(gql_error("Other", status_code=404)), errors.MondayNotFound,
                          "Other"),
    "401": (Reply({"errors": [{"message": "Not Authenticated"}]}, 401), errors.MondayAuthError,
            None),
    "403 text": (Reply("Unauthorized", 403), errors.MondayAuthError, None),
    "graphql validation": (Reply(gql_error("GRAPHQL_VALIDATION_FAILED")),
                           errors.MondayValidationError, "GRAPHQL_VALIDATION_FAILED"),
    "column value": (Reply(gql_error("ColumnValueException")), errors.MondayValidationError,
                     "ColumnValueException"),
    "budget": (Reply(gql_error("COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds=9), 429),
               errors.MondayComplexityError, "COMPLEXITY_BUDGET_EXHAUSTED"),
    "legacy budget": (Reply(LEGACY_BUDGET), errors.MondayComplexityError, "ComplexityException"),
    "legacy too complex": (Reply(LEGACY_TOO_COMPLEX), errors.MondayValidationError,
                           "ComplexityException"),
    "rate limit": (Reply(LEGACY_RATE_LIMIT, 429), errors.MondayRateLimited,
                   "Rate Limit Exceeded"),
    "502 html": (Reply("<html>bad gateway</html>", 502), errors.MondayServerError, None),
    "423": (Reply({"error_message": "Resource is locked"}, 423), errors.MondayResourceLocked,
            None),
    "200 not json": (Reply("<html>login</html>", 200), errors.MondayError, None),
}  # fmt: skip


@pytest.mark.parametrize(("reply", "error_class", "code"), ERROR_FORMS.values(), ids=ERROR_FORMS)
def test_each_error_form_raises_its_typed_error(server, make_client, reply, error_class, code):
    server.replies.append(Reply(reply.body, reply.status, {"x-request-id": "req-42"}))
    with pytest.raises(error_class) as caught:
        make_client(server.url, max_retries=0).get_items([1])
    error = caught.value
    assert type(error) is error_class
    assert (error.code, error.request_id) == (code, "req-42")
    assert "req-42" in str(error) and (code or "") in str(error)


def test_graphql_errors_keep_error_data_path_and_the_request_id_from_extensions(server, client):
    data = {"column_id": "date"}
    server.reply(gql_error("ColumnValueException", "bad date", error_data=data, request_id="e-7"))
    with pytest.raises(errors.MondayValidationError) as caught:
        client.get_items([1])
    error = caught.value
    assert (error.error_data, error.path, error.request_id) == (data, ["items"], "e-7")
    assert str(error).startswith("monday ColumnValueException: bad date (HTTP 200, path items")


def test_the_request_id_may_come_in_the_bodys_extensions(server, client):
    server.reply({**gql_error("InvalidBoardIdException"), "extensions": {"request_id": "b-1"}})
    with pytest.raises(errors.MondayNotFound) as caught:
        client.get_board_columns(7)
    assert caught.value.request_id == "b-1"


def test_partial_data_with_errors_still_raises_and_keeps_the_data(server, client):
    server.reply({**gql_error("SomeFieldFailed", "one field failed"), "data": {"items": []}})
    with pytest.raises(errors.MondayError) as caught:
        client.get_items([1])
    assert caught.value.data == {"items": []}
    assert caught.value.code == "SomeFieldFailed"


def test_without_a_token_nothing_is_sent(server, make_client):
    with pytest.raises(errors.MondayAuthError, match="MONDAY_API_TOKEN"):
        make_client(server.url, token="").get_items([1])
    assert server.requests == []


# -- retries ----------------------------------------------------------------------------------

WAITS = {
    "retry_in_seconds": (Reply(gql_error("COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds=2)), 2.0),
    "429 retry_in_seconds": (
        Reply(gql_error("COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds=4), 429), 4.0),
    "Retry-After": (Reply("Too many", 429, {"Retry-After": "3"}), 3.0),
    "legacy reset in": (Reply(LEGACY_BUDGET), 7.0),
    "IP limit": (Reply(gql_error("IP_RATE_LIMIT_EXCEEDED"), 429, {"Retry-After": "5"}), 5.0),
    "concurrency, no wait": (Reply(gql_error("maxConcurrencyExceeded"), 429),
                             errors.DEFAULT_RATE_LIMIT_WAIT),
    "idempotency conflict": (Reply(IDEMPOTENCY_CONFLICT, 409, {"Retry-After": "1"}), 1.0),
}  # fmt: skip


@pytest.mark.parametrize(("reply", "wait"), WAITS.values(), ids=WAITS)
def test_a_rate_limit_waits_exactly_what_monday_asks_then_succeeds(
    server, client, sleeps, reply, wait
):
    server.replies.append(reply)
    server.reply(ok({"create_update": {"id": "9"}}))
    assert client.create_update(1, "hi") == "9"
    assert sleeps == [wait]
    keys = {r.headers["Idempotency-Key"] for r in server.requests}
    assert len(server.requests) == 2 and len(keys) == 1


def test_a_wait_longer_than_max_wait_is_raised_not_slept(server, client, sleeps):
    server.reply(gql_error("DAILY_LIMIT_EXCEEDED", retry_in_seconds=3600), 429)
    with pytest.raises(errors.MondayRateLimited) as caught:
        client.get_items([1])
    assert caught.value.retry_in_seconds == 3600 and sleeps == []


def test_server_errors_back_off_longer_each_time_then_succeed(server, client, sleeps):
    server.reply("oops", 500).reply("oops", 503).reply(ok({"items": []}))
    assert client.get_items([1]) == []
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 <= sleeps[1] <= 1.0 and sleeps[0] < sleeps[1]


def test_backoff_is_exponential_with_jitter_and_capped():
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (3, 4.0), (6, 30.0), (12, 30.0)]:
        waits = [errors.exponential_backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1


def test_a_persistent_500_raises_server_error_after_max_retries(server, make_client, sleeps):
    for _ in range(4):
        body = {"error_message": "Internal server error", "status_code": 500}
        server.reply(body, 500, headers={"x-request-id": "r-500"})
    monday = make_client(server.url, max_retries=3, backoff=lambda attempt: 0.1 * 2**attempt)
    with pytest.raises(errors.MondayServerError) as caught:
        monday.get_items([1])
    assert len(server.requests) == 4 and sleeps == [0.1, 0.2, 0.4]
    assert caught.value.status_code == 500 and caught.value.request_id == "r-500"


def test_an_auth_error_is_not_retried(server, client, sleeps):
    server.reply(gql_error("UserUnauthorizedException", "No permission", status_code=403))
    with pytest.raises(errors.MondayAuthError, match="UserUnauthorizedException"):
        client.create_update(1, "hi")
    assert len(server.requests) == 1 and sleeps == []


def test_an_unreachable_server_raises_a_transport_error_after_retries(make_client, sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed on exit: nothing listens there
    monday = make_client(f"http://127.0.0.1:{port}/v2", max_retries=2)
    with pytest.raises(errors.MondayTransportError, match="ConnectError") as caught:
        monday.get_items([1])
    assert len(sleeps) == 2 and caught.value.code == "TRANSPORT_ERROR"


def test_a_url_without_a_scheme_fails_at_once(make_client, sleeps):
    with pytest.raises(errors.MondayError, match="INVALID_URL"):
        make_client("api.monday.com/v2").get_items([1])
    assert sleeps == []


def test_a_timeout_is_retried_with_the_same_idempotency_key(server, make_client, sleeps):
    server.reply(ok({"create_update": {"id": "1"}}), delay=0.3)
    server.reply(ok({"create_update": {"id": "1"}}))
    assert make_client(server.url, timeout=0.1).create_update(1, "hi") == "1"
    assert len(sleeps) == 1
    assert len({r.headers["Idempotency-Key"] for r in server.requests}) == 1


def test_retry_in_seconds_is_really_waited(server, make_client):
    server.reply(gql_error("COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds=1))
    server.reply(ok({"items": []}))
    monday = make_client(server.url, sleep=time.sleep)
    started = time.monotonic()
    monday.get_items([1])
    assert 1.0 <= time.monotonic() - started < 3.0


def test_each_request_is_logged_and_each_retry_warned(server, client, caplog):
    budget = gql_error("COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds=2)
    server.reply(budget, headers={"x-request-id": "r-1"})
    server.reply(ok({"items": []}), headers={"x-request-id": "r-2"})
    with caplog.at_level(logging.DEBUG, logger="monday_integration.client"):
        client.get_items([1])
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(debug) == 2 and "GetItems -> HTTP 200" in debug[1] and "r-2" in debug[1]
    assert len(warnings) == 1
    assert "COMPLEXITY_BUDGET_EXHAUSTED" in warnings[0] and "in 2.00 s" in warnings[0]


# -- file upload ------------------------------------------------------------------------------


def test_upload_sends_multipart_with_query_variables_and_the_exact_file(server, client):
    asset = {"id": "77", "name": "Q-1.pdf", "url": "https://f/77", "public_url": "https://p/77"}
    server.reply(ok({"add_file_to_column": asset}))
    content = b"%PDF-1.7\r\n\x00\xff binary\r\n--not-a-boundary\r\n%%EOF"
    result = client.upload_file_to_column(12345, "files", "Q-1.pdf", content)
    assert result == Asset("77", "Q-1.pdf", "https://f/77", "https://p/77")
    request = server.requests[0]
    assert request.path == "/v2/file"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert request.headers["Authorization"] == TOKEN and request.headers["Idempotency-Key"]
    parts = request.multipart()
    assert parts["query"][2].decode() == queries.ADD_FILE_TO_COLUMN
    assert "12345" not in parts["query"][2].decode()
    variables = json.loads(parts["variables"][2])
    assert variables == {"item_id": "12345", "column_id": "files", "file": None}
    assert json.loads(parts["map"][2]) == {"0": ["variables.file"]}
    assert parts["0"] == ("Q-1.pdf", "application/pdf", content)


def test_a_failed_upload_is_retried_with_the_whole_file(server, client):
    asset = {"id": "1", "name": "a.txt", "url": "u", "public_url": "p"}
    server.reply("busy", 503).reply(ok({"add_file_to_column": asset}))
    client.upload_file_to_column(1, "files", "a.txt", b"abc", "text/plain")
    first, second = (r.multipart()["0"] for r in server.requests)
    assert first == second == ("a.txt", "text/plain", b"abc")
    assert len({r.headers["Idempotency-Key"] for r in server.requests}) == 1


# -- the query documents ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA.read_text())


@pytest.mark.parametrize("name", sorted(queries.ALL))
def test_query_documents_validate_against_the_fake_servers_schema(schema, name):
    assert graphql.validate(schema, graphql.parse(queries.ALL[name])) == []
    assert queries.operation_of(queries.ALL[name])[1] == name


# -- against the fake monday (``fake`` and ``demo`` come from conftest.py) ---------------------


@pytest.fixture
def fake_client(fake, make_client):
    return make_client(fake.url, fake.token)


def test_fake_items_read_with_status_labels_and_subitems(demo, fake_client):
    items = fake_client.get_items(demo["items"])
    assert [int(i.id) for i in items] == demo["items"]
    first = items[0]
    assert first.status(demo["columns"]["status"]) == "Working on it"
    assert first.column_values[demo["columns"]["status"]].index == 0
    assert first.column_values[demo["columns"]["email"]].value["email"] == "eva.jansen@example.com"
    assert [int(s.id) for s in first.subitems] == demo["subitems"][demo["items"][0]]
    assert first.subitems[0].text(demo["subitem_columns"]["quantity"]) == "12"


def test_fake_board_is_paged_to_the_end(fake, demo, fake_client):
    items = list(fake_client.iter_board_items(demo["board_id"], limit=1))
    assert [int(i.id) for i in items] == demo["items"]
    calls = [r.fields for r in fake.requests]
    assert calls[0] == ("boards",) and set(calls[1:]) == {("next_items_page",)}
    assert len(calls) >= 3


def test_fake_status_update_and_file_are_written(fake, demo, fake_client):
    board, item_id, columns = demo["board_id"], demo["items"][0], demo["columns"]
    fake_client.set_status(board, item_id, columns["status"], "Quote ready")
    update_id = fake_client.create_update(item_id, "Quote Q-1 is ready")
    asset = fake_client.upload_file_to_column(item_id, columns["files"], "Q-1.pdf", b"%PDF-1.7 x")
    view = fake.item(item_id)
    assert view.label(columns["status"]) == "Quote ready"
    assert [(str(u.id), u.body) for u in view.updates] == [(update_id, "Quote Q-1 is ready")]
    stored = [(str(f.id), f.name, f.data) for f in view.files]
    assert stored == [(asset.id, "Q-1.pdf", b"%PDF-1.7 x")]
    assert asset.public_url
    with pytest.raises(errors.MondayValidationError, match="ColumnValueException"):
        fake_client.set_status(board, item_id, columns["status"], "No such label")


def test_fake_rate_limit_is_waited_for_then_the_call_succeeds(fake, demo, make_client):
    fake.faults.rate_limit(times=1, retry_in_seconds=0.3)
    monday = make_client(fake.url, fake.token, sleep=time.sleep)
    started = time.monotonic()
    assert len(monday.get_items(demo["items"][:1])) == 1
    assert time.monotonic() - started >= 0.3


def test_fake_applies_a_mutation_retried_after_a_timeout_once(fake, demo, make_client):
    fake.faults.slow(0.8)  # the first attempt times out but still runs, late
    monday = make_client(fake.url, fake.token, timeout=0.3)
    monday.create_update(demo["items"][0], "only once")
    deadline = time.monotonic() + 3
    while not any(r.replayed for r in fake.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [u.body for u in fake.item(demo["items"][0]).updates] == ["only once"]
    assert any(r.replayed for r in fake.requests)
