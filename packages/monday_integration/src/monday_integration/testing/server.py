"""The HTTP side: a ThreadingHTTPServer and the routes.

``POST /v2`` (JSON ``{"query", "variables", "operationName"}``), ``POST /v2/file`` (multipart),
``GET /`` (HTML page), ``POST /ui/set-status`` (its form), ``GET /files/<asset id>/<name>``.
Every request is recorded in ``fake.requests``; every answer has an ``x-request-id`` header.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from monday_integration.testing import multipart, ui
from monday_integration.testing.errors import MondayApiError, error_body
from monday_integration.testing.graphql_api import Context, prepare, run
from monday_integration.testing.views import Upload

if TYPE_CHECKING:
    from monday_integration.testing.fake import FakeMonday

logger = logging.getLogger(__name__)
_JSON = "application/json; charset=utf-8"


@dataclass
class RecordedRequest:
    """One request as the fake saw it (``fake.requests``)."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    request_id: str
    body: bytes = field(default=b"", repr=False)
    query: str | None = None
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    operation_type: str | None = None  # "query" or "mutation"
    fields: tuple[str, ...] = ()  # root fields, e.g. ("change_column_value",)
    status: int | None = None
    replayed: bool = False

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def api_version(self) -> str | None:
        return self.header("API-Version")

    @property
    def idempotency_key(self) -> str | None:
        return self.header("Idempotency-Key")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, body: Any, **headers: str) -> Response:
        return cls(status, json.dumps(body).encode(), {"Content-Type": _JSON, **headers})


