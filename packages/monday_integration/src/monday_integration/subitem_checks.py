"""What a mapping's ``subitem_map`` and ``template_slug`` must satisfy (part of
``mapping_checks.check_mapping``, so the API and the admin refuse the same values).

``subitem_map`` maps a quote line field to a column of the board's subitems board (``name``
being the subitem's name). The keys are the line fields ``mapping.subitems_to_lines`` reads;
the subitems board is the one the board's subitems column names (its settings'
``boardIds``, as monday returns them). ``template_slug`` must resolve as the sync resolves it
(``createpdf.template_store.resolve_template``: an active database template, else a packaged
one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from createpdf.template_store import TemplateNotFound, available_templates, resolve_template
from monday_integration.parsing import Column

# The quote line fields ``mapping.subitems_to_lines`` reads from a subitem, in its order.
SUBITEM_FIELDS = ("description", "quantity", "unit", "unit_price", "tax_rate")
# ``subitem_map`` may name the subitem's own name, which is not a column value.
SUBITEM_NAME = "name"
SUBITEMS_COLUMN_TYPE = "subtasks"
# A message lists at most this many allowed columns; a wide board would drown the error.
LISTED_COLUMNS = 30


def subitem_map_error(value: Any) -> str | None:
    """Why ``value`` is not a subitem map (line field -> subitem column id), or None."""
    allowed = ", ".join(SUBITEM_FIELDS)
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(column, str) and column for key, column in value.items()
    ):
        return f"give an object of quote line field ({allowed}) -> subitem column id."
    if unknown := [key for key in value if key not in SUBITEM_FIELDS]:
        return (
            f"{', '.join(repr(key) for key in unknown)} is not a quote line field a subitem "
            f"fills; use {allowed}."
        )
    return None


def template_slug_error(slug: Any) -> str | None:
    """Why no template renders ``slug`` when the sync asks for it, or None. The message lists
    the templates there are (active database ones and packaged ones)."""
    try:
        resolve_template(str(slug or ""))
    except TemplateNotFound:
        known = ", ".join(repr(template.slug) for template in available_templates()) or "none"
        return f"no active document template {slug!r}; the templates are {known}."
    return None


def subitem_column_errors(
    subitem_map: Mapping[str, str],
    board_id: Any,
    columns: Mapping[str, Column],
    board_columns: Callable[[str], Mapping[str, Column]],
) -> str | None:
    """Why ``subitem_map``'s column ids are not columns of the board's subitems board, or
    None. ``columns`` are the board's; ``board_columns(board id)`` reads another board's (the
    caller's monday errors pass through). A board whose subitems column names no board (not
    seen on monday) is not checked further."""
    wanted = [column for column in subitem_map.values() if column != SUBITEM_NAME]
    if not subitem_map:
        return None
    subitems = next((c for c in columns.values() if c.type == SUBITEMS_COLUMN_TYPE), None)
    if subitems is None:
        return f"board {board_id} has no subitems column, so no subitem can be read"
    board_ids = subitems.settings.get("boardIds") or []
    if not wanted or not board_ids:
        return None
    found = board_columns(str(board_ids[0]))
    missing = [column for column in wanted if column not in found]
    if not missing:
        return None
    others = [column for column in found.values() if column.type != "name"]
    return (
        f"no subitem column {', '.join(repr(c) for c in missing)} on board {board_id}'s "
        f"subitems board; its columns are {column_list(others, first=[repr(SUBITEM_NAME)])}"
    )


def column_list(columns: Iterable[Column], first: Iterable[str] = ()) -> str:
    """``'numeric_1' (Quantity), 'text_2' (Unit)``: the columns a message offers, at most
    ``LISTED_COLUMNS`` of them."""
    shown = [*first, *(f"{column.id!r} ({column.title})" for column in columns)]
    return ", ".join(shown[:LISTED_COLUMNS]) + (", …" if len(shown) > LISTED_COLUMNS else "")
