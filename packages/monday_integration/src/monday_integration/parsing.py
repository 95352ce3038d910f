"""Small frozen records for what monday returns, and the functions that build them.

monday sends some JSON-typed fields (a column value's ``value``, the deprecated
``settings_str``) as JSON encoded in a string and others (a column's ``settings``) as JSON;
both are decoded here once, so callers get dicts (or None).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from monday_integration.labels import same_label


@dataclass(frozen=True)
class ColumnValue:
    id: str
    type: str
    text: str | None  # what a person sees; "" for an empty column
    value: Any  # monday's raw value, decoded; None for empty, mirror, formula columns...
    title: str | None = None
    label: str | None = None  # status columns only
    index: int | None = None  # status columns only
    # What monday computes for mirror, connect-boards, formula and dependency columns, whose
    # ``text`` is empty (API 2023-10 on) and ``value`` null.
    display_value: str | None = None
    number: float | None = None  # numbers columns: the typed value

    @property
    def shown_text(self) -> str:
        """What a person sees in the column: ``text``, else ``display_value``, else ""."""
        return self.text or self.display_value or ""


@dataclass(frozen=True)
class Me:
    """The API token's user (``me``): ``user_id`` is the ``userId`` its changes carry."""

    user_id: str
    name: str
    account_id: str
    account_slug: str


@dataclass(frozen=True)
class BoardSummary:
    """A board as the board picker lists it (``boards { id name }``)."""

    id: str
    name: str


def parse_board_summary(raw: dict[str, Any]) -> BoardSummary:
    return BoardSummary(id=str(raw["id"]), name=str(raw.get("name") or ""))


def parse_me(data: dict[str, Any]) -> Me:
    account = data.get("account") or {}
    return Me(
        user_id=str(data["id"]),
        name=str(data.get("name") or ""),
        account_id=str(account.get("id") or ""),
        account_slug=str(account.get("slug") or ""),
    )


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    board_id: str | None = None
    group_id: str | None = None
    column_values: dict[str, ColumnValue] = field(default_factory=dict)
    subitems: list[Item] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)  # read by ``get_items`` only
    update_texts: list[str] = field(default_factory=list)  # the latest 25, ``get_items`` only
    # ``active``, ``archived`` or ``deleted`` (``get_items`` only; monday's ``State`` enum):
    # ``items(ids: ...)`` returns archived and deleted items too.
    state: str | None = None

    @property
    def is_active(self) -> bool:
        """Not archived or deleted (an item read without its ``state`` counts as active)."""
        return self.state in (None, "active")

    def text(self, column_id: str, default: str = "") -> str:
        column = self.column_values.get(column_id)
        return (column.text or default) if column else default

    def status(self, column_id: str) -> str | None:
        """The label a status column shows, or None."""
        column = self.column_values.get(column_id)
        return column.label if column else None


@dataclass(frozen=True)
class Column:
    id: str
    title: str
    type: str
    settings: dict[str, Any] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # status columns: index -> label

    def label_index(self, label: str) -> int | None:
        """The index of a status label (``labels.same_label``), or None when the column lacks
        it."""
        return next((i for i, text in self.labels.items() if same_label(text, label)), None)


@dataclass(frozen=True)
class Asset:
    id: str
    name: str
    url: str
    public_url: str


def decode_json(raw: Any) -> Any:
    """A JSON-typed field as Python: strings are decoded, anything else is already decoded."""
    if not isinstance(raw, str):
        return raw
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def text_of(value: Any) -> str | None:
    """Text as monday sent it, less NUL characters: monday's text columns accept them, and
    PostgreSQL's text and jsonb refuse them where SQLite stores them (one rule for both)."""
    return None if value is None else str(value).replace("\x00", "")


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


def _nested_id(record: dict[str, Any], key: str) -> str | None:
    nested = record.get(key)
    return _id(nested.get("id")) if isinstance(nested, dict) else None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def parse_column_value(raw: dict[str, Any]) -> ColumnValue:
    """One entry of ``column_values``: the common fields and, where the value type has them
    (``StatusValue``, ``NumbersValue``, ``MirrorValue``, ``BoardRelationValue``,
    ``DependencyValue``, ``FormulaValue``; monday's API reference, "Column types"), its own."""
    column = raw.get("column") or {}
    index = raw.get("index")
    return ColumnValue(
        id=str(raw["id"]),
        type=str(raw.get("type") or ""),
        text=text_of(raw.get("text")),
        value=decode_json(raw.get("value")),
        title=text_of(column.get("title")),
        label=text_of(raw.get("label")),
        index=int(index) if index is not None else None,
        display_value=text_of(raw.get("display_value")),
        number=_float(raw.get("number")),
    )


def parse_item(raw: dict[str, Any]) -> Item:
    """An item as ``items``/``items_page`` return it (``state`` when it was asked for)."""
    values = [parse_column_value(value) for value in raw.get("column_values") or [] if value]
    state = raw.get("state")
    return Item(
        id=str(raw["id"]),
        name=text_of(raw.get("name")) or "",
        state=str(state) if state is not None else None,
        board_id=_nested_id(raw, "board"),
        group_id=_nested_id(raw, "group"),
        column_values={value.id: value for value in values},
        subitems=[parse_item(sub) for sub in raw.get("subitems") or [] if sub],
        assets=[parse_asset(asset) for asset in raw.get("assets") or [] if asset],
        update_texts=[
            text_of(update.get("text_body")) or "" for update in raw.get("updates") or [] if update
        ],
    )


def status_labels(settings: dict[str, Any]) -> dict[int, str]:
    """A status column's labels, id -> text, from its settings in either shape monday has used:
    ``settings_str``'s ``{"labels": {"1": "Done"}}`` and, from API 2025-10, ``settings``'
    ``{"labels": [{"id": 1, "label": "Done", "index": 2, "color": 1, "is_done": true,
    "is_deactivated": false}, ...]}`` (monday's changelog, "Deprecating settings_str field on
    columns"; ``StatusLabel`` in the published schema). There ``id`` is what a status value's
    ``index`` refers to and ``index`` the label's position, so ``id`` wins; a deactivated label
    is left out (it can no longer be set)."""
    labels = settings.get("labels")
    if isinstance(labels, dict):
        pairs = [
            (key, label.get("label", label.get("name")) if isinstance(label, dict) else label)
            for key, label in labels.items()
        ]
    elif isinstance(labels, list):
        pairs = [
            (entry.get("id", entry.get("index")), entry.get("label", entry.get("name")))
            for entry in labels
            if isinstance(entry, dict) and not entry.get("is_deactivated")
        ]
    else:
        return {}
    result = {}
    for key, label in pairs:
        if label is None:
            continue
        try:
            result[int(key)] = str(label)
        except (TypeError, ValueError):
            continue
    return dict(sorted(result.items()))


def parse_column(raw: dict[str, Any]) -> Column:
    """A column as ``columns { id title type settings }`` returns it (``settings_str``, the
    deprecated string form, is still read when ``settings`` is absent)."""
    settings = decode_json(raw.get("settings"))
    if settings is None:
        settings = decode_json(raw.get("settings_str"))
    settings = settings if isinstance(settings, dict) else {}
    return Column(
        id=str(raw["id"]),
        title=str(raw.get("title") or ""),
        type=str(raw.get("type") or ""),
        settings=settings,
        labels=status_labels(settings),
    )


def parse_asset(raw: dict[str, Any]) -> Asset:
    return Asset(
        id=str(raw["id"]),
        name=text_of(raw.get("name")) or "",
        url=str(raw.get("url") or ""),
        public_url=str(raw.get("public_url") or ""),
    )
