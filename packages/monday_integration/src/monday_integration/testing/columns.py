"""Column types: how an input value is validated and stored, and how it reads back.

A stored value is exactly the object monday returns (JSON-encoded) in ``column_values.value``:
text ``"hello"``, numbers ``"42"``, status ``{"index": 3, "post_id": null, "changed_at": ...}``,
email ``{"email", "text"}``, phone ``{"phone", "countryShortName"}``, date ``{"date"}``,
long_text ``{"text"}``, file ``{"files": [...]}``, connect boards and dependency
``{"linkedPulseIds": [{"linkedPulseId": 1}]}``; ``None`` is an empty column. Mirror and formula
columns store nothing: monday computes them (``testing.computed``), and since API 2023-10
answers ``text`` "" and ``value`` null for them and for connect boards and dependency columns,
with what a person sees in ``display_value``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from monday_integration.testing.errors import MondayApiError

TYPES = {"name", "text", "email", "phone", "numbers", "status", "date", "file", "long_text"}
LINKS = {"board_relation", "dependency"}  # set with {"item_ids": [...]}
COMPUTED = {"mirror", "formula"}  # read-only: monday computes them
TYPES |= LINKS | COMPUTED
TYPE_ALIASES = {"color": "status", "number": "numbers", "connect_boards": "board_relation"}
READ_ONLY = {"name", "subtasks"} | COMPUTED
# The kinds whose ``text`` is "" and ``value`` null since API 2023-10 (``display_value`` instead).
DISPLAYED = LINKS | COMPUTED
# Setup spec keys a column keeps: mirror {"relation": <connect column id>, "mirrored":
# <column id on the linked board>}, formula {"formula": "{numbers_a} * {numbers_b}"},
# connect boards {"board_ids": [...]}.
SETTINGS_KEYS = ("relation", "mirrored", "formula", "board_ids")
# Kinds whose settings are returned as stored; a subitems column's are monday's own shape,
# ``{"boardIds": [<subitems board id>], ...}`` (set by ``State._subitems_board``).
SETTLED = DISPLAYED | {"subtasks"}

# monday's default label palette, cycled by index.
_STYLES = [
    ("#fdab3d", "#e99729", "orange"),
    ("#00c875", "#00b461", "green-shadow"),
    ("#df2f4a", "#ce3048", "red-shadow"),
    ("#579bfc", "#4387e8", "bright-blue"),
    ("#a25ddc", "#9238af", "purple"),
    ("#c4c4c4", "#b0b0b0", "grey"),
    ("#037f4c", "#006e3f", "grass_green"),
    ("#ffcb00", "#c29e11", "egg_yolk"),
    ("#ff642e", "#e8572a", "dark-orange"),
    ("#ff158a", "#e01279", "dark-pink"),
]
_PHONE = re.compile(r"\+?[0-9 ()./-]{3,}")


@dataclass
class Column:
    id: str
    title: str
    type: str
    labels: dict[int, str] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)
    settings: dict[str, Any] = field(default_factory=dict)  # mirror, formula, connect boards

    @property
    def webhook_type(self) -> str:
        """The type monday names in webhook payloads (a status column is ``color``)."""
        return "color" if self.type == "status" else self.type

    def settings_json(self) -> dict[str, Any]:
        """``Column.settings`` (JSON, API 2025-10 on) as monday's changelog shows it ("Deprecating
        settings_str field on columns"): a status column's labels as a list of ``{"id", "label",
        "color", "index", "is_done", "is_deactivated"}``, ``id`` being what a status value's
        ``index`` names and ``index`` the label's position."""
        if self.type in SETTLED:  # the fake's own keys; monday's settings differ per kind
            return dict(self.settings)
        if self.type != "status":
            return {}
        return {
            "labels": [
                {
                    "id": i,
                    "label": text,
                    "color": i % len(_STYLES),
                    "index": position,
                    "is_done": i in self.done,
                    "is_deactivated": False,
                }
                for position, (i, text) in enumerate(sorted(self.labels.items()))
            ]
        }

    def settings_str(self) -> str:
        """The deprecated ``settings_str``: the older shape, encoded as a string."""
        if self.type in SETTLED:  # the fake's own keys; monday's settings differ per kind
            return json.dumps(self.settings)
        if self.type != "status":
            return "{}"
        return json.dumps(
            {
                "labels": {str(i): text for i, text in sorted(self.labels.items())},
                "labels_colors": {
                    str(i): {"color": s["color"], "border": s["border"], "var_name": s["var_name"]}
                    for i, s in ((i, style(i)) for i in sorted(self.labels))
                },
                "done_colors": sorted(self.done),
            }
        )

    def label_index(self, label: str) -> int | None:
        for index, text in self.labels.items():
            if text == label:
                return index
        return None


