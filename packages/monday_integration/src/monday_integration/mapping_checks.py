"""What a board mapping must satisfy before it is saved, checked against the real board.

Both doors that save mappings call :func:`check_mapping`: the staff API
(``serializers.BoardMappingSerializer``) and the admin (``admin_mapping_form.BoardMappingForm``).
It checks that the template exists as the sync resolves it and that ``subitem_map`` names quote
line fields (``subitem_checks``), then asks monday for the board's columns and checks that
every column id exists (``subitem_map``'s on the board's subitems board), that every
``column_map`` target is a customer detail or a field of the form, and that the trigger label
and the stage labels are labels of their status columns (``label_checks``, which returns them
as the board spells them; an empty customer label is dropped). A mapping that e-mails its
quotes (``send_quote_to_customer``) must map a column to ``customer.email``.

monday's own errors are sorted here: one that says "not now" makes ``MondayUnavailable`` (try
saving again later), any other is the board's fault (``MappingInvalid`` on ``board_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from betterform import services as forms
from betterform.schema import fields as form_fields
from monday_integration.client import MondayClient
from monday_integration.errors import (
    MondayError,
    MondayIdempotencyConflict,
    MondayRateLimited,
    MondayResourceLocked,
    MondayServerError,
    MondayTransportError,
)
from monday_integration.label_checks import spelled_labels, stage_labels_error
from monday_integration.parsing import Column
from monday_integration.subitem_checks import (
    subitem_column_errors,
    subitem_map_error,
    template_slug_error,
)

# monday errors that say "not now" rather than "not this board": worth trying again later.
TRANSIENT = (
    MondayTransportError,
    MondayServerError,
    MondayRateLimited,
    MondayResourceLocked,
    MondayIdempotencyConflict,
)
# Saving a mapping is interactive: a couple of quick retries, then say monday is unavailable.
SAVE_RETRIES = 2
SAVE_MAX_WAIT = 10.0
DEFAULT_RETRY_AFTER = 30
T = TypeVar("T")


class MappingInvalid(ValueError):
    """The mapping does not fit the board or the form; ``errors`` maps a field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class MondayUnavailable(Exception):
    """monday could not be asked (down, slow, rate limited): try saving again later."""

    def __init__(self, error: MondayError) -> None:
        super().__init__(f"monday could not be reached to check the board: {error}")
        wait = error.retry_in_seconds
        self.retry_after = int(wait) + 1 if wait is not None else DEFAULT_RETRY_AFTER


def column_map_error(value: Any) -> str | None:
    """Why ``value`` is not a column map (monday column id -> target), or None."""
    if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
        return 'give an object of monday column id -> "customer.<detail>" or "answers.<field key>".'
    return None


def customer_sending_error(mapping: Mapping[str, Any]) -> str | None:
    """Why the mapping cannot e-mail its quotes, or None: the e-mail is read from the item's
    column mapped to ``customer.email``."""
    if not mapping.get("send_quote_to_customer"):
        return None
    if "customer.email" not in (mapping.get("column_map") or {}).values():
        return (
            "map a column to customer.email: the quote is e-mailed to the address read "
            "from the item"
        )
    return None


# What a mapping takes from the board; a save that changes none of them (a rename, a new
# owner, switching it off) needs no check, so a mapping whose board moved on can still be
# switched off. Switching one on is checked: the board may have changed while it was off.
BOARD_FIELDS = (
    "board_id",
    "form",
    "trigger_column_id",
    "trigger_label",
    "column_map",
    "subitem_map",
    "file_column_id",
    "status_column_id",
    "stage_labels",
)
# Also checked when changed, though not on the board (a misspelt template fails every sync;
# a mapping that e-mails quotes needs the customer's e-mail column).
CHECKED_FIELDS = (*BOARD_FIELDS, "template_slug", "send_quote_to_customer")


def needs_board_check(instance: Any, values: Mapping[str, Any]) -> bool:
    """True unless ``instance`` (a saved mapping) keeps every board field in ``values`` and
    stays (or becomes) inactive or stays active."""
    if instance is None or getattr(instance, "pk", None) is None:
        return True
    if values.get("active") and not instance.active:
        return True
    return any(
        name in values and values[name] != getattr(instance, name) for name in CHECKED_FIELDS
    )


