"""Changes to items and boards beyond column values, each announced as monday announces it:
archive, delete and restore an item (``archive_pulse``, ``delete_pulse``, ``restore_pulse``),
move it to another group (``move_pulse_into_group``), move a subitem to another parent
(``move_subitem``), add a group, and create a column (``create_column``).

A mixin of :class:`~monday_integration.testing.state.State`: every change runs under its lock
and emits its events after the lock is released. An archived or deleted item stays readable
through the API, as on monday (``items(ids)`` returns them unless ``exclude_nonactive``).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from monday_integration.testing import errors
from monday_integration.testing.columns import Column, make_column
from monday_integration.testing.records import Board, Group, Item
from monday_integration.testing.views import Event

if TYPE_CHECKING:
    import threading


class Lifecycle:
    if TYPE_CHECKING:
        lock: threading.RLock
        boards: dict[int, Board]
        items: dict[int, Item]
        item_states: dict[int, str]

        def item(self, item_id: object) -> Item: ...
        def board(self, board_id: object) -> Board: ...
        def _subitems_board(self, board: Board, columns: Any = ()) -> Board: ...
        def _emit(self, events: list[Event]) -> None: ...

    def item_state(self, item_id: object) -> str:
        """``active``, ``archived`` or ``deleted`` (monday's ``Item.state``)."""
        with self.lock:
            return self.item_states.get(self.item(item_id).id, "active")

    def archive_item(self, item_id: object, *, user_id: int = 0) -> Item:
        return self._set_state(item_id, "archived", "archive", user_id)

    def delete_item(self, item_id: object, *, user_id: int = 0) -> Item:
        return self._set_state(item_id, "deleted", "delete", user_id)

    def restore_item(self, item_id: object, *, user_id: int = 0) -> Item:
        return self._set_state(item_id, "active", "restore", user_id)

    def _set_state(self, item_id: object, state: str, kind: str, user_id: int) -> Item:
        with self.lock:
            item = self.item(item_id)
            current = self.item_states.get(item.id, "active")
            if (state == "active") == (current == "active"):
                raise errors.invalid_argument(f"Item is {current}", item_id=str(item.id))
            self.item_states[item.id] = state
            events = [self.item_event(kind, item, user_id)]
        self._emit(events)
        return item

    def add_group(self, board_id: object, group_id: str, title: str) -> Group:
        with self.lock:
            board = self.board(board_id)
            group = Group(group_id, title)
            board.groups.append(group)
            return group

    def move_item_to_group(self, item_id: object, group_id: str, *, user_id: int = 0) -> Item:
        with self.lock:
            item = self.item(item_id)
            if group_id not in {g.id for g in self.boards[item.board_id].groups}:
                raise errors.invalid_argument(f"Group {group_id!r} not found", group_id=group_id)
            source, item.group_id = item.group_id, group_id
            moved = {"sourceGroupId": source, "destGroupId": group_id}
            events = [self.item_event("move_group", item, user_id, moved)]
        self._emit(events)
        return item

    def move_subitem(self, subitem_id: object, parent_id: object, *, user_id: int = 0) -> Item:
        """Make a subitem another item's (on the same board or another)."""
        with self.lock:
            subitem, parent = self.item(subitem_id), self.item(parent_id)
            if subitem.parent_id is None or parent.parent_id is not None:
                raise errors.invalid_argument("Only a subitem moves, under an item")
            source = self.items[subitem.parent_id]
            source.subitem_ids.remove(subitem.id)
            parent.subitem_ids.append(subitem.id)
            target = self._subitems_board(self.boards[parent.board_id])
            if target.id != subitem.board_id:
                self.boards[subitem.board_id].item_ids.remove(subitem.id)
                target.item_ids.append(subitem.id)
                subitem.board_id, subitem.group_id = target.id, target.groups[0].id
            subitem.parent_id = parent.id
            moved = {
                "sourceBoardId": source.board_id,
                "destBoardId": parent.board_id,
                "sourcePulseId": source.id,
                "destPulseId": parent.id,
                "subitem": {"id": subitem.id, "name": subitem.name, "boardId": target.id},
            }
            events = [self.item_event("move_subitem", subitem, user_id, moved)]
        self._emit(events)
        return subitem

    def create_column(self, board_id: object, spec: dict[str, Any], *, user_id: int = 0) -> Column:
        """Add a column as a user does (``add_column`` adds one silently, for setting up)."""
        with self.lock:
            board = self.board(board_id)
            if spec["id"] in board.columns:
                raise errors.invalid_argument(f"Column {spec['id']!r} exists", column_id=spec["id"])
            column = board.columns[spec["id"]] = make_column(spec)
            event = Event(
                "create_column",
                board_id=board.id,
                item_id=0,
                item_name="",
                group_id="",
                is_top_group=False,
                parent_id=None,
                parent_board_id=board.parent_board_id,
                user_id=user_id,
                at=time.time(),
                column_id=column.id,
                column_type=column.webhook_type,
                column_title=column.title,
            )
        self._emit([event])
        return column

    def item_event(self, kind: str, item: Item, user_id: int, value: Any = None) -> Event:
        """An event about ``item`` with ``value`` carrying what the kind adds."""
        board = self.boards[item.board_id]
        base = Event.build("name", item, board, user_id, None, None, None, board.parent_board_id)
        return dataclasses.replace(base, kind=kind, value=value, previous_value=None)
