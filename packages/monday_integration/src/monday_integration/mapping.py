"""Turn a monday item into betterform answers, customer details and extra quote lines, as a
``BoardMapping`` says. Text is what a person sees (``ColumnValue.shown_text``: ``text``, or
``display_value`` for mirror, formula and connect-boards columns); numbers come from a numbers
column's typed ``number`` (as ``Decimal`` via ``str``, never float arithmetic), else from the
text; dates and e-mails from monday's JSON ``value``.

Subitem lines take the form's tax rate (``betterform.pricing.default_tax_rate``), as the
form's own lines do, unless the mapping maps ``tax_rate`` to a column with a value; they are
priced in the quote's currency, the form's.

Every value is fitted to the field that will store it before anything is written
(``betterform.limits``): text is shortened with ``…``; an e-mail, a phone number, an id or a
number that does not fit raises ``MappingError`` naming the monday column and the limit."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from betterform import services as forms
from betterform.limits import DoesNotFit, fit_customer, fit_line
from betterform.pricing import default_tax_rate
from betterform.schema import fields
from createpdf.fitting import shorten
from monday_integration.models import BoardMapping, ItemLink

TRUE_TEXTS = {"v", "true", "yes", "1", "checked"}


class MappingError(ValueError):
    """The item cannot be read as the mapping says; the message names the column."""


# Subitems are read only for the columns ``subitem_map`` names; a mapping that names none still
# asks for one column, the ``name`` column every board has, because monday does not document
# what ``column_values(ids: [])`` returns (possibly every column, formulas included).
NO_SUBITEM_COLUMNS = ["name"]


def item_column_ids(mapping: BoardMapping) -> list[str]:
    """The item's columns a sync reads: ``column_map``'s, the trigger and status columns and
    the file column (to find a PDF already there); no duplicates, in that order."""
    wanted = [*mapping.column_map, mapping.trigger_column_id, mapping.status_column_id]
    wanted.append(mapping.file_column_id)
    return list(dict.fromkeys(str(column_id) for column_id in wanted if column_id))


def subitem_column_ids(mapping: BoardMapping) -> list[str]:
    """The subitems' columns a sync reads: ``subitem_map``'s (less ``name``, the subitem's
    name, which is not a column value)."""
    wanted = [str(c) for c in (mapping.subitem_map or {}).values() if c and c != "name"]
    return list(dict.fromkeys(wanted)) or list(NO_SUBITEM_COLUMNS)


def _number(text: str, column_id: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        shown = shorten(text, 40)
        raise MappingError(f"column {column_id!r} should hold a number, not {shown!r}") from None


def _typed_number(number: float, column_id: str) -> Decimal:
    """monday's typed number as a Decimal (through ``str``: 0.1 stays 0.1); whole numbers
    without a fraction (24.0 reads as 24, as its text does)."""
    if not math.isfinite(number):
        raise MappingError(f"column {column_id!r} should hold a number, not {number!r}")
    value = Decimal(str(number))
    return Decimal(int(value)) if value == value.to_integral_value() else value


def read_number(column: Any, column_id: str, default: Decimal | None = None) -> Decimal | None:
    """A column's number: its typed ``number`` when monday gives one, else its shown text
    parsed (``1,234.50``); ``default`` when it is empty. Raises ``MappingError`` for text
    that is not a number."""
    if column is None:
        return default
    if getattr(column, "number", None) is not None:
        return _typed_number(column.number, column_id)
    text = shown_text(column)
    return _number(text, column_id) if text.strip() else default


def shown_text(column: Any) -> str:
    """What a person sees in the column: a status label, else ``text``, else monday's
    ``display_value`` (mirror, formula, connect-boards columns have an empty ``text``)."""
    if getattr(column, "label", None) is not None:
        return column.label
    return column.shown_text


def column_name(column_id: str, column: Any = None) -> str:
    """How messages name a column: ``monday column 'email_mkr1mail' (Email)``."""
    title = getattr(column, "title", None)
    return f"monday column {column_id!r}" + (f" ({title})" if title else "")


def _answer(field: dict[str, Any], column: Any, column_id: str) -> Any:
    kind, text, value = field["type"], shown_text(column), column.value
    if kind == "integer":
        return int(read_number(column, column_id))
    if kind in ("number", "money"):
        return str(read_number(column, column_id))
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
        text = shown_text(column)
        if not text.strip() and column.number is None:
            continue
        kind, _, name = target.partition(".")
        if kind == "customer":
            value = column.value.get("email") if isinstance(column.value, dict) else None
            customer[name] = value or text
            sources[name] = column_name(column_id, column)
        elif kind == "answers" and name in known:
            answers[name] = _answer(known[name], column, column_id)
        else:
            raise MappingError(f"column {column_id!r} maps to {target!r}, which the form lacks")
    try:
        return answers, fit_customer(customer, sources)
    except DoesNotFit as error:
        raise MappingError(str(error)) from None


def subitems_to_lines(
    mapping: BoardMapping, item: Any, schema: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Extra quote lines from the item's subitems (description, quantity, unit price...),
    fitted to the quote line (``betterform.limits.fit_line``): description and unit shortened
    with ``…``. A line's tax rate is its mapped ``tax_rate`` column's value, else the form's
    (``schema``'s; by default the version the item's submission answered, else the form's
    current one). Raises ``MappingError`` naming the subitem's column for a value that is not
    a number, or a number or id the line cannot store."""
    spec = mapping.subitem_map
    if not spec:
        return []
    form_tax = default_tax_rate(schema if schema is not None else _priced_schema(mapping, item))
    lines = []
    for position, subitem in enumerate(item.subitems, start=1):

        def text(key: str, subitem: Any = subitem) -> str:
            column_id = spec.get(key)
            if column_id == "name":
                return subitem.name
            column = _column(subitem, column_id) if column_id else None
            return shown_text(column) if column is not None else ""

        def number(key: str, default: Decimal, subitem: Any = subitem) -> Decimal:
            column_id = spec.get(key)
            if column_id == "name":
                return _number(subitem.name, column_id)
            column = _column(subitem, column_id) if column_id else None
            value = read_number(column, column_id or key, default)
            return default if value is None else value

        line = {
            "description": text("description") or subitem.name,
            "quantity": number("quantity", Decimal(1)),
            "unit": text("unit"),
            "unit_price": number("unit_price", Decimal(0)),
            "tax_rate": number("tax_rate", form_tax),
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


def _priced_schema(mapping: BoardMapping, item: Any) -> dict[str, Any]:
    """The schema the item's quote is priced from: its submission's form version, else the
    form's current one."""
    link = (
        ItemLink.objects.select_related("submission__form_version")
        .filter(mapping=mapping, item_id=str(item.id))
        .first()
    )
    if link is not None:
        return link.submission.form_version.schema
    return forms.current_version(mapping.form).schema


def _column(subitem: Any, column_id: str) -> Any:
    return subitem.column_values.get(column_id)
