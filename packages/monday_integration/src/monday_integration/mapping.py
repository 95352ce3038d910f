"""Turn a monday item into betterform answers, customer details and extra quote lines, as a
``BoardMapping`` says. Values are read from each column's ``text`` (what a person sees) and,
where monday's JSON is more exact (numbers, dates, emails), from its ``value``.

Every value is fitted to the field that will store it before anything is written
(``betterform.limits``): text is shortened with ``…``; an e-mail, a phone number, an id or a
number that does not fit raises ``MappingError`` naming the monday column and the limit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from betterform.limits import DoesNotFit, fit_customer, fit_line
from betterform.schema import fields
from createpdf.fitting import shorten
from monday_integration.models import BoardMapping

TRUE_TEXTS = {"v", "true", "yes", "1", "checked"}


class MappingError(ValueError):
    """The item cannot be read as the mapping says; the message names the column."""


def _number(text: str, column_id: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        shown = shorten(text, 40)
        raise MappingError(f"column {column_id!r} should hold a number, not {shown!r}") from None


def column_name(column_id: str, column: Any = None) -> str:
    """How messages name a column: ``monday column 'email_mkr1mail' (Email)``."""
    title = getattr(column, "title", None)
    return f"monday column {column_id!r}" + (f" ({title})" if title else "")


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
    """``(answers, customer)`` for an item, per the mapping's ``column_map``; the customer is
    fitted to the submission (``betterform.limits.fit_customer``). Raises ``MappingError`` for
    a missing column, a target the form lacks, a value that is not a number where one is
    expected, or an e-mail/phone too long to store (the message names the column)."""
    known = fields(schema)
    answers: dict[str, Any] = {}
    customer: dict[str, str] = {"name": item.name}
    sources = {"name": "the item's name"}
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
            sources[name] = column_name(column_id, column)
        elif kind == "answers" and name in known:
            answers[name] = _answer(known[name], text, column.value, column_id)
        else:
            raise MappingError(f"column {column_id!r} maps to {target!r}, which the form lacks")
    try:
        return answers, fit_customer(customer, sources)
    except DoesNotFit as error:
        raise MappingError(str(error)) from None


def subitems_to_lines(mapping: BoardMapping, item: Any) -> list[dict[str, Any]]:
    """Extra quote lines from the item's subitems (description, quantity, unit price...),
    fitted to the quote line (``betterform.limits.fit_line``): description and unit shortened
    with ``…``. Raises ``MappingError`` naming the subitem's column for a value that is not a
    number, or a number or id the line cannot store."""
    spec = mapping.subitem_map
    if not spec:
        return []
    lines = []
    for position, subitem in enumerate(item.subitems, start=1):

        def read(key: str, default: str = "", subitem: Any = subitem) -> str:
            return _subitem_text(spec, subitem, key, default)

        line = {
            "description": read("description", subitem.name) or subitem.name,
            "quantity": _number(read("quantity", "1"), spec.get("quantity", "quantity")),
            "unit": read("unit"),
            "unit_price": _number(read("unit_price", "0"), spec.get("unit_price", "price")),
            "tax_rate": _number(read("tax_rate", "0"), spec.get("tax_rate", "tax")),
            "source_key": f"subitem:{subitem.id}",
        }
        where = f"subitem {shorten(str(subitem.id), 40)}"
        sources = {
            key: f"{where}'s {column_name(column_id, _column(subitem, column_id))}"
            for key, column_id in spec.items()
        }
        sources["source_key"] = f"{where}'s id"
        try:
            lines.append(fit_line(line, position, sources))
        except DoesNotFit as error:
            raise MappingError(str(error)) from None
    return lines


def _column(subitem: Any, column_id: str) -> Any:
    return subitem.column_values.get(column_id)


def _subitem_text(spec: dict[str, str], subitem: Any, key: str, default: str) -> str:
    column_id = spec.get(key)
    if not column_id:
        return default
    if column_id == "name":
        return subitem.name
    column = subitem.column_values.get(column_id)
    return (column.text or default) if column else default
