"""Quote lines made from subitems take the form's tax rate (and are priced in the form's
currency) unless the mapping maps a tax column; numbers come from monday's typed value."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from betterform import services as forms
from betterform.models import Form
from monday_integration import sync
from monday_integration.client import MondayClient
from monday_integration.mapping import MappingError, subitems_to_lines
from monday_integration.models import BoardMapping
from monday_integration.parsing import ColumnValue, Item

from .conftest import SCHEMA

pytestmark = pytest.mark.django_db


def _number_cell(column_id: str, text: str, number: float | None = None) -> ColumnValue:
    return ColumnValue(id=column_id, type="numbers", text=text, value=None, number=number)


def _item(*subitems: Item) -> Item:
    return Item(id="900", name="Kitchen", subitems=list(subitems))


def _subitem(sub_id: str, name: str, **cells: ColumnValue) -> Item:
    return Item(id=sub_id, name=name, column_values={c.id: c for c in cells.values()})


@pytest.fixture
def unit_mapping(django_user_model):
    """A mapping not tied to the fake (unit tests): the demo form, 21% tax, EUR."""
    form = forms.save_form(Form(name="Renovation", slug="renovation", schema=copy.deepcopy(SCHEMA)))
    return BoardMapping.objects.create(
        name="Unit",
        board_id="1",
        form=form,
        trigger_column_id="status",
        status_column_id="status",
        subitem_map={"description": "name", "quantity": "qty", "unit_price": "price"},
    )


def test_subitem_lines_take_the_form_s_tax_rate_when_no_tax_column_is_mapped(unit_mapping):
    item = _item(
        _subitem("1", "Tiles", qty=_number_cell("qty", "3"), price=_number_cell("price", "10"))
    )
    [line] = subitems_to_lines(unit_mapping, item)
    assert line["tax_rate"] == Decimal("21")


def test_a_mapped_tax_column_wins_over_the_form_s_rate(unit_mapping):
    unit_mapping.subitem_map["tax_rate"] = "tax"
    item = _item(
        _subitem("1", "Books", tax=_number_cell("tax", "9")),
        _subitem("2", "Labour", tax=_number_cell("tax", "")),
    )
    books, labour = subitems_to_lines(unit_mapping, item)
    assert books["tax_rate"] == Decimal("9")
    assert labour["tax_rate"] == Decimal("21"), "an empty tax cell falls back to the form's rate"


def test_a_form_without_a_tax_rate_gives_subitem_lines_no_tax(unit_mapping):
    schema = {**SCHEMA, "pricing": {"currency": "USD"}}
    [line] = subitems_to_lines(unit_mapping, _item(_subitem("1", "Tiles")), schema=schema)
    assert line["tax_rate"] == Decimal("0")


def test_the_typed_number_wins_over_the_display_text(unit_mapping):
    """monday's text can carry a unit or thousands separators; ``number`` is exact."""
    item = _item(
        _subitem(
            "1",
            "Worktop",
            qty=_number_cell("qty", "2 pcs", number=2.0),
            price=_number_cell("price", "€1.234,50", number=1234.5),
        )
    )
    [line] = subitems_to_lines(unit_mapping, item)
    assert (line["quantity"], line["unit_price"]) == (Decimal("2"), Decimal("1234.5"))


def test_a_typed_number_is_read_through_its_decimal_text_not_float_arithmetic(unit_mapping):
    item = _item(_subitem("1", "Bolts", price=_number_cell("price", "", number=0.1)))
    [line] = subitems_to_lines(unit_mapping, item)
    assert line["unit_price"] == Decimal("0.1")
    assert str(line["unit_price"]) == "0.1"


def test_text_is_parsed_when_monday_gives_no_typed_number(unit_mapping):
    item = _item(_subitem("1", "Tiles", price=_number_cell("price", "1,200.50")))
    [line] = subitems_to_lines(unit_mapping, item)
    assert line["unit_price"] == Decimal("1200.50")


def test_a_mirror_column_s_display_value_is_read(unit_mapping):
    """Since API 2023-10 a mirror column's ``text`` is empty; ``display_value`` holds it."""
    unit_mapping.subitem_map.update(unit="unit", unit_price="price")
    mirror = ColumnValue(id="price", type="mirror", text="", value=None, display_value="75.25")
    unit = ColumnValue(id="unit", type="mirror", text=None, value=None, display_value="m²")
    [line] = subitems_to_lines(unit_mapping, _item(_subitem("1", "Paint", price=mirror, u=unit)))
    assert (line["unit_price"], line["unit"]) == (Decimal("75.25"), "m²")


def test_text_that_is_not_a_number_names_the_column(unit_mapping):
    item = _item(_subitem("1", "Tiles", qty=_number_cell("qty", "a few")))
    with pytest.raises(MappingError, match="'qty'"):
        subitems_to_lines(unit_mapping, item)


# -- over HTTP, through the fake's demo board ---------------------------------------------------


def test_a_synced_quote_taxes_subitem_lines_like_the_form_s_own(mapping, demo, fake):
    item_id = demo["items"][0]
    with MondayClient() as client:
        [item] = client.get_items([item_id])
    submission = sync.upsert_submission(mapping, item)
    quote = sync.build_quote(mapping, item, submission)
    lines = list(quote.lines.order_by("position"))
    own = [line for line in lines if not line.source_key.startswith("subitem:")]
    extra = [line for line in lines if line.source_key.startswith("subitem:")]
    assert own and len(extra) == len(demo["subitems"][item_id])
    assert {line.tax_rate for line in lines} == {Decimal("21")}
    assert quote.currency == "EUR"
    cabinets = next(line for line in extra if line.description == "Cabinets")
    assert (cabinets.quantity, cabinets.unit_price) == (Decimal("12"), Decimal("310"))
    assert cabinets.amounts.tax == Decimal("781.20")  # 21% of 12 x 310
