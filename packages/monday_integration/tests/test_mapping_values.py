"""An item's answers read numbers from monday's typed value and text from what a person
sees, mirror, formula and connect-boards columns included (``mapping.item_to_submission``)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from betterform import services as forms
from betterform.models import Form
from monday_integration.mapping import MappingError, item_to_submission, read_number
from monday_integration.models import BoardMapping
from monday_integration.parsing import ColumnValue, Item

from .conftest import SCHEMA

pytestmark = pytest.mark.django_db

COUNT_SCHEMA = copy.deepcopy(SCHEMA)
COUNT_SCHEMA["sections"][0]["fields"].append({"key": "rooms", "label": "Rooms", "type": "integer"})


@pytest.fixture
def unit_mapping():
    form = forms.save_form(Form(name="Renovation", slug="renovation", schema=COUNT_SCHEMA))
    return BoardMapping.objects.create(
        name="Unit",
        board_id="1",
        form=form,
        trigger_column_id="status",
        status_column_id="status",
        column_map={
            "area": "answers.area",
            "rooms": "answers.rooms",
            "who": "customer.name",
            "finish": "answers.finish",
        },
    )


def _item(**cells: ColumnValue) -> Item:
    """An item with the given cells; every other mapped column is there, empty."""
    values = {key: _cell(key, "text", "") for key in ("area", "rooms", "who", "finish")}
    values.update({cell.id: cell for cell in cells.values()})
    return Item(id="1", name="Deal", column_values=values)


def _cell(column_id: str, kind: str, text: str | None, **extra) -> ColumnValue:
    return ColumnValue(id=column_id, type=kind, text=text, value=None, **extra)


def test_a_number_answer_comes_from_the_typed_number_not_the_text(unit_mapping):
    item = _item(
        area=_cell("area", "numbers", "1,234.5 m²", number=1234.5),
        rooms=_cell("rooms", "numbers", "3 rooms", number=3.0),
    )
    answers, _ = item_to_submission(unit_mapping, item, COUNT_SCHEMA)
    assert answers["area"] == "1234.5"
    assert answers["rooms"] == 3


def test_a_whole_typed_number_reads_like_its_text(unit_mapping):
    item = _item(area=_cell("area", "numbers", "24", number=24.0))
    answers, _ = item_to_submission(unit_mapping, item, COUNT_SCHEMA)
    assert answers["area"] == "24"


def test_mirror_and_formula_columns_give_their_display_value(unit_mapping):
    item = _item(
        area=_cell("area", "formula", "", display_value="42.5"),
        who=_cell("who", "mirror", "", display_value="Eva Jansen"),
        finish=_cell("finish", "board_relation", None, display_value="Premium"),
    )
    answers, customer = item_to_submission(unit_mapping, item, COUNT_SCHEMA)
    assert answers["area"] == "42.5"
    assert answers["finish"] == "premium"
    assert customer["name"] == "Eva Jansen"


def test_an_empty_column_is_skipped(unit_mapping):
    item = _item(
        area=_cell("area", "numbers", ""), who=_cell("who", "mirror", "", display_value="")
    )
    answers, customer = item_to_submission(unit_mapping, item, COUNT_SCHEMA)
    assert "area" not in answers
    assert customer["name"] == "Deal"


@pytest.mark.parametrize(
    ("number", "text", "expected"),
    [(0.1, "", "0.1"), (1e16, "", "10000000000000000"), (None, "1,200.50", "1200.50")],
)
def test_read_number(number, text, expected):
    cell = _cell("n", "numbers", text, number=number)
    assert read_number(cell, "n") == Decimal(expected)
    assert str(read_number(cell, "n")) == expected


def test_read_number_refuses_text_that_is_not_a_number():
    with pytest.raises(MappingError, match="'n'"):
        read_number(_cell("n", "numbers", "lots"), "n")
