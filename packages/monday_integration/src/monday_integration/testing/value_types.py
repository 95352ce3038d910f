"""Column values as monday types them: one GraphQL type per column kind (``TextValue``,
``StatusValue``, ``NumbersValue``, ``MirrorValue``...), all implementing ``ColumnValue``, with
the kind's own fields (monday's API reference, "Column types"; the published schema). There
is no generic type: a kind without its own type here is a bug of the fake.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from monday_integration.testing.columns import DISPLAYED
from monday_integration.testing.errors import MondayApiError
from monday_integration.testing.views import Cell

# monday computes ``display_value`` for at most 5 formula columns in one request (and 10,000
# formula values a minute, which the fake does not count): developer.monday.com/api-reference/
# reference/formula and the changelog "New ability to read the formula column" (API 2025-01).
MAX_FORMULA_COLUMNS = 5
# monday's error code and message for a sixth formula column are not documented: this code
# and message are the fake's own (status 400, so a client treats it as a query to fix).
FORMULA_LIMIT_CODE = "FORMULA_COLUMN_LIMIT_EXCEEDED"

TYPE_OF_KIND = {
    "text": "TextValue",
    "long_text": "LongTextValue",
    "email": "EmailValue",
    "phone": "PhoneValue",
    "date": "DateValue",
    "file": "FileValue",
    "numbers": "NumbersValue",
    "status": "StatusValue",
    "subtasks": "SubtasksValue",
    "mirror": "MirrorValue",
    "board_relation": "BoardRelationValue",
    "dependency": "DependencyValue",
    "formula": "FormulaValue",
}


def _stored(key: str) -> Any:
    return lambda cell, _info: cell.value.get(key) if isinstance(cell.value, dict) else None


def _number(cell: Cell, _info: Any) -> float | None:
    try:
        return None if cell.value is None else float(cell.value)
    except (TypeError, ValueError):
        return None


def _value(cell: Cell, _info: Any) -> str | None:
    """The raw value as JSON; null for the kinds monday computes (API 2023-10 on)."""
    return None if cell.type in DISPLAYED else cell.value_json


def _linked_ids(cell: Cell, _info: Any) -> list[str]:
    return [str(i) for i in cell.linked_ids]


def _subitem_ids(cell: Cell, _info: Any) -> list[str]:
    links = cell.value.get("linkedPulseIds", []) if isinstance(cell.value, dict) else []
    return [str(link["linkedPulseId"]) for link in links]


def _formula_display_value(cell: Cell, info: Any) -> str:
    """A formula's result; a GraphQL error once a request reads a sixth formula column (the
    same column on many items counts once)."""
    seen = info.context.formula_columns
    seen.setdefault(id(cell.column), cell.column)
    if len(seen) > MAX_FORMULA_COLUMNS:
        raise MondayApiError(
            f"display_value can be read for at most {MAX_FORMULA_COLUMNS} formula columns in "
            f"one request; this one asks for {len(seen)} (limit column_values with ids)",
            FORMULA_LIMIT_CODE,
            status_code=400,
            error_data={"max_formula_columns": MAX_FORMULA_COLUMNS, "column_id": cell.column.id},
        )
    return cell.display_value or ""


def _resolve_type(cell: Cell, _info: Any, _type: Any) -> str:
    return TYPE_OF_KIND[cell.type]


FIELDS: dict[str, dict[str, Any]] = {
    "EmailValue": {"email": _stored("email"), "label": _stored("text")},
    "PhoneValue": {"phone": _stored("phone"), "country_short_name": _stored("countryShortName")},
    "DateValue": {"date": _stored("date"), "time": _stored("time")},
    "NumbersValue": {"number": _number},
    "SubtasksValue": {"display_value": lambda cell, _info: cell.text, "subitems_ids": _subitem_ids},
    "MirrorValue": {"display_value": lambda cell, _info: cell.display_value or ""},
    "FormulaValue": {"display_value": _formula_display_value},
    "BoardRelationValue": {
        "display_value": lambda cell, _info: cell.display_value or "",
        "linked_item_ids": _linked_ids,
    },
    "DependencyValue": {
        "display_value": lambda cell, _info: cell.display_value or "",
        "linked_item_ids": _linked_ids,
    },
}


def attach_values(schema: GraphQLSchema) -> None:
    """Wire ``resolve_type`` of ``ColumnValue`` and each value type's own fields."""
    types = schema.type_map
    types["ColumnValue"].resolve_type = _resolve_type
    for name in TYPE_OF_KIND.values():
        fields = types[name].fields
        fields["value"].resolve = _value
        for field, resolve in FIELDS.get(name, {}).items():
            fields[field].resolve = resolve
