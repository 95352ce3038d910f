"""What a mapping's ``trigger_label`` and ``stage_labels`` must satisfy (part of
``mapping_checks.check_mapping``, so the API and the admin refuse the same values).

``stage_labels`` names a label for each pipeline stage (working, done, failed) and may name
one for what the customer does (viewed, accepted, declined, expired; "" leaves the status
alone). Against the board, the trigger label must be a label of the trigger column and each
stage label one of the status column, matched by the one rule of
``monday_integration.labels``; a label is returned as the board spells it, so "quote
requested" is stored as "Quote requested". A stage label equal to the trigger, on the
trigger's own column, is refused: the sync would start itself again.

A label the board lacks would otherwise be accepted and every real trigger stored as ignored
(or every "done" label refused by monday at the end of a sync).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monday_integration.labels import find_label
from monday_integration.models import CUSTOMER_STAGES, PIPELINE_STAGES
from monday_integration.parsing import Column

STAGES = PIPELINE_STAGES  # each needs a label
OPTIONAL_STAGES = CUSTOMER_STAGES  # may name one


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


def spelled_labels(
    mapping: Mapping[str, Any], columns: dict[str, Column], errors: dict[str, str]
) -> dict[str, Any]:
    """The trigger and stage labels as the board spells them, ``{"trigger_label": ...,
    "stage_labels": {stage: label}}`` (a stage named "" left out), from ``columns`` (the
    board's, by id). Adds to ``errors`` (field -> message) one for each label (or status
    column) that is not on the board. A column already reported missing is not checked again."""
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