def make_column(spec: dict[str, Any]) -> Column:
    """A column from a setup spec ``{"id", "title", "type", "labels"?, "done_labels"?}``."""
    kind = TYPE_ALIASES.get(spec["type"], spec["type"])
    if kind not in TYPES | READ_ONLY:
        raise ValueError(f"unsupported column type {spec['type']!r}")
    column = Column(id=spec["id"], title=spec.get("title", spec["id"]), type=kind)
    column.settings = {key: spec[key] for key in SETTINGS_KEYS if key in spec}
    if kind == "status":
        labels = spec.get("labels") or ["Working on it", "Done", "Stuck"]
        if isinstance(labels, dict):
            column.labels = {int(i): str(text) for i, text in labels.items()}
        else:
            column.labels = dict(enumerate(labels))
        done = spec.get("done_labels")
        if done is not None:
            column.done = {i for i, text in column.labels.items() if text in done}
        else:  # monday's default: the "Done" label, else index 1
            column.done = {i for i, text in column.labels.items() if text == "Done"} or (
                {1} if 1 in column.labels else set()
            )
    return column


def style(index: int) -> dict[str, str]:
    color, border, var_name = _STYLES[index % len(_STYLES)]
    return {"color": color, "border": border, "var_name": var_name}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _invalid(column: Column, message: str, value: Any) -> MondayApiError:
    return MondayApiError(
        f"invalid value - {message}. Please check our API documentation for the correct data "
        "structure for this column. https://developer.monday.com/api-reference/docs/change-column-values",
        "ColumnValueException",
        status_code=200,
        error_data={
            "column_type": column.webhook_type,
            "column_id": column.id,
            "column_value": value,
        },
    )


def parse_value(column: Column, raw: Any, *, create_labels: bool = False) -> Any:
    """Validate an input (a decoded JSON value or a simple string) and return the stored value.

    May add a status label when ``create_labels`` is true (so it mutates ``column``).
    """
    if column.type in READ_ONLY:
        raise _invalid(column, f"the {column.type} column can't be changed this way", raw)
    if column.type == "file":
        if isinstance(raw, dict) and raw.get("clear_all") is True:
            return None
        raise _invalid(column, "files are added with add_file_to_column; clear with clear_all", raw)
    if raw is None or raw == "" or raw == {}:
        return None
    parser = _PARSERS[column.type]
    return parser(column, raw, create_labels)


def _text(column: Column, raw: Any, _: bool) -> Any:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    if not isinstance(raw, str):
        raise _invalid(column, "a text column takes a string", raw)
    return raw


def _long_text(column: Column, raw: Any, _: bool) -> Any:
    text = raw.get("text") if isinstance(raw, dict) else raw
    if not isinstance(text, str):
        raise _invalid(column, 'a long text column takes {"text": "..."}', raw)
    return {"text": text, "changed_at": now_iso()}


def _numbers(column: Column, raw: Any, _: bool) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise _invalid(column, "a numbers column takes a number", raw)
    text = raw.strip() if isinstance(raw, str) else repr(raw)
    try:
        number = float(text)
    except ValueError:
        raise _invalid(column, "a numbers column takes a number", raw) from None
    if isinstance(raw, float) and number.is_integer():
        text = str(int(number))
    return text


def _email(column: Column, raw: Any, _: bool) -> Any:
    if isinstance(raw, str):
        email, _sep, text = raw.strip().partition(" ")
        raw = {"email": email, "text": text or email}
    if not isinstance(raw, dict) or "@" not in str(raw.get("email", "")):
        raise _invalid(column, 'an email column takes {"email": "...", "text": "..."}', raw)
    return {"email": raw["email"], "text": raw.get("text") or raw["email"], "changed_at": now_iso()}


