"""What a board mapping must satisfy before it is saved, checked against the real board.

Both doors that save mappings call :func:`check_mapping`: the staff API
(``serializers.BoardMappingSerializer``) and the admin (``admin.BoardMappingForm``). It checks
that the template exists as the sync resolves it and that ``subitem_map`` names quote line
fields (``subitem_checks``), then asks monday for the board's columns and checks that every
column id exists (``subitem_map``'s on the board's subitems board), that every
``column_map`` target is a customer detail or a field of the form, and that the trigger label
and each stage label (working, done, failed) is a label of its status column, matched by the
one rule of ``monday_integration.labels``, as is each customer label a mapping names
(viewed, accepted, declined, expired: optional). A label is returned as the board spells it,
so "quote requested" is stored as "Quote requested"; an empty customer label is dropped. A
mapping that e-mails its quotes (``send_quote_to_customer``) must map a column to
``customer.email``.

A label the board lacks would otherwise be accepted and every real trigger stored as ignored
(or every "done" label refused by monday at the end of a sync).
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
from monday_integration.labels import find_label
from monday_integration.models import CUSTOMER_STAGES, PIPELINE_STAGES
from monday_integration.parsing import Column
from monday_integration.subitem_checks import (
    subitem_column_errors,
    subitem_map_error,
    template_slug_error,
)

STAGES = PIPELINE_STAGES  # each needs a label
OPTIONAL_STAGES = CUSTOMER_STAGES  # may name one
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


def stage_labels_error(value: Any) -> str | None:
    """Why ``value`` does not name a label for every pipeline stage (and, optionally, for
    what the customer does), or None."""
    if not isinstance(value, dict) or any(
        not isinstance(value.get(stage), str) or not value[stage].strip() for stage in STAGES
    ):
        return (
            f"give a label for each of {', '.join(STAGES)} (and optionally for "
            f"{', '.join(OPTIONAL_STAGES)})."
        )
    unknown = [key for key in value if key not in (*STAGES, *OPTIONAL_STAGES)]
    if unknown:
        return (
            f"no stage {', '.join(repr(key) for key in unknown)}: the stages are "
            f"{', '.join((*STAGES, *OPTIONAL_STAGES))}."
        )
    if any(not isinstance(value.get(stage, ""), str) for stage in OPTIONAL_STAGES):
        return f'give {", ".join(OPTIONAL_STAGES)} as a label or "" (leave the status alone).'
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
    spelled = _spelled_labels(mapping, columns, errors)
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


def _spelled_labels(
    mapping: Mapping[str, Any], columns: dict[str, Column], errors: dict[str, str]
) -> dict[str, Any]:
    """The trigger and stage labels as the board spells them; adds an error for each label
    (or status column) that is not on the board. A column already reported missing is not
    checked again."""
    trigger = str(mapping.get("trigger_label") or "")
    named = mapping["stage_labels"]
    stages = {
        stage: str(named[stage])
        for stage in (*STAGES, *OPTIONAL_STAGES)
        if str(named.get(stage) or "").strip()
    }
    spelled: dict[str, Any] = {"trigger_label": trigger, "stage_labels": dict(stages)}
    trigger_column = columns.get(str(mapping.get("trigger_column_id")))
    if trigger_column is not None and "trigger_column_id" not in errors:
        if not _labels(trigger_column):
            errors["trigger_column_id"] = _not_a_status_column(trigger_column)
        elif (found := find_label(_labels(trigger_column), trigger)) is None:
            errors["trigger_label"] = (
                f"{_name(trigger_column)} has no label {trigger!r}; {_its_labels(trigger_column)}"
            )
        else:
            spelled["trigger_label"] = found
    status_column = columns.get(str(mapping.get("status_column_id")))
    if status_column is not None and "status_column_id" not in errors:
        if not _labels(status_column):
            errors["status_column_id"] = _not_a_status_column(status_column)
            return spelled
        missing = []
        for stage, label in stages.items():
            found = find_label(_labels(status_column), label)
            if found is None:
                missing.append(f"{label!r} ({stage})")
            else:
                spelled["stage_labels"][stage] = found
        if missing:
            errors["stage_labels"] = (
                f"{_name(status_column)} has no label {', '.join(missing)}; "
                f"{_its_labels(status_column)}"
            )
    if "trigger_label" not in errors and "stage_labels" not in errors:
        _check_no_self_trigger(mapping, spelled, errors)
    return spelled


def _check_no_self_trigger(
    mapping: Mapping[str, Any], spelled: dict[str, Any], errors: dict[str, str]
) -> None:
    """A stage label equal to the trigger, on the trigger's column, would start the sync
    again each time the sync sets it."""
    if mapping.get("trigger_column_id") != mapping.get("status_column_id"):
        return
    trigger = spelled["trigger_label"]
    same = [stage for stage, label in spelled["stage_labels"].items() if label == trigger]
    if same:
        errors["trigger_label"] = (
            f"{trigger!r} is also the {' and '.join(same)} label: setting it would trigger "
            "the sync again; pick a trigger label no stage uses"
        )


def _labels(column: Column) -> list[str]:
    """The column's labels in index order, less monday's blank ones."""
    return [label for _, label in sorted(column.labels.items()) if label.strip()]


def _name(column: Column) -> str:
    return f"column {column.id!r}" + (f" ({column.title})" if column.title else "")


def _its_labels(column: Column) -> str:
    return "its labels are " + ", ".join(repr(label) for label in _labels(column))


def _not_a_status_column(column: Column) -> str:
    kind = column.type or "unknown"
    return f"{_name(column)} is a {kind} column with no status labels: pick a status column"


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
