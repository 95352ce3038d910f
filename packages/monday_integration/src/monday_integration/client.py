"""``MondayClient``: monday.com's GraphQL API, typed, with the retries monday asks for.

Every value travels in GraphQL ``variables``. Every mutation carries an ``Idempotency-Key``
that stays the same across the retries of one call, so a retried write is applied once. When
monday says how long to wait (``retry_in_seconds``, ``Retry-After``, "reset in N seconds") the
client waits exactly that; 5xx, 423, 409 and network failures back off exponentially with
jitter. Errors come out as the typed exceptions of ``monday_integration.errors``; a result
monday answers with ``null`` and no error (its schema allows it for every mutation used here)
is a ``MondayEmptyAnswer``, never a ``TypeError`` or ``KeyError``.

    with MondayClient() as monday:
        for item in monday.iter_board_items(board_id):
            ...
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx

from createpdf.storable import make_storable
from monday_integration import queries
from monday_integration.conf import conf
from monday_integration.errors import (
    MondayAuthError,
    MondayError,
    MondayNotFound,
    MondayTransportError,
    empty_answer,
    error_from_response,
    exponential_backoff,
    request_id_of,
    retry_wait,
)
from monday_integration.parsing import (
    Asset,
    BoardSummary,
    Column,
    Item,
    Me,
    parse_asset,
    parse_board_summary,
    parse_column,
    parse_item,
    parse_me,
)

logger = logging.getLogger(__name__)


def _decode(response: httpx.Response) -> Any:
    """The answer's JSON, with what no database stores made storable (``make_storable``: a
    text column may hold NUL, a cut emoji a lone surrogate), or None when it is not JSON."""
    try:
        return make_storable(response.json())
    except ValueError:
        return None


def _result(data: dict[str, Any], field: str, what: str, key: str = "id") -> dict[str, Any]:
    """``data[field]``, an object with ``key``; ``MondayEmptyAnswer`` when monday answered
    null (its schema allows it) or left it out."""
    result = data.get(field)
    if not isinstance(result, dict) or (key and result.get(key) is None):
        raise empty_answer(field, what)
    return result


def _columns(**wanted: Iterable[str] | None) -> dict[str, list[str]]:
    """The column-id variables that were given, as lists (a variable left out means every
    column: a document's ``column_values(ids: $column_ids)`` then has no ``ids``)."""
    return {name: list(dict.fromkeys(ids)) for name, ids in wanted.items() if ids is not None}


class MondayClient:
    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        api_version: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff: Callable[[int], float] = exponential_backoff,
        sleep: Callable[[float], Any] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        max_wait: float = 60.0,
    ) -> None:
        """Settings default to ``conf`` (MONDAY_API_URL, MONDAY_API_TOKEN, MONDAY_API_VERSION).

        ``max_retries`` retries follow the first attempt. A wait monday asks for that is longer
        than ``max_wait`` seconds (a daily limit, say) is not slept: the ``MondayRateLimited``
        is raised at once with its ``retry_in_seconds`` so a job can be rescheduled instead.
        """
        self.url = (url or conf.MONDAY_API_URL).rstrip("/")
        self.file_url = self.url + "/file"
        self.api_version = api_version or conf.MONDAY_API_VERSION
        self._token = token if token is not None else conf.MONDAY_API_TOKEN
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._backoff = backoff
        self._sleep = sleep
        headers = {"API-Version": self.api_version, "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = self._token  # monday wants the bare token, no "Bearer"
        self._http = httpx.Client(headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MondayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Run one GraphQL document and return its ``data``; raise a ``MondayError`` otherwise.

        A mutation gets an ``Idempotency-Key`` (``idempotency_key`` or a new uuid4) that every
        retry of this call repeats.
        """
        kind, name = queries.operation_of(query)
        headers = {"Content-Type": "application/json"}
        if kind == "mutation":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        return self._post(name, self.url, headers=headers, content=body)

    def _post(self, name: str, url: str, **request: Any) -> dict[str, Any]:
        if not self._token:
            raise MondayAuthError("no API token is configured", "NO_TOKEN")
        attempt = 0
        while True:
            outcome = self._attempt(name, url, request)
            if not isinstance(outcome, MondayError):
                return outcome
            wait = retry_wait(outcome, attempt, self.max_retries, self.max_wait, self._backoff)
            if wait is None:
                raise outcome
            attempt += 1
            logger.warning(
                "monday %s failed: %s; retry %d of %d in %.2f s",
                name,
                outcome,
                attempt,
                self.max_retries,
                wait,
            )
            self._sleep(wait)

    def _attempt(
        self, name: str, url: str, request: dict[str, Any]
    ) -> dict[str, Any] | MondayError:
        """One HTTP round trip: the ``data`` on success, else the error (not raised)."""
        started = time.monotonic()
        try:
            response = self._http.post(url, **request)
        except httpx.RequestError as exc:
            elapsed = (time.monotonic() - started) * 1000
            logger.debug("monday %s -> %s after %.0f ms", name, type(exc).__name__, elapsed)
            message = f"{type(exc).__name__} calling {url}: {exc}"
            if isinstance(exc, httpx.UnsupportedProtocol):  # a bad MONDAY_API_URL: no retry
                error = MondayError(message, "INVALID_URL")
            else:
                error = MondayTransportError(message, "TRANSPORT_ERROR")
            error.__cause__ = exc
            return error
        body = _decode(response)
        error = error_from_response(response.status_code, response.headers, body, response.text)
        logger.debug(
            "monday %s -> HTTP %s in %.0f ms (request %s%s)",
            name,
            response.status_code,
            (time.monotonic() - started) * 1000,
            request_id_of(response.headers, body),
            ", replayed" if response.headers.get("idempotency-replayed") == "true" else "",
        )
        return error if error is not None else (body.get("data") or {})

    # -- reads ---------------------------------------------------------------------------

    def get_items(
        self,
        ids: Iterable[int | str] | int | str,
        *,
        column_ids: Iterable[str] | None = None,
        subitem_column_ids: Iterable[str] | None = None,
    ) -> list[Item]:
        """The items (with column values, subitems and ``state``), 100 ids per call; unknown
        ids are left out, as monday does. ``column_ids`` and ``subitem_column_ids`` limit the
        columns read of the items and of their subitems (None: every column); monday computes
        formula columns for at most 5 of them a request."""
        if isinstance(ids, int | str):
            ids = [ids]
        unique = list(dict.fromkeys(str(item_id) for item_id in ids))
        columns = _columns(column_ids=column_ids, subitem_column_ids=subitem_column_ids)
        items: list[Item] = []
        for start in range(0, len(unique), queries.ITEMS_PER_CALL):
            chunk = unique[start : start + queries.ITEMS_PER_CALL]
            variables = {"ids": chunk, "limit": len(chunk), **columns}
            data = self.execute(queries.GET_ITEMS, variables)
            items.extend(parse_item(raw) for raw in data.get("items") or [] if raw)
        return items

    def iter_board_items(
        self,
        board_id: int | str,
        *,
        limit: int = 500,
        column_ids: Iterable[str] | None = None,
        with_subitems: bool = True,
    ) -> Iterator[Item]:
        """Every item of a board with its ``state``, ``limit`` per call, following cursors
        until monday's last page. ``column_ids`` limits the columns read (None: every column,
        of the subitems too); ``with_subitems=False`` leaves subitems out. Cursors expire
        after 60 minutes: consume the iterator without long pauses."""
        if not 1 <= limit <= queries.MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {queries.MAX_PAGE_SIZE}, not {limit}")
        first, following = (
            (queries.BOARD_ITEMS_PAGE, queries.NEXT_ITEMS_PAGE)
            if with_subitems
            else (queries.BOARD_ITEM_ROWS_PAGE, queries.NEXT_ITEM_ROWS_PAGE)
        )
        columns = _columns(column_ids=column_ids)
        data = self.execute(first, {"board_id": str(board_id), "limit": limit, **columns})
        page = self._board(data, board_id)["items_page"]
        while True:
            yield from (parse_item(raw) for raw in page.get("items") or [] if raw)
            cursor = page.get("cursor")
            if not cursor:
                return
            data = self.execute(following, {"cursor": cursor, "limit": limit, **columns})
            page = _result(data, "next_items_page", "the next page is missing", "items")

    def me(self) -> Me:
        """The token's user and account; ``MondayEmptyAnswer`` when monday answers null."""
        data = self.execute(queries.ME)
        return parse_me(_result(data, "me", "the token's user"))

    def get_board_columns(self, board_id: int | str) -> list[Column]:
        data = self.execute(queries.BOARD_COLUMNS, {"board_id": str(board_id)})
        return [parse_column(raw) for raw in self._board(data, board_id).get("columns") or []]

    def list_boards(self, *, page_size: int = 100, max_pages: int = 10) -> list[BoardSummary]:
        """The account's active boards (``id``, ``name``), read ``page_size`` at a time until
        a short page, at most ``max_pages`` pages (a picker needs no more)."""
        found: list[BoardSummary] = []
        for page in range(1, max_pages + 1):
            data = self.execute(queries.BOARDS, {"limit": page_size, "page": page})
            boards = [board for board in data.get("boards") or [] if board]
            found.extend(parse_board_summary(board) for board in boards)
            if len(boards) < page_size:
                break
        return found

    @staticmethod
    def _board(data: dict[str, Any], board_id: int | str) -> dict[str, Any]:
        boards = [board for board in data.get("boards") or [] if board]
        if not boards:
            raise MondayNotFound(f"board {board_id} is not among the boards monday returned")
        return boards[0]

    # -- writes --------------------------------------------------------------------------

    def change_column_value(
        self,
        board_id: int | str,
        item_id: int | str,
        column_id: str,
        value: Mapping[str, Any] | list[Any] | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Set one column. A dict is the column's JSON value (``{"label": "Done"}``,
        ``{"date": "2026-01-31"}``); a str is its simple text form (``"Done"``, ``"Hello"``),
        sent with ``change_simple_column_value``."""
        target = {"board_id": str(board_id), "item_id": str(item_id), "column_id": column_id}
        if isinstance(value, str):
            field, query = "change_simple_column_value", queries.CHANGE_SIMPLE_COLUMN_VALUE
            variables = {**target, "value": value}
        else:
            field, query = "change_column_value", queries.CHANGE_COLUMN_VALUE
            variables = {**target, "value": json.dumps(value)}
        data = self.execute(query, variables, idempotency_key=idempotency_key)
        _result(data, field, f"column {column_id!r} of item {item_id} may not have changed")

    def set_status(
        self,
        board_id: int | str,
        item_id: int | str,
        column_id: str,
        label: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        value = {"label": label}
        self.change_column_value(
            board_id, item_id, column_id, value, idempotency_key=idempotency_key
        )

    def change_multiple_column_values(
        self,
        board_id: int | str,
        item_id: int | str,
        values: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> None:
        variables = {
            "board_id": str(board_id),
            "item_id": str(item_id),
            "column_values": json.dumps(dict(values)),
        }
        data = self.execute(
            queries.CHANGE_MULTIPLE_COLUMN_VALUES, variables, idempotency_key=idempotency_key
        )
        what = f"the columns of item {item_id} may not have changed"
        _result(data, "change_multiple_column_values", what)

    def clear_file_column(
        self,
        board_id: int | str,
        item_id: int | str,
        column_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        value = {"clear_all": True}
        self.change_column_value(
            board_id, item_id, column_id, value, idempotency_key=idempotency_key
        )

    def create_update(
        self, item_id: int | str, body: str, *, idempotency_key: str | None = None
    ) -> str:
        """Post an update (a comment) on the item; returns the update's id."""
        variables = {"item_id": str(item_id), "body": body}
        data = self.execute(queries.CREATE_UPDATE, variables, idempotency_key=idempotency_key)
        what = f"the update on item {item_id} may not have been posted"
        return str(_result(data, "create_update", what)["id"])

    def upload_file_to_column(
        self,
        item_id: int | str,
        column_id: str,
        filename: str,
        content: bytes,
        content_type: str = "application/pdf",
        *,
        idempotency_key: str | None = None,
    ) -> Asset:
        """Add a file to a file column through monday's file endpoint (``/v2/file``), as monday's
        JS SDK sends it (``middleware/file-upload.ts``; the GraphQL multipart request form):
        parts ``query``, ``variables`` (JSON, the file variable null), ``map`` =
        ``{"0": ["variables.file"]}``, then the file in part ``0``."""
        variables = {"item_id": str(item_id), "column_id": column_id, "file": None}
        form = {
            "query": queries.ADD_FILE_TO_COLUMN,
            "variables": json.dumps(variables),
            "map": json.dumps({"0": ["variables.file"]}),
        }
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        files = {"0": (filename, content, content_type)}
        data = self._post("AddFileToColumn", self.file_url, headers=headers, data=form, files=files)
        what = f"{filename!r} may not have been added to item {item_id}"
        return parse_asset(_result(data, "add_file_to_column", what))

    def create_webhook(
        self,
        board_id: int | str,
        url: str,
        event: str = "change_status_column_value",
        config: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> str:
        """Subscribe ``url`` to a board's events; returns the webhook id. monday first POSTs
        a challenge to ``url``, which must answer it before this call returns."""
        variables = {
            "board_id": str(board_id),
            "url": url,
            "event": event,
            "config": json.dumps(dict(config)) if config is not None else None,
        }
        data = self.execute(queries.CREATE_WEBHOOK, variables, idempotency_key=idempotency_key)
        what = f"no webhook was created for board {board_id}"
        return str(_result(data, "create_webhook", what)["id"])

    def delete_webhook(self, webhook_id: int | str, *, idempotency_key: str | None = None) -> None:
        """Remove a webhook (monday's ``delete_webhook``)."""
        variables = {"id": str(webhook_id)}
        data = self.execute(queries.DELETE_WEBHOOK, variables, idempotency_key=idempotency_key)
        _result(data, "delete_webhook", f"webhook {webhook_id} may not have been deleted")
