"""``GET /``: an HTML page listing boards and items, with a form per status cell. Submitting it
(``POST /ui/set-status``) changes the item exactly as a monday user would: state first, then
``update_column_value`` webhooks.

Each item shows what a person checks on monday: its status label, the files in its file
columns (links that download them) and its updates, newest first as monday lists them (their
text, as ``text_body`` gives it)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import unquote

from monday_integration.testing.columns import style
from monday_integration.testing.views import Cell

if TYPE_CHECKING:
    from monday_integration.testing.records import Board, Item
    from monday_integration.testing.state import State

SET_STATUS_PATH = "/ui/set-status"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#323338}
table{border-collapse:collapse;margin-bottom:2rem}
th,td{border:1px solid #d0d4e4;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f6f8}.sub td:first-child{padding-left:2rem}
.label{display:inline-block;padding:.1rem .5rem;border-radius:3px;color:#fff;margin-right:.4rem}
form{display:inline}code{background:#f5f6f8;padding:.1rem .3rem}
.updates{max-width:28rem}.update{margin:0 0 .4rem;white-space:pre-wrap}
"""


def render_page(state: State, api_url: str, base_url: str, message: str = "") -> str:
    with state.lock:
        boards = [b for b in state.boards.values() if b.kind == "board"]
        sections = [_board(state, board, base_url) for board in boards]
    note = f"<p><strong>{escape(message)}</strong></p>" if message else ""
    body = "\n".join(sections) or "<p>No boards yet.</p>"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Fake monday.com</title><style>{_STYLE}</style></head><body>"
        f"<h1>Fake monday.com</h1><p>GraphQL API: <code>{escape(api_url)}</code></p>"
        f"{note}{body}</body></html>"
    )


def _board(state: State, board: Board, base_url: str) -> str:
    columns = [c for c in board.columns.values() if c.type not in ("name", "subtasks")]
    head = "".join(f"<th>{escape(c.title)}</th>" for c in columns) + "<th>Updates</th>"
    rows = []
    for item_id in board.item_ids:
        item = state.items.get(item_id)
        if item is None:
            continue
        rows.append(_row(state, item, [c.id for c in columns], base_url, "item"))
        for sub_id in item.subitem_ids:
            sub = state.items.get(sub_id)
            if sub is not None:
                rows.append(_row(state, sub, None, base_url, "sub"))
    return (
        f"<h2>{escape(board.name)} <small>(board {board.id})</small></h2>"
        f"<table><tr><th>Item</th>{head}</tr>{''.join(rows)}</table>"
    )


def _row(state: State, item: Item, column_ids: list[str] | None, base_url: str, css: str) -> str:
    cells = state.cells(item, column_ids, base_url)
    if column_ids is None:  # a subitem: its own board's columns, shown as "title: value"
        shown = "; ".join(
            f"{escape(c.column.title)}: {_cell(item, c)}" for c in cells if c.type != "subtasks"
        )
        name = f"↳ {escape(item.name)}"
        return (
            f'<tr class={css} id="item-{item.id}"><td>{name}</td><td colspan=99>{shown}</td></tr>'
        )
    tds = "".join(f"<td>{_cell(item, cell)}</td>" for cell in cells)
    updates = f"<td class=updates>{_updates(state, item)}</td>"
    return f'<tr class={css} id="item-{item.id}"><td>{escape(item.name)}</td>{tds}{updates}</tr>'


def _updates(state: State, item: Item) -> str:
    """The item's updates, newest first; each as its text (``text_body``: tags dropped,
    entities resolved), escaped again for this page."""
    shown = []
    for update_id in item.update_ids:
        update = state.updates.get(update_id)
        if update is not None:
            shown.append(f'<p class=update id="update-{update.id}">{escape(update.text_body)}</p>')
    return "".join(shown)


def _cell(item: Item, cell: Cell) -> str:
    if cell.type == "file":
        links = [
            f'<a href="{escape(u)}">{escape(unquote(u.rsplit("/", 1)[-1]))}</a>'
            for u in _urls(cell)
        ]
        return ", ".join(links)
    if cell.type != "status":
        return escape(cell.text)
    badge = ""
    if cell.index is not None:
        color = style(cell.index)["color"]
        badge = f'<span class=label style="background:{color}">{escape(cell.text)}</span>'
    options = "".join(
        f"<option{' selected' if index == cell.index else ''}>{escape(text)}</option>"
        for index, text in sorted(cell.column.labels.items())
    )
    return (
        f'{badge}<form method=post action="{SET_STATUS_PATH}">'
        f'<input type=hidden name=item_id value="{item.id}">'
        f'<input type=hidden name=column_id value="{escape(cell.id)}">'
        f"<select name=label>{options}</select> <button type=submit>Set</button></form>"
    )


def _urls(cell: Cell) -> list[str]:
    return [u for u in cell.text.split(", ") if u]