def check_mapping(mapping: Mapping[str, Any], client: MondayClient | None = None) -> dict[str, Any]:
    """Check the mapping's values (``board_id``, ``form``, the column ids, ``column_map``,
    ``subitem_map``, ``trigger_label``, ``stage_labels``, ``template_slug``,
    ``send_quote_to_customer``) against the real board, the form and the templates. A value
    left out of ``mapping`` is not checked (``board_id`` and ``stage_labels`` are required).

    Returns ``{"trigger_label": ..., "stage_labels": {...}}`` spelled as the board spells
    them. Raises ``MappingInvalid`` naming each wrong field (a wrong label's message lists the
    labels the column has), or ``MondayUnavailable`` when monday cannot be asked now.
    """
    shape = {
        field: message
        for field, message in (
            ("column_map", column_map_error(mapping.get("column_map") or {})),
            ("subitem_map", subitem_map_error(mapping.get("subitem_map") or {})),
            ("stage_labels", stage_labels_error(mapping.get("stage_labels"))),
            ("send_quote_to_customer", customer_sending_error(mapping)),
            (
                "template_slug",
                template_slug_error(mapping["template_slug"])
                if "template_slug" in mapping
                else None,
            ),
        )
        if message
    }
    if shape:
        raise MappingInvalid(shape)
    board_id = mapping["board_id"]
    with _asking(client) as ask:
        columns = _board_columns(board_id, ask)
        errors = _column_errors(mapping, columns)
        subitem_error = subitem_column_errors(
            mapping.get("subitem_map") or {},
            board_id,
            columns,
            lambda board: _columns_by_id(ask(lambda monday: monday.get_board_columns(board))),
        )
    if subitem_error:
        errors["subitem_map"] = subitem_error
    if unknown := _unknown_targets(mapping.get("form"), mapping.get("column_map") or {}):
        message = (
            f"map to customer.<{'|'.join(forms.CUSTOMER_FIELDS)}> or answers.<a field of "
            f"the form>, not {', '.join(repr(target) for target in unknown)}"
        )
        errors["column_map"] = "; ".join(filter(None, [errors.get("column_map"), message]))
    spelled = spelled_labels(mapping, columns, errors)
    if errors:
        raise MappingInvalid(errors)
    return spelled


Ask = Callable[[Callable[[MondayClient], T]], T]


@contextmanager
def _asking(client: MondayClient | None) -> Iterator[Ask]:
    """``ask(call)``: ``call(client)`` on ``client`` (else on one client opened for this
    check, with few retries: saving is interactive); a transient monday error becomes
    ``MondayUnavailable``, any other ``MappingInvalid`` on ``board_id``."""
    own = (
        None
        if client is not None
        else MondayClient(max_retries=SAVE_RETRIES, max_wait=SAVE_MAX_WAIT)
    )

    def ask(call: Callable[[MondayClient], T]) -> T:
        try:
            return call(client or own)
        except TRANSIENT as error:
            raise MondayUnavailable(error) from None
        except MondayError as error:
            raise MappingInvalid({"board_id": f"monday says: {error}"}) from None

    try:
        yield ask
    finally:
        if own is not None:
            own.close()


def _columns_by_id(found: list[Column]) -> dict[str, Column]:
    return {column.id: column for column in found}


def _board_columns(board_id: Any, ask: Ask) -> dict[str, Column]:
    found = ask(lambda monday: monday.get_board_columns(board_id))
    if not found:
        raise MappingInvalid({"board_id": "no such board, or it has no columns."})
    return _columns_by_id(found)


def _column_errors(mapping: Mapping[str, Any], columns: dict[str, Column]) -> dict[str, str]:
    file_column = mapping.get("file_column_id")
    wanted = {
        "trigger_column_id": [mapping.get("trigger_column_id")],
        "status_column_id": [mapping.get("status_column_id")],
        "file_column_id": [file_column] if file_column else [],
        "column_map": list(mapping.get("column_map") or {}),
    }
    board = mapping["board_id"]
    return {
        field: f"no column {', '.join(repr(c) for c in missing)} on board {board}"
        for field, ids in wanted.items()
        if (missing := [column for column in ids if column not in columns])
    }


def _unknown_targets(form: Any, column_map: dict[str, str]) -> list[str]:
    """Targets that are neither a customer detail nor a field of the form."""
    known = form_fields(forms.current_version(form).schema) if form is not None else {}
    unknown = []
    for target in column_map.values():
        kind, _, name = target.partition(".")
        if not (
            (kind == "customer" and name in forms.CUSTOMER_FIELDS)
            or (kind == "answers" and name in known)
        ):
            unknown.append(target)
    return unknown