def _phone(column: Column, raw: Any, _: bool) -> Any:
    if isinstance(raw, str):  # simple form: "+12025550143 US"
        phone, _sep, country = raw.strip().rpartition(" ")
        if not (len(country) == 2 and country.isalpha()):
            phone, country = raw.strip(), ""
        raw = {"phone": phone, "countryShortName": country.upper()}
    if not isinstance(raw, dict) or not _PHONE.fullmatch(str(raw.get("phone", ""))):
        raise _invalid(
            column, 'a phone column takes {"phone": "...", "countryShortName": "US"}', raw
        )
    return {
        "phone": raw["phone"],
        "countryShortName": raw.get("countryShortName") or "",
        "changed_at": now_iso(),
    }


def _date(column: Column, raw: Any, _: bool) -> Any:
    if isinstance(raw, str):
        day, _sep, time = raw.strip().partition(" ")
        raw = {"date": day, "time": time or None}
    if not isinstance(raw, dict):
        raise _invalid(column, 'a date column takes {"date": "YYYY-MM-DD"}', raw)
    try:
        dt.date.fromisoformat(str(raw.get("date")))
        if raw.get("time"):
            dt.time.fromisoformat(str(raw["time"]))
    except ValueError:
        raise _invalid(column, 'a date column takes {"date": "YYYY-MM-DD"}', raw) from None
    stored = {"date": raw["date"], "icon": None, "changed_at": now_iso()}
    if raw.get("time"):
        stored["time"] = raw["time"]
    return stored


def _links(column: Column, raw: Any, _: bool) -> Any:
    """Connect boards and dependency: ``{"item_ids": [1, 2]}`` (monday's documented form)."""
    ids = raw.get("item_ids") if isinstance(raw, dict) else None
    if not isinstance(ids, list) or not all(str(i).strip().isdigit() for i in ids):
        raise _invalid(column, 'this column takes {"item_ids": [...]}', raw)
    if not ids:
        return None
    return {"linkedPulseIds": [{"linkedPulseId": int(i)} for i in dict.fromkeys(ids)]}


def _status(column: Column, raw: Any, create_labels: bool) -> Any:
    if isinstance(raw, str):
        raw = {"label": raw}
    if not isinstance(raw, dict) or not ({"label", "index"} & raw.keys()):
        raise _invalid(column, 'a status column takes {"label": "..."} or {"index": N}', raw)
    if "index" in raw:
        index = raw["index"]
        if not isinstance(index, int) or index not in column.labels:
            raise _invalid(column, "label index does not exist in column", raw)
    else:
        index = column.label_index(str(raw["label"]))
        if index is None:
            if not create_labels:
                raise _invalid(column, "label does not exist in column", raw)
            index = next(i for i in range(len(column.labels) + 1) if i not in column.labels)
            column.labels[index] = str(raw["label"])
    return {"index": index, "post_id": None, "changed_at": now_iso()}


_PARSERS = {
    "text": _text,
    "long_text": _long_text,
    "numbers": _numbers,
    "email": _email,
    "phone": _phone,
    "date": _date,
    "status": _status,
    "board_relation": _links,
    "dependency": _links,
}


def text_of(column: Column, stored: Any, *, file_urls: list[str] | None = None) -> str:
    """The ``text`` monday shows for a stored value (``""`` when empty)."""
    if stored is None or column.type in DISPLAYED:
        return ""
    kind = column.type
    if kind in ("text", "numbers"):
        return str(stored)
    if kind == "status":
        return column.labels.get(stored["index"], "")
    if kind == "email":
        return stored["email"]
    if kind == "phone":
        return stored["phone"]
    if kind == "long_text":
        return stored["text"]
    if kind == "date":
        time = stored.get("time")
        return f"{stored['date']} {time[:5]}" if time else stored["date"]
    if kind == "file":
        return ", ".join(file_urls or [])
    return json.dumps(stored)


def webhook_value(column: Column, stored: Any) -> Any:
    """The ``value``/``previousValue`` shape of an ``update_column_value`` event."""
    if stored is None:
        return None
    if column.type == "status":
        index = stored["index"]
        return {
            "label": {
                "index": index,
                "text": column.labels.get(index, ""),
                "style": style(index),
                "is_done": index in column.done,
            },
            "post_id": None,
        }
    if column.type == "text":
        return {"value": stored}
    if column.type == "numbers":
        number = float(stored)
        return {"value": int(number) if number.is_integer() else number, "unit": None}
    return stored
