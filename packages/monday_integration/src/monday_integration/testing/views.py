"""Read-only shapes the fake hands out: uploads, assets, updates, rendered cells, item views and
the change events that become webhook deliveries."""

from __future__ import annotations

import html
import json
import mimetypes
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from monday_integration.testing.columns import Column, text_of, webhook_value

if TYPE_CHECKING:
    from monday_integration.testing.records import Board, Item


@dataclass(frozen=True)
class Upload:
    """A file received in a multipart request (the value of a ``File`` variable)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Asset:
    id: int
    name: str
    data: bytes = field(repr=False)
    content_type: str
    item_id: int
    column_id: str
    created_at: str
    uploaded_by: int

    @property
    def file_size(self) -> int:
        return len(self.data)

    @property
    def file_extension(self) -> str:
        _stem, dot, ext = self.name.rpartition(".")
        return f".{ext.lower()}" if dot else ""

    def url(self, base_url: str = "") -> str:
        return f"{base_url}/files/{self.id}/{quote(self.name)}"

    def public_url(self, base_url: str = "") -> str:
        return f"{self.url(base_url)}?public=1"


def guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Update:
    id: int
    item_id: int
    body: str
    created_at: str
    creator_id: int
    parent_id: int | None = None

    @property
    def text_body(self) -> str:
        """The body without HTML, as monday's ``Update.text_body`` gives it: tags dropped and
        entities resolved (``&lt;b&gt;`` reads ``<b>``, ``&amp;`` reads ``&``)."""
        return html.unescape(_TAG.sub("", self.body))


@dataclass(frozen=True)
class Cell:
    """One rendered column value, as ``column_values`` returns it."""

    id: str
    column: Column
    text: str
    value: Any  # the stored object; ``value_json`` is what the API returns
    label: str | None = None
    index: int | None = None
    is_done: bool | None = None
    # mirror, connect boards, dependency and formula columns (``testing.computed`` fills it)
    display_value: str | None = None
    linked_ids: tuple[int, ...] = ()

    @property
    def type(self) -> str:
        return self.column.type

    @property
    def value_json(self) -> str | None:
        return None if self.value is None else json.dumps(self.value)


def render_cells(
    columns: dict[str, Column],
    values: dict[str, Any],
    ids: Iterable[str] | None,
    subitems: list[Item],
    assets: dict[int, Asset],
    base_url: str,
) -> list[Cell]:
    wanted = None if ids is None else set(ids)
    cells = []
    for column in columns.values():
        if column.type == "name" or (wanted is not None and column.id not in wanted):
            continue
        stored = values.get(column.id)
        if column.type == "subtasks":
            links = [{"linkedPulseId": s.id} for s in subitems]
            text = ", ".join(s.name for s in subitems)
            cells.append(
                Cell(column.id, column, text, {"linkedPulseIds": links} if links else None)
            )
        elif column.type == "status":
            index = None if stored is None else stored["index"]
            label = None if index is None else column.labels.get(index)
            is_done = None if index is None else index in column.done
            text = text_of(column, stored)
            cells.append(Cell(column.id, column, text, stored, label, index, is_done))
        else:
            files = stored.get("files", []) if column.type == "file" and stored else []
            urls = [assets[f["assetId"]].url(base_url) for f in files if f["assetId"] in assets]
            cells.append(Cell(column.id, column, text_of(column, stored, file_urls=urls), stored))
    return cells


@dataclass(frozen=True)
class ItemView:
    """A snapshot of one item for tests: ``fake.item(item_id)``."""

    id: int
    name: str
    board_id: int
    group_id: str
    parent_id: int | None
    cells: dict[str, Cell]
    updates: list[Update]
    files: list[Asset]
    subitems: list[ItemView]
    board_name: str = ""

    def text(self, column_id: str) -> str:
        return self.cells[column_id].text

    def value(self, column_id: str) -> Any:
        """The stored value object (what ``column_values.value`` JSON-decodes to)."""
        return self.cells[column_id].value

    def label(self, column_id: str) -> str | None:
        return self.cells[column_id].label

    @property
    def values(self) -> dict[str, Any]:
        return {column_id: cell.value for column_id, cell in self.cells.items()}


@dataclass(frozen=True)
class Event:
    """A change monday would announce: ``column`` (update_column_value), ``create``
    (create_pulse) or ``name`` (update_name)."""

    kind: str
    board_id: int
    item_id: int
    item_name: str
    group_id: str
    is_top_group: bool
    parent_id: int | None
    parent_board_id: int | None
    user_id: int
    at: float
    column_id: str | None = None
    column_type: str | None = None  # as webhooks name it: "color" for a status column
    column_title: str | None = None
    value: Any = None
    previous_value: Any = None

    @classmethod
    def build(
        cls,
        kind: str,
        item: Item,
        board: Board,
        user_id: int,
        column: Column | None,
        previous: Any,
        current: Any,
        parent_board_id: int | None,
    ) -> Event:
        common = {
            "board_id": item.board_id,
            "item_id": item.id,
            "item_name": item.name,
            "group_id": item.group_id,
            "is_top_group": bool(board.groups) and board.groups[0].id == item.group_id,
            "parent_id": item.parent_id,
            "parent_board_id": parent_board_id,
            "user_id": user_id,
            "at": time.time(),
        }
        if kind == "column" and column is not None:
            return cls(
                kind,
                column_id=column.id,
                column_type=column.webhook_type,
                column_title=column.title,
                value=webhook_value(column, current),
                previous_value=webhook_value(column, previous),
                **common,
            )
        if kind == "name":
            return cls(kind, value={"name": item.name}, previous_value={"name": previous}, **common)
        values = {
            column_id: webhook_value(board.columns[column_id], stored)
            for column_id, stored in item.values.items()
            if stored is not None and column_id in board.columns
        }
        return cls(kind, value=values, **common)
