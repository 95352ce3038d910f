"""Turn a monday item into betterform answers, customer details and extra quote lines, as a
``BoardMapping`` says. Values are read from each column's ``text`` (what a person sees) and,
where monday's JSON is more exact (numbers, dates, emails), from its ``value``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from betterform.schema import fields
from monday_integration.models import BoardMapping

TRUE_TEXTS = {"v", "true", "yes", "1", "checked"}


class MappingError(ValueError):
    """The item cannot be read as the mapping says; the message names the column."""


def _number(text: str, column_id: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise MappingError(f"column {column_id!r} should hold a number, not {text!r}") from None


def _answer(field: dict[str, Any], text: str, value: Any, column_id: str) -> Any:
    kind = field["type"]
    if kind == "integer":
        return int(_number(text, column_id))
    if kind in ("number", "money"):
        return str(_number(text, column_id))
    if kind == "boolean":
        return text.strip().lower() in TRUE_TEXTS
    if kind == "date" and isinstance(value, dict) and value.get("date"):
        return value["date"]
    if kind == "email" and isinstance(value, dict) and value.get("email"):
        return value["email"]
    if kind in ("choice", "multi_choice"):
        by_label = {o["label"].lower(): o["value"] for o in field["options"]}
        by_value = {o["value"].lower(): o["value"] for o in field["options"]}
        chosen = [part.strip() for part in text.split(",")] if kind == "multi_choice" else [text]
        picked = [by_label.get(c.lower()) or by_value.get(c.lower()) or c for c in chosen if c]
        return picked if kind == "multi_choice" else picked[0]
    return text


def item_to_submission(mapping: BoardMapping, item: Any, schema: dict[str, Any]):
    """``(answers, customer)`` for an item, per the mapping's ``column_map``."""
    known = fields(schema)
    answers: dict[str, Any] = {}
    customer: dict[str, str] = {"name": item.name}
    for column_id, target in mapping.column_map.items():
        column = item.column_values.get(column_id)
        if column is None:
            raise MappingError(f"the item has no column {column_id!r} (check the mapping)")
        text = column.label if column.label is not None else (column.text or "")
        if not text.strip():
            continue
        kind, _, name = target.partition(".")
        if kind == "customer":
            value = column.value.get("email") if isinstance(column.value, dict) else None
            customer[name] = value or text
        elif kind == "answers" and name in known:
            answers[name] = _answer(known[name], text, column.value, column_id)
        else:
            raise MappingError(f"column {column_id!r} maps to {target!r}, which the form lacks")
    return answers, customer


def subitems_to_lines(mapping: BoardMapping, item: Any) -> list[dict[str, Any]]:
    """Extra quote lines from the item's subitems (description, quantity, unit price...)."""
    spec = mapping.subitem_map
    if not spec:
        return []
    lines = []
    for subitem in item.subitems:

        def read(key: str, default: str = "", subitem: Any = subitem) -> str:
            return _subitem_text(spec, subitem, key, default)

        lines.append(
            {
                "description": read("description", subitem.name) or subitem.name,
                "quantity": _number(read("quantity", "1"), spec.get("quantity", "quantity")),
                "unit": read("unit"),
                "unit_price": _number(read("unit_price", "0"), spec.get("unit_price", "price")),
                "tax_rate": _number(read("tax_rate", "0"), spec.get("tax_rate", "tax")),
                "source_key": f"subitem:{subitem.id}",
            }
        )
    return lines


def _subitem_text(spec: dict[str, str], subitem: Any, key: str, default: str) -> str:
    column_id = spec.get(key)
    if not column_id:
        return default
    if column_id == "name":
        return subitem.name
    column = subitem.column_values.get(column_id)
    return (column.text or default) if column else default