class Router:
    def __init__(self, fake: FakeMonday) -> None:
        self.fake = fake

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        path = urlsplit(target).path
        request_id = str(uuid.uuid4())
        record = RecordedRequest(method, path, headers, request_id, body)
        self.fake.requests.append(record)
        try:
            response = self._route(method, path, headers, body, record)
        except Exception:
            logger.exception("fake monday failed on %s %s", method, path)
            response = Response.json(
                500, error_body("Internal server error", "INTERNAL_SERVER_ERROR", 500, request_id)
            )
        response.headers["x-request-id"] = request_id
        record.status = response.status
        return response

    def _route(self, method: str, path: str, headers: dict, body: bytes, record) -> Response:
        if method == "POST" and path.rstrip("/") in ("/v2", "/v2/file"):
            return self._api(path.rstrip("/").endswith("/file"), headers, body, record)
        if method == "GET" and path == "/":
            page = ui.render_page(self.fake.state, self.fake.url, self.fake.base_url)
            return Response(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
        if method == "POST" and path == ui.SET_STATUS_PATH:
            return self._ui_set_status(body)
        if method == "GET" and path.startswith("/files/"):
            return self._download(path)
        if method == "GET" and path == "/healthz":
            return Response.json(200, {"ok": True})
        return Response.json(404, error_body("Not found", "NOT_FOUND", 404, record.request_id))

    # -- GraphQL ---------------------------------------------------------------------------
    def _api(self, is_file: bool, headers: dict, body: bytes, record: RecordedRequest) -> Response:
        fake, rid = self.fake, record.request_id
        if not fake.tokens.is_valid(headers.get("authorization")):
            return Response.json(
                401,
                {
                    "errors": [
                        {
                            "message": "Not Authenticated",
                            "extensions": {"code": "UNAUTHENTICATED", "status_code": 401},
                        }
                    ],
                    "extensions": {"request_id": rid},
                },
            )
        delay = fake.faults.take_delay()
        if delay:
            time.sleep(delay)
        fault = fake.faults.take_error(rid, fake.account_id)
        if fault is not None:
            return Response(fault.status, fault.body, dict(fault.headers))
        try:
            request = self._graphql_request(is_file, headers, body)
        except ValueError as exc:
            return Response.json(400, error_body(str(exc), "BAD_REQUEST", 400, rid))
        record.query = request.get("query")
        record.variables = request.get("variables")
        record.operation_name = request.get("operationName")
        prepared = prepare(record.query, record.operation_name)
        if prepared.document is not None:
            record.operation_type = "mutation" if prepared.is_mutation else "query"
            record.fields = prepared.root_fields
        if prepared.errors:
            return self._answer({"errors": list(prepared.errors)}, rid)
        key = headers.get("idempotency-key") if prepared.is_mutation else None
        if key:
            outcome, stored = fake.idempotency.begin(key, _fingerprint(request))
            if outcome == "replay" and stored is not None:
                record.replayed = True
                return Response(
                    stored.status,
                    stored.body,
                    {"Content-Type": _JSON, "Idempotency-Replayed": "true"},
                )
            if outcome == "conflict":
                message = "Idempotency key reused with a different request or while in progress"
                return Response.json(409, error_body(message, "IDEMPOTENCY_CONFLICT", 409, rid))
        try:
            result = run(prepared, record.variables, self._context(rid))
        except Exception:
            if key:
                fake.idempotency.abandon(key)
            raise
        response = self._answer(result, rid)
        if key:
            fake.idempotency.finish(key, response.status, response.body)
        return response

    def _answer(self, body: dict[str, Any], request_id: str) -> Response:
        body["extensions"] = {"request_id": request_id}
        body["account_id"] = self.fake.account_id
        return Response.json(200, body)

    def _context(self, request_id: str) -> Context:
        fake = self.fake
        return Context(
            state=fake.state,
            pager=fake.pager,
            base_url=fake.base_url,
            user_id=fake.api_user_id,
            verify_webhook_url=fake.dispatcher.verify,
            budget=fake.budget,
            request_id=request_id,
            take_null=fake.faults.take_null,
            me=fake.me(),
        )

    @staticmethod
    def _graphql_request(is_file: bool, headers: dict, body: bytes) -> dict[str, Any]:
        content_type = headers.get("content-type", "")
        if is_file or content_type.lower().startswith("multipart/"):
            return multipart.to_graphql_request(multipart.parse(content_type, body))
        try:
            request = json.loads(body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("The request body is not valid JSON") from None
        if not isinstance(request, dict):
            raise ValueError('The request body must be a JSON object {"query", "variables"}')
        if request.get("variables") is not None and not isinstance(request["variables"], dict):
            raise ValueError("variables must be a JSON object")
        return request

    # -- UI and files ----------------------------------------------------------------------
    def _ui_set_status(self, body: bytes) -> Response:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        try:
            self.fake.set_status(
                form.get("item_id", ""),
                form.get("column_id", ""),
                form.get("label", ""),
                user_id=self.fake.ui_user_id,
            )
        except MondayApiError as exc:
            page = ui.render_page(self.fake.state, self.fake.url, self.fake.base_url, exc.message)
            return Response(400, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
        return Response(303, b"", {"Location": "/"})

    def _download(self, path: str) -> Response:
        _files, asset_id, *_name = path.strip("/").split("/")
        asset = self.fake.state.assets.get(int(asset_id)) if asset_id.isdigit() else None
        if asset is None:
            return Response.json(404, {"error": "file not found"})
        disposition = f"attachment; filename*=UTF-8''{unquote(asset.name)}"
        return Response(
            200,
            asset.data,
            {"Content-Type": asset.content_type, "Content-Disposition": disposition},
        )


def _fingerprint(request: dict[str, Any]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, Upload):
            return {"file": value.filename, "sha256": hashlib.sha256(value.data).hexdigest()}
        raise TypeError(type(value).__name__)

    canonical = json.dumps(
        [request.get("query"), request.get("variables"), request.get("operationName")],
        sort_keys=True,
        default=default,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeMonday/1.0"
    disable_nagle_algorithm = True  # headers and body are separate writes on keep-alive
    timeout = 120
    server: FakeHTTPServer

    def _handle(self) -> None:
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        router = self.server.router
        with router.fake.dispatcher.answer_first():
            response = router.handle(self.command, self.path, headers, body)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (e.g. timed out during ``faults.slow``) is not an error."""
        logger.debug("connection from %s ended abruptly", client_address, exc_info=True)
