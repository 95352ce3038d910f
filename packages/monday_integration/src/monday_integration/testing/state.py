"""The fake's data: boards, columns, items, subitems, updates, files and webhooks (archiving,
moving and creating columns are in :mod:`~monday_integration.testing.lifecycle`).

Every read and write takes one re-entrant lock. A write that monday would announce through a
webhook emits :class:`~monday_integration.testing.views.Event` objects to the listener after the
lock is released, so deliveries never run under the lock. Ids are ints here (monday's GraphQL
API returns them as strings).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from monday_integration.testing import errors
from monday_integration.testing.columns import Column, make_column, now_iso, parse_value
from monday_integration.testing.lifecycle import Lifecycle
from monday_integration.testing.records import Board, Item, Webhook
from monday_integration.testing.views import Asset, Event, ItemView, Update, Upload, render_cells


class State(Lifecycle):
    def __init__(self, listener: Callable[[Event], None] | None = None) -> None:
        self.lock = threading.RLock()
        self.listener = listener
        self.boards: dict[int, Board] = {}
        self.items: dict[int, Item] = {}
        self.updates: dict[int, Update] = {}
        self.assets: dict[int, Asset] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.item_states: dict[int, str] = {}  # archived or deleted; absent: active
        self._ids = itertools.count(1_000_000_001)

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    # -- boards ----------------------------------------------------------------------------
    def add_board(
        self,
        name: str,
        columns: Iterable[dict[str, Any]] = (),
        *,
        subitem_columns: Iterable[dict[str, Any]] | None = None,
        kind: str = "board",
    ) -> Board:
        specs = list(columns)
        if not any(spec["id"] == "name" for spec in specs):
            specs.insert(0, {"id": "name", "title": "Name", "type": "name"})
        with self.lock:
            board = Board(self.next_id(), name, {s["id"]: make_column(s) for s in specs}, kind=kind)
            self.boards[board.id] = board
            if subitem_columns is not None:
                self._subitems_board(board, subitem_columns)
            return board

    def add_column(self, board_id: int, spec: dict[str, Any]) -> Column:
        with self.lock:
            column = make_column(spec)
            self.board(board_id).columns[column.id] = column
            return column

    def board(self, board_id: object) -> Board:
        board = self.boards.get(_int(board_id))
        if board is None:
            raise errors.board_not_found(board_id)
        return board

    def _subitems_board(self, board: Board, columns: Iterable[dict[str, Any]] = ()) -> Board:
        if board.subitems_board_id is None:
            sub = self.add_board(f"Subitems of {board.name}", columns, kind="sub_items_board")
            sub.parent_board_id = board.id
            board.subitems_board_id = sub.id
            column = make_column({"id": "subitems", "title": "Subitems", "type": "subtasks"})
            # As monday's subitems column names its subitems board (what a mapping's
            # ``subitem_map`` is checked against).
            column.settings = {"allowMultipleItems": True, "boardIds": [sub.id]}
            board.columns["subitems"] = column
        return self.boards[board.subitems_board_id]

    # -- items -----------------------------------------------------------------------------
    def item(self, item_id: object) -> Item:
        item = self.items.get(_int(item_id))
        if item is None:
            raise errors.item_not_found(item_id)
        return item

    def find_item(self, item_id: object) -> Item | None:
        return self.items.get(_int(item_id))

    def add_item(
        self,
        board_id: object,
        name: str,
        values: dict[str, Any] | None = None,
        *,
        group_id: str | None = None,
        parent_id: object = None,
        user_id: int = 0,
    ) -> Item:
        with self.lock:
            board = self.board(board_id)
            if parent_id is not None:
                parent = self.item(parent_id)
                board = self._subitems_board(self.boards[parent.board_id])
            group = group_id or board.groups[0].id
            if group not in {g.id for g in board.groups}:
                raise errors.invalid_argument(f"Group {group!r} not found", group_id=group)
            stored = self._parse_all(board, values or {}, create_labels=False)
            item = Item(self.next_id(), name, board.id, group, parent_id=_int_or_none(parent_id))
            item.values.update(stored)
            self.items[item.id] = item
            board.item_ids.append(item.id)
            if item.parent_id is not None:
                self.items[item.parent_id].subitem_ids.append(item.id)
            events = [self._event("create", item, user_id)]
        self._emit(events)
        return item

    def change_values(
        self,
        item_id: object,
        changes: dict[str, Any],
        *,
        board_id: object = None,
        user_id: int = 0,
        create_labels: bool = False,
    ) -> Item:
        """Apply column changes all-or-nothing; ``name`` renames the item."""
        with self.lock:
            item = self.item(item_id)
            if board_id is not None:
                self.board(board_id)
                if item.board_id != _int(board_id):
                    raise errors.item_not_found(item_id)
            board = self.boards[item.board_id]
            changes = dict(changes)
            new_name = changes.pop("name", None)
            if new_name is not None and (not isinstance(new_name, str) or not new_name.strip()):
                raise errors.MondayApiError(
                    "Item name can't be empty",
                    "ColumnValueException",
                    error_data={"column_id": "name"},
                )
            stored = self._parse_all(board, changes, create_labels=create_labels)
            events = []
            if new_name is not None and new_name != item.name:
                old, item.name = item.name, new_name
                events.append(self._event("name", item, user_id, previous=old))
            for column_id, value in stored.items():
                previous = item.values.get(column_id)
                item.values[column_id] = value
                column = board.columns[column_id]
                events.append(self._event("column", item, user_id, column, previous, value))
            item.updated_at = now_iso()
        self._emit(events)
        return item

    def _parse_all(self, board: Board, values: dict[str, Any], *, create_labels: bool) -> dict:
        stored = {}
        for column_id, raw in values.items():
            column = board.columns.get(column_id)
            if column is None:
                raise errors.column_not_found(column_id)
            stored[column_id] = parse_value(column, raw, create_labels=create_labels)
        return stored

    # -- updates and files -----------------------------------------------------------------
    def add_update(
        self, item_id: object, body: str, *, user_id: int = 0, parent_id: object = None
    ) -> Update:
        with self.lock:
            item = self.item(item_id)
            update = Update(
                self.next_id(), item.id, body, now_iso(), user_id, _int_or_none(parent_id)
            )
            self.updates[update.id] = update
            events = []
            if update.parent_id is None:
                item.update_ids.insert(0, update.id)  # newest first, as monday lists them
                posted = {"updateId": update.id, "body": body, "textBody": update.text_body}
                events.append(self.item_event("update", item, user_id, posted))
        self._emit(events)
        return update

    def add_file(
        self, item_id: object, column_id: str, upload: Upload, *, user_id: int = 0
    ) -> Asset:
        with self.lock:
            item = self.item(item_id)
            board = self.boards[item.board_id]
            column = board.columns.get(column_id)
            if column is None:
                raise errors.column_not_found(column_id)
            if column.type != "file":
                raise errors.MondayApiError(
                    "Column is not a file column",
                    "ColumnValueException",
                    error_data={"column_type": column.webhook_type, "column_id": column_id},
                )
            asset = Asset(
                self.next_id(),
                upload.filename,
                upload.data,
                upload.content_type,
                item.id,
                column_id,
                now_iso(),
                user_id,
            )
            self.assets[asset.id] = asset
            item.asset_ids.append(asset.id)
            previous = item.values.get(column_id)
            files = list((previous or {}).get("files", []))
            files.append(
                {
                    "name": asset.name,
                    "assetId": asset.id,
                    "isImage": str(asset.content_type.startswith("image/")).lower(),
                    "fileType": "ASSET",
                    "createdAt": int(time.time() * 1000),
                    "createdBy": str(user_id),
                }
            )
            item.values[column_id] = {"files": files}
            item.updated_at = now_iso()
            events = [self._event("column", item, user_id, column, previous, {"files": files})]
        self._emit(events)
        return asset

    # -- webhooks --------------------------------------------------------------------------
    def add_webhook(self, board_id: object, url: str, event: str, config: dict | None) -> Webhook:
        with self.lock:
            board = self.board(board_id)
            hook = Webhook(self.next_id(), board.id, url, event, config)
            self.webhooks[hook.id] = hook
            return hook

    def delete_webhook(self, webhook_id: object) -> Webhook:
        with self.lock:
            hook = self.webhooks.pop(_int(webhook_id), None)
            if hook is None:
                raise errors.MondayApiError(
                    "Webhook not found",
                    "ResourceNotFoundException",
                    status_code=404,
                    error_data={"webhook_id": str(webhook_id)},
                )
            return hook

    # -- reading ---------------------------------------------------------------------------
    def view(self, item_id: object) -> ItemView:
        with self.lock:
            item = self.item(item_id)
            board = self.boards[item.board_id]
            return ItemView(
                id=item.id,
                name=item.name,
                board_id=item.board_id,
                group_id=item.group_id,
                parent_id=item.parent_id,
                cells={cell.id: cell for cell in self.cells(item)},
                updates=[self.updates[u] for u in item.update_ids],
                files=[self.assets[a] for a in item.asset_ids],
                subitems=[self.view(s) for s in item.subitem_ids if s in self.items],
                board_name=board.name,
            )

    def cells(self, item: Item, ids: Iterable[str] | None = None, base_url: str = "") -> list:
        with self.lock:
            board = self.boards[item.board_id]
            subitems = [self.items[s] for s in item.subitem_ids if s in self.items]
            return render_cells(board.columns, item.values, ids, subitems, self.assets, base_url)

    # -- events ----------------------------------------------------------------------------
    def _event(
        self,
        kind: str,
        item: Item,
        user_id: int,
        column: Column | None = None,
        previous: Any = None,
        current: Any = None,
    ) -> Event:
        board = self.boards[item.board_id]
        return Event.build(
            kind, item, board, user_id, column, previous, current, board.parent_board_id
        )

    def _emit(self, events: list[Event]) -> None:
        if self.listener is not None:
            for event in events:
                self.listener(event)


def _int(value: object) -> int:
    text = str(value).strip()
    return int(text) if text.isdigit() else -1


def _int_or_none(value: object) -> int | None:
    return None if value is None else _int(value)
