"""The fake's mutable records: boards (with their columns and groups), items and webhook
subscriptions. Only :class:`~monday_integration.testing.state.State` changes them, under its
lock; ids are ints (monday's GraphQL API returns them as strings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monday_integration.testing.columns import Column, now_iso


@dataclass
class Group:
    id: str
    title: str


@dataclass
class Board:
    id: int
    name: str
    columns: dict[str, Column]
    groups: list[Group] = field(default_factory=lambda: [Group("topics", "Group Title")])
    item_ids: list[int] = field(default_factory=list)
    kind: str = "board"  # "board" or "sub_items_board"
    subitems_board_id: int | None = None
    parent_board_id: int | None = None


@dataclass
class Item:
    id: int
    name: str
    board_id: int
    group_id: str
    parent_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    subitem_ids: list[int] = field(default_factory=list)
    update_ids: list[int] = field(default_factory=list)
    asset_ids: list[int] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Webhook:
    id: int
    board_id: int
    url: str
    event: str
    config: dict[str, Any] | None = None
