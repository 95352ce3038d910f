"""The board mapping editor's form: the board's real columns and labels offered as selects.

``BoardMappingAdmin`` (``admin_mapping``) reads, once per request, what the editor can offer
(an ``EditorSetup``: the account's boards, the chosen board's columns, the chosen form) and
gives it to ``BoardMappingForm``, which then offers the board's real columns
(``Title (id, type)``) and its status columns' labels as selects, one per target the sync
understands (``admin_mapping_widgets``). What is posted is stored in the model's JSON shapes
and checked by ``mapping_checks.check_mapping``, as the API's serializer checks it. Without
monday (no setup, or a board that cannot be read) the fields stay typed ids and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms

from betterform.models import Form
from monday_integration import label_checks, mapping_checks, mapping_setup
from monday_integration.admin_mapping_widgets import (
    KeepingSelect,
    PicksWidget,
    column_choices,
    label_choices,
)
from monday_integration.models import BoardMapping
from monday_integration.parsing import BoardSummary
from monday_integration.subitem_checks import SUBITEM_FIELDS, SUBITEM_NAME

STATUS_TYPES = ("status", "color")  # a status column is ``status`` (``color`` in deliveries)


@dataclass
class EditorSetup:
    """What one request's editor offers: the account's boards (or why not), the chosen
    board's columns, and the chosen form (for ``answers.<field>`` targets)."""

    boards: list[BoardSummary]
    boards_error: str
    board: mapping_setup.BoardColumns | None
    form: Form | None


class BoardMappingForm(forms.ModelForm):
    """The admin's mapping form: checked against the real board as the API's serializer is
    (``mapping_checks.check_mapping``); labels are stored as the board spells them. With an
    ``setup`` (``BoardMappingAdmin.get_form``) ids and labels are picked from the board."""

    setup: ClassVar[EditorSetup | None] = None

    class Meta:
        model = BoardMapping
        fields = [
            "name",
            *mapping_checks.BOARD_FIELDS,
            "template_slug",
            "send_quote_to_customer",
            "customer_message",
            "active",
            "require_signed_deliveries",
            "owner",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.setup is not None:
            self._use_pickers(self.setup)

    def _use_pickers(self, setup: EditorSetup) -> None:
        fields = self.fields
        if setup.boards:
            choices = [("", "---------"), *((b.id, f"{b.name} ({b.id})") for b in setup.boards)]
            fields["board_id"].widget = KeepingSelect(choices=choices)
        board = setup.board
        if board is None or board.error or not board.columns:
            return
        status = board.of_type(*STATUS_TYPES)
        for name in ("trigger_column_id", "status_column_id"):
            fields[name].widget = KeepingSelect(choices=column_choices(status))
        fields["file_column_id"].widget = KeepingSelect(
            choices=column_choices(board.of_type("file"), blank="(no file column)")
        )
        fields["trigger_label"].widget = KeepingSelect(choices=label_choices(status))
        stages = [
            *((stage, stage.capitalize()) for stage in label_checks.STAGES),
            *((stage, f"Customer {stage} (optional)") for stage in label_checks.OPTIONAL_STAGES),
        ]
        fields["stage_labels"].widget = PicksWidget(stages, label_choices(status))
        mappable = [column for column in board.columns if column.type != "subtasks"]
        column_picks = column_choices(mappable, blank="(not mapped)")
        targets = mapping_setup.answer_targets(setup.form)
        fields["column_map"].widget = PicksWidget(targets, column_picks, inverted=True)
        sub = [column for column in board.subitem_columns if column.type != "name"]
        subitem_choices = [
            ("", "(not read)"),
            (SUBITEM_NAME, "The subitem's name (name)"),
            *column_choices(sub)[1:],
        ]
        lines = [(line, line.replace("_", " ").capitalize()) for line in SUBITEM_FIELDS]
        fields["subitem_map"].widget = PicksWidget(lines, subitem_choices)
        for name in ("column_map", "subitem_map", "stage_labels"):
            fields[name].help_text = ""

    def clean_column_map(self) -> Any:
        value = self.cleaned_data.get("column_map")
        widget = self.fields["column_map"].widget
        picks = isinstance(widget, PicksWidget)
        twice = widget.duplicates(self.data, "column_map") if picks else []
        if twice:
            raise forms.ValidationError(
                f"column {', '.join(repr(c) for c in twice)} is picked for more than one target; "
                "a column feeds one target"
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned  # a field is already wrong: monday is not asked
        if not mapping_checks.needs_board_check(self.instance, cleaned):
            return cleaned
        try:
            cleaned.update(mapping_checks.check_mapping(cleaned))
        except mapping_checks.MappingInvalid as invalid:
            for field, message in invalid.errors.items():
                self.add_error(field if field in self.fields else None, message)
        except mapping_checks.MondayUnavailable as unavailable:
            self.add_error(None, f"{unavailable} Try again in {unavailable.retry_after} s.")
        return cleaned
