"""The demo board: "Sales pipeline" with three deals and their line items as subitems.

Column ids look like monday's generated ones (``text_mkr1cust``), so code that maps columns by
id rather than by title is exercised; :func:`build_demo_board` returns them by logical name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monday_integration.testing.fake import FakeMonday

# Index choices follow monday's defaults: 0 "Working on it" (orange), 1 "Done" (green),
# 2 red; the quote labels take the following indexes, then what the customer did.
STATUS_LABELS = {
    0: "Working on it",
    3: "Quote requested",
    4: "Quote in progress",
    6: "Quote ready",
    2: "Quote failed",
    1: "Done",
    7: "Quote viewed",
    8: "Quote accepted",
    9: "Quote declined",
    10: "Quote expired",
}
FINISH_LABELS = {0: "Basic", 1: "Premium"}

COLUMNS = {
    "name": {"id": "name", "title": "Name", "type": "name"},
    "customer": {"id": "text_mkr1cust", "title": "Customer", "type": "text"},
    "email": {"id": "email_mkr1mail", "title": "Email", "type": "email"},
    "phone": {"id": "phone_mkr1tel", "title": "Phone", "type": "phone"},
    "area": {"id": "numeric_mkr1area", "title": "Area", "type": "numbers"},
    "finish": {
        "id": "color_mkr1fin",
        "title": "Finish",
        "type": "status",
        "labels": FINISH_LABELS,
        "done_labels": [],
    },
    "status": {"id": "status", "title": "Status", "type": "status", "labels": STATUS_LABELS},
    "files": {"id": "file_mkr1docs", "title": "Files", "type": "file"},
}
SUBITEM_COLUMNS = {
    "quantity": {"id": "numeric_mkr1qty", "title": "Quantity", "type": "numbers"},
    "unit_price": {"id": "numeric_mkr1price", "title": "Unit price", "type": "numbers"},
}

_DEALS: list[dict[str, Any]] = [
    {
        "name": "Kitchen renovation (Jansen)",
        "customer": "Eva Jansen",
        "email": "eva.jansen@example.com",
        "phone": ("+31612345678", "NL"),
        "area": 24,
        "finish": "Premium",
        "lines": [("Cabinets", 12, "310"), ("Worktop", 1, "2100"), ("Installation", 1, "1450")],
    },
    {
        "name": "Office cleaning (Northwind)",
        "customer": "Northwind Traders",
        "email": "facilities@northwind.example.com",
        "phone": ("+442071234567", "GB"),
        "area": 180,
        "finish": "Basic",
        "lines": [("Weekly cleaning", 52, "240"), ("Window cleaning", 4, "180")],
    },
    {
        "name": "Bathroom refit (de Vries)",
        "customer": "Pieter de Vries",
        "email": "p.devries@example.com",
        "phone": ("+31201234567", "NL"),
        "area": 9,
        "finish": "Basic",
        "lines": [("Tiling", 9, "95.50"), ("Shower unit", 1, "1290")],
    },
]


def build_demo_board(fake: FakeMonday) -> dict[str, Any]:
    """Create the demo board on ``fake``; returns its ids::

    {"board_id", "subitems_board_id",
     "columns": {"name", "customer", "email", "phone", "area", "finish", "status", "files"},
     "subitem_columns": {"quantity", "unit_price"},
     "items": [item ids], "subitems": {item id: [subitem ids]}}
    """
    board = fake.add_board(
        "Sales pipeline", list(COLUMNS.values()), subitem_columns=list(SUBITEM_COLUMNS.values())
    )
    c = {key: spec["id"] for key, spec in COLUMNS.items()}
    s = {key: spec["id"] for key, spec in SUBITEM_COLUMNS.items()}
    items, subitems = [], {}
    for deal in _DEALS:
        phone, country = deal["phone"]
        item = fake.add_item(
            board.id,
            deal["name"],
            {
                c["customer"]: deal["customer"],
                c["email"]: {"email": deal["email"], "text": deal["customer"]},
                c["phone"]: {"phone": phone, "countryShortName": country},
                c["area"]: str(deal["area"]),
                c["finish"]: {"label": deal["finish"]},
                c["status"]: {"label": "Working on it"},
            },
            subitems=[
                {"name": name, "values": {s["quantity"]: str(qty), s["unit_price"]: price}}
                for name, qty, price in deal["lines"]
            ],
        )
        items.append(item.id)
        subitems[item.id] = list(fake.state.item(item.id).subitem_ids)
    return {
        "board_id": board.id,
        "subitems_board_id": board.subitems_board_id,
        "columns": c,
        "subitem_columns": s,
        "items": items,
        "subitems": subitems,
    }
