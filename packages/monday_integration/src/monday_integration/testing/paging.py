"""``items_page`` / ``next_items_page``: opaque cursors over a board's items.

A cursor remembers the matching item ids when the first page was read, so later pages are
stable; it expires after ``ttl`` seconds (monday: 60 minutes). ``query_params`` supports the
common rules: ``any_of``, ``not_any_of``, ``is_empty``, ``is_not_empty``, ``contains_text``,
and ``ids``.

Archived and deleted items are paged too, each with its ``state``. Unconfirmed: monday's
``items_page`` reference and its ``ItemsQuery`` (published schema) say nothing about archived
or deleted items (only ``items(ids)`` documents ``exclude_nonactive``), so the fake answers
the case a client must survive, and a client reads ``state`` to skip them.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from monday_integration.testing.errors import MondayApiError, invalid_argument
from monday_integration.testing.records import Board, Item
from monday_integration.testing.state import State

MAX_PAGE = 500


@dataclass
class _Cursor:
    ids: list[int]
    offset: int
    expires: float


class Pager:
    def __init__(self, state: State, ttl: float = 3600.0) -> None:
        self.state = state
        self.ttl = ttl
        self._cursors: dict[str, _Cursor] = {}
        self._lock = threading.Lock()

    def first_page(
        self, board: Board, limit: int, query_params: dict[str, Any] | None
    ) -> tuple[list[Item], str | None]:
        _check_limit(limit)
        with self.state.lock:
            ids = [
                item_id
                for item_id in board.item_ids
                if item_id in self.state.items
                and matches(self.state, board, self.state.items[item_id], query_params)
            ]
        return self._page(_Cursor(ids, 0, time.monotonic() + self.ttl), limit)

    def next_page(self, cursor: str, limit: int) -> tuple[list[Item], str | None]:
        _check_limit(limit)
        with self._lock:
            state = self._cursors.get(cursor)
        if state is None or state.expires < time.monotonic():
            raise MondayApiError(
                "The cursor is invalid or expired (cursors are valid for 60 minutes)",
                "CursorException",
                status_code=200,
                error_data={"cursor": cursor},
            )
        return self._page(state, limit)

    def _page(self, cursor: _Cursor, limit: int) -> tuple[list[Item], str | None]:
        """One page from ``cursor``; cursors are immutable, so a retried request may reuse one."""
        chunk = cursor.ids[cursor.offset : cursor.offset + limit]
        with self.state.lock:
            items = [self.state.items[i] for i in chunk if i in self.state.items]
        offset = cursor.offset + len(chunk)
        if offset >= len(cursor.ids):
            return items, None
        token = f"MSw{secrets.token_urlsafe(36)}"
        with self._lock:
            self._cursors[token] = _Cursor(cursor.ids, offset, cursor.expires)
        return items, token


def _check_limit(limit: int) -> None:
    if limit is None or limit < 1 or limit > MAX_PAGE:
        raise invalid_argument(f"limit must be between 1 and {MAX_PAGE}, got {limit}", limit=limit)


def matches(state: State, board: Board, item: Item, params: dict[str, Any] | None) -> bool:
    if not params:
        return True
    if "ids" in params and str(item.id) not in {str(i) for i in params["ids"]}:
        return False
    rules = params.get("rules") or []
    if not rules:
        return True
    results = [_rule(state, board, item, rule) for rule in rules]
    return any(results) if str(params.get("operator", "and")).lower() == "or" else all(results)


def _rule(state: State, board: Board, item: Item, rule: dict[str, Any]) -> bool:
    column = board.columns.get(rule.get("column_id", ""))
    if column is None:
        raise invalid_argument(f"Column {rule.get('column_id')!r} not found in query_params")
    operator = rule.get("operator", "any_of")
    wanted = rule.get("compare_value", [])
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if column.type == "name":
        candidates = {item.name}
    else:
        cell = state.cells(item, [column.id])[0]
        candidates = {cell.text} if cell.text else set()
        if cell.index is not None:
            candidates |= {cell.index, str(cell.index)}
    if operator == "any_of":
        return bool(candidates & set(wanted))
    if operator == "not_any_of":
        return not candidates & set(wanted)
    if operator == "is_empty":
        return not candidates
    if operator == "is_not_empty":
        return bool(candidates)
    if operator == "contains_text":
        return any(str(w).lower() in str(c).lower() for w in wanted for c in candidates)
    raise invalid_argument(f"Unsupported query_params operator {operator!r}")
