"""What monday computes for a column instead of storing it: ``display_value`` of connect boards
(``BoardRelationValue``), dependency, mirror and formula columns.

Since API 2023-10 these answer ``text`` "" and ``value`` null; ``display_value: String!`` is
what a person sees (monday's API reference, "Mirror", "Connect boards", "Dependency",
"Formula"; and the published schema). Connect boards and dependency show the linked items'
names, a mirror the mirrored column's text on each linked item, a formula its result. The
fake's formulas are arithmetic (``+ - * /``, parentheses, numbers) over ``{column_id}``
references, enough for "Total = {area} * {price}".
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from monday_integration.testing.columns import LINKS, Column, text_of
from monday_integration.testing.views import Cell

if TYPE_CHECKING:
    from monday_integration.testing.records import Item
    from monday_integration.testing.state import State

_REFERENCE = re.compile(r"\{([^{}]+)\}")
_OPERATORS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def linked_ids(stored: Any) -> tuple[int, ...]:
    """The item ids in a connect boards or dependency value."""
    links = stored.get("linkedPulseIds") if isinstance(stored, dict) else None
    return tuple(int(link["linkedPulseId"]) for link in links or [])


def complete(state: State, item: Item, cells: list[Cell]) -> list[Cell]:
    """``cells`` (as ``State.cells`` renders them) with ``display_value`` filled in; call
    under ``state.lock``."""
    return [_complete(state, item, cell) for cell in cells]


def _complete(state: State, item: Item, cell: Cell) -> Cell:
    kind = cell.column.type
    if kind in LINKS:
        ids = linked_ids(cell.value)
        names = [state.items[i].name for i in ids if i in state.items]
        return replace(cell, display_value=", ".join(names), linked_ids=ids)
    if kind == "mirror":
        board = state.boards[item.board_id]
        relation = board.columns.get(cell.column.settings.get("relation", ""))
        ids = linked_ids(item.values.get(relation.id)) if relation is not None else ()
        texts = [_text(state, state.items[i], cell.column) for i in ids if i in state.items]
        return replace(cell, display_value=", ".join(t for t in texts if t))
    if kind == "formula":
        return replace(cell, display_value=_formula(state, item, cell.column))
    return cell


def _text(state: State, linked: Item, mirror: Column) -> str:
    column = state.boards[linked.board_id].columns.get(mirror.settings.get("mirrored", ""))
    if column is None:
        return ""
    if column.type == "name":
        return linked.name
    return text_of(column, linked.values.get(column.id))


def _formula(state: State, item: Item, column: Column) -> str:
    columns = state.boards[item.board_id].columns

    def number(match: re.Match[str]) -> str:
        referenced = columns.get(match[1])
        text = text_of(referenced, item.values.get(referenced.id)) if referenced else ""
        try:
            return repr(float(text or 0))  # monday counts an empty number as 0
        except ValueError:
            return "0.0"

    expression = _REFERENCE.sub(number, str(column.settings.get("formula", "")))
    try:
        result = _evaluate(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError):
        return ""
    return str(int(result)) if result.is_integer() else str(round(result, 10))


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return float(_OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right)))
    raise ValueError("unsupported formula")
