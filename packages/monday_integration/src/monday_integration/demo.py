"""The monday demo: the fake monday's "Sales pipeline" board, wired to a demo quote form.

``manage.py serve`` (in development) runs the fake monday server with its demo board
(``monday_integration.testing.build_demo_board``) and, once the site answers, calls
:func:`connect_demo_board`. Setting an item's status to "Quote requested" (on the fake's page,
or with ``manage.py monday_demo_flip <item id>``) then ends with a priced PDF on the item,
and the quote e-mailed to the deal's customer: the board's Email column is mapped to
``customer.email`` and the mapping sends its quotes (in development the e-mail is written to
``site/var/sent-emails/``).

Connecting again (every ``serve`` starts a new fake) reuses the mapping and its webhook URL,
and replaces its webhook: the old one died with the old fake, or is deleted first.
"""

from __future__ import annotations

import logging
from typing import Any

import reversion

from betterform import services
from betterform.models import Form
from monday_integration import identity
from monday_integration.client import MondayClient
from monday_integration.errors import MondayError, MondayNotFound
from monday_integration.models import BoardMapping
from monday_integration.operations import webhook_url
from monday_integration.quote_sending import EMAIL_TARGET
from monday_integration.testing.demo import COLUMNS, SUBITEM_COLUMNS

logger = logging.getLogger(__name__)

DEMO_BOARD_NAME = "Sales pipeline"
DEMO_FORM_SLUG = "monday-demo-renovation"
TRIGGER_LABEL = "Quote requested"
DEMO_CUSTOMER_MESSAGE = "Thanks for your request: here is your quote. Reply with any questions."

# The questions the demo board's columns answer: area (priced per m²), finish, phone.
DEMO_FORM_SCHEMA: dict[str, Any] = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "required": True,
                    "help_text": "Floor area in square metres.",
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium", "price": "2500.00"},
                    ],
                },
                {"key": "phone", "label": "Phone", "type": "phone"},
            ],
        }
    ],
    "pricing": {"currency": "EUR", "tax_rate": "21"},
}

BOARDS = """
query DemoBoards($limit: Int!) {
  boards(limit: $limit) { id name }
}
"""


class DemoBoardError(MondayError):
    """The board named ``DEMO_BOARD_NAME`` lacks a column the demo mapping needs."""


def find_board(client: MondayClient, name: str = DEMO_BOARD_NAME) -> str:
    """The id of the first board called ``name`` (looked up, never assumed)."""
    data = client.execute(BOARDS, {"limit": 100})
    for board in data.get("boards") or []:
        if board and board.get("name") == name:
            return str(board["id"])
    raise MondayNotFound(
        f"monday has no board named {name!r} (the fake makes it with --seed-demo-board)",
        "ResourceNotFoundException",
    )


def ensure_demo_form(owner: Any = None) -> Form:
    """The dedicated demo form (slug ``monday-demo-renovation``); made once, then reused."""
    form = Form.objects.filter(slug=DEMO_FORM_SLUG).first()
    if form is None:
        with reversion.create_revision():
            if owner is not None:
                reversion.set_user(owner)
            reversion.set_comment("monday demo form.")
            form = services.save_form(
                Form(
                    name="Renovation (monday demo)",
                    slug=DEMO_FORM_SLUG,
                    description="Fed by the fake monday's Sales pipeline board.",
                    schema=DEMO_FORM_SCHEMA,
                    owner=owner,
                )
            )
    return form


def _mapping_fields(board_id: str, form: Form) -> dict[str, Any]:
    c = {key: spec["id"] for key, spec in COLUMNS.items()}
    s = {key: spec["id"] for key, spec in SUBITEM_COLUMNS.items()}
    column_map = {
        c["customer"]: "customer.name",
        c["email"]: EMAIL_TARGET,
        c["area"]: "answers.area",
        c["finish"]: "answers.finish",
        c["phone"]: "answers.phone",
    }
    return {
        "name": f"{DEMO_BOARD_NAME} (demo)",
        "board_id": board_id,
        "form": form,
        "trigger_column_id": c["status"],
        "trigger_label": TRIGGER_LABEL,
        "column_map": column_map,
        # the demo shows the whole flow: the quote is e-mailed to the deal's Email column
        "send_quote_to_customer": EMAIL_TARGET in column_map.values(),
        "customer_message": DEMO_CUSTOMER_MESSAGE,
        "subitem_map": {
            "description": "name",
            "quantity": s["quantity"],
            "unit_price": s["unit_price"],
        },
        "file_column_id": c["files"],
        "status_column_id": c["status"],
        "stage_labels": {
            "working": "Quote in progress",
            "done": "Quote ready",
            "failed": "Quote failed",
            "viewed": "Quote viewed",
            "accepted": "Quote accepted",
            "declined": "Quote declined",
            "expired": "Quote expired",
        },
        "template_slug": "quote",
        "active": True,
    }


def _check_columns(client: MondayClient, board_id: str, fields: dict[str, Any]) -> None:
    present = {column.id for column in client.get_board_columns(board_id)}
    wanted = {fields["status_column_id"], fields["file_column_id"], *fields["column_map"]}
    missing = sorted(wanted - present)
    if missing:
        raise DemoBoardError(
            f"board {board_id} ({DEMO_BOARD_NAME!r}) lacks the demo columns {', '.join(missing)}",
            "DEMO_BOARD_COLUMNS",
        )


def connect_demo_board(base_url: str, client: MondayClient, *, owner: Any = None) -> BoardMapping:
    """Map the demo board to the demo form and subscribe this site (``base_url``, as monday
    reaches it) to the board's status changes; returns the mapping, with its new webhook id.

    Idempotent: the mapping is found by board id (else by the demo form) and updated; its
    previous webhook is deleted when monday still knows it, then a new one is created (monday
    sends the challenge to ``base_url`` first, so the site must be answering). ``owner`` owns
    the form, submissions and quotes (kept when ``None`` and the mapping exists).
    """
    board_id = find_board(client)
    form = ensure_demo_form(owner)
    fields = _mapping_fields(board_id, form)
    _check_columns(client, board_id, fields)
    mapping = (
        BoardMapping.objects.filter(board_id=board_id).first()
        or BoardMapping.objects.filter(form=form).first()
        or BoardMapping()
    )
    stale_webhook = mapping.webhook_id
    for name, value in fields.items():
        setattr(mapping, name, value)
    if owner is not None:
        mapping.owner = owner
    mapping.webhook_id = ""
    mapping.save()  # committed before create_webhook: the challenge looks the mapping up
    if stale_webhook:
        try:
            client.delete_webhook(stale_webhook)
        except MondayError as error:  # a new monday (the fake restarted) never had it
            logger.debug("previous demo webhook %s not deleted: %s", stale_webhook, error)
    identity.learn_quietly(client)  # its own label changes then come back as ``own_write``
    mapping.webhook_id = client.create_webhook(
        board_id,
        webhook_url(base_url, mapping),
        event="change_status_column_value",
        config={"columnId": mapping.trigger_column_id},
    )
    mapping.save(update_fields=["webhook_id", "updated_at"])
    return mapping
