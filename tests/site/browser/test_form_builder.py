"""The form builder in the admin (issue 18: "forms are edited as raw JSON"): an operations
person builds a form from the starter schema with buttons and inputs (a section, a choice field
with two priced options, reordered with the keyboard), saves it, and finds in the database the
schema that was built; a refused save shows each error next to its field.
"""

from __future__ import annotations

import copy
import json

import pytest

from betterform.admin_forms import STARTER_SCHEMA
from tests.site.browser.conftest import overflow

B = "#bf-builder-1"  # the first (only) builder on the page; its controls' ids start so

FINISH = {
    "title": "Finish",
    "fields": [
        {
            "key": "finish",
            "label": "Finish",
            "type": "choice",
            "required": True,
            "options": [
                {"value": "premium", "label": "Premium", "price": "2500.00"},
                {"value": "basic", "label": "Basic", "price": "100.00"},
            ],
        }
    ],
}


def _press(page, selector: str) -> None:
    """Activate a button from the keyboard, as a keyboard user would."""
    page.locator(selector).focus()
    page.keyboard.press("Enter")


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id")


@pytest.mark.django_db(transaction=True)
def test_build_a_priced_choice_form_save_it_and_see_errors_by_field(admin_page, shoot):
    from betterform.models import Form

    page = admin_page
    page.goto(f"{page.base}/admin/betterform/form/add/")
    page.get_by_label("Name").fill("Kitchen")
    page.locator("#id_slug").press("End")  # the slug follows the name: "kitchen"
    assert page.locator("#id_schema").is_hidden()  # the builder replaces the raw JSON
    assert page.locator(f"{B}-s0-title").input_value() == "Details"

    page.locator(f"{B}-add-section").click()
    assert _focused(page) == f"{B[1:]}-s1-title"
    page.locator(f"{B}-s1-title").fill("Finish")
    page.locator(f"{B}-s1-add-field").click()
    page.locator(f"{B}-s1-f0-key").fill("finish")
    page.locator(f"{B}-s1-f0-label").fill("Finish")
    page.locator(f"{B}-s1-f0-type").select_option("choice")
    page.locator(f"{B}-s1-f0-required").check()
    page.locator(f"{B}-s1-f0-o0-label").fill("Basic")  # the value follows: "basic"
    page.locator(f"{B}-s1-f0-o0-price").fill("100.00")
    page.locator(f"{B}-s1-f0-add-option").click()
    page.locator(f"{B}-s1-f0-o1-label").fill("Premium")
    page.locator(f"{B}-s1-f0-o1-price").fill("2500.00")

    # Reorder from the keyboard: Premium first, then the new section above the starter's.
    _press(page, f"{B}-s1-f0-o1-up")
    assert _focused(page) == f"{B[1:]}-s1-f0-o0-down"  # "up" is disabled at the top
    _press(page, f"{B}-s1-up")
    assert _focused(page) == f"{B[1:]}-s0-down"
    assert "moved to position 1" in page.locator(f"{B} .bf-status").inner_text()

    built = {"sections": [FINISH, copy.deepcopy(STARTER_SCHEMA)["sections"][0]]}
    assert json.loads(page.locator("#id_schema").input_value()) == built

    # "Show JSON" shows the textarea the builder wrote, for experts, and back.
    page.get_by_role("button", name="Show JSON").click()
    assert page.locator("#id_schema").is_visible()
    page.get_by_role("button", name="Show builder").click()
    assert page.locator("#id_schema").is_hidden()

    page.locator("input[name=_continue]").click()
    page.wait_for_url("**/change/")
    form = Form.objects.get(slug="kitchen")
    assert form.schema == built
    page.reload()
    assert page.locator(f"{B}-s0-title").input_value() == "Finish"
    assert page.locator(f"{B}-s0-f0-o0-price").input_value() == "2500.00"

    # A duplicate key: refused, and the message stands next to the field that repeats it.
    page.locator(f"{B}-s1-f0-key").fill("finish")
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    field = page.locator('.bf-field[data-path="sections[1].fields[0]"]')
    message = "key: 'finish' is already used at section 1, field 1"  # sections[0].fields[0]
    assert message in field.locator(".bf-errorlist").inner_text()
    assert page.locator(f"{B}-s1-f0-key").get_attribute("aria-invalid") == "true"
    assert page.locator(f"{B}-s1-f0-label").get_attribute("aria-invalid") is None
    assert page.locator('.bf-field[data-path="sections[0].fields[0]"] .bf-errorlist').count() == 0
    form.refresh_from_db()
    assert form.schema == built  # nothing saved
    assert overflow(page) <= 0  # the builder fits a 1366 px window
    field.scroll_into_view_if_needed()
    shoot(page, "admin-form-builder")


PRICED = {
    "sections": [
        {
            "title": "Project",
            "description": "The room.",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "required": True,
                    "min": 1,
                    "max": 200,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "extras",
                    "label": "Extras",
                    "type": "multi_choice",
                    "max_choices": 2,
                    "options": [
                        {"value": "island", "label": "Island", "price": "1800.00"},
                        {"value": "plinth", "label": "Plinth"},
                    ],
                },
                {
                    "key": "removal",
                    "label": "Remove the old one",
                    "type": "boolean",
                    "pricing": {"price": "300.00", "tax_rate": "9"},
                },
                {"key": "start", "label": "Start", "type": "date", "min_date": "2026-01-01"},
            ],
        }
    ],
    "pricing": {
        "currency": "EUR",
        "tax_rate": "21",
        "fixed_fees": [{"description": "Site visit", "amount": "150.00"}],
    },
}


@pytest.mark.django_db(transaction=True)
def test_every_priced_type_round_trips_and_bad_json_stays_in_the_json_view(admin_page):
    from betterform import services
    from betterform.models import Form

    form = services.save_form(Form(name="Kitchen", slug="kitchen", schema=copy.deepcopy(PRICED)))
    page = admin_page
    url = f"{page.base}/admin/betterform/form/{form.pk}/change/"
    page.goto(url)
    # Each type shows its own limits and prices, from what the schema holds.
    assert page.locator(f"{B}-s0-f0-unit_price").input_value() == "85.00"
    assert page.locator(f"{B}-s0-f1-max_choices").input_value() == "2"
    assert page.locator(f"{B}-s0-f2-price").input_value() == "300.00"
    assert page.locator(f"{B}-s0-f3-min_date").input_value() == "2026-01-01"
    assert page.locator(f"{B}-pricing-fee0-amount").input_value() == "150.00"
    assert page.locator(f"{B}-s0-f3-price").count() == 0  # a date has no price

    # Saved untouched: the same schema, no new version.
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    form.refresh_from_db()
    assert form.schema == PRICED and form.versions.count() == 1

    # A type change drops what the new type cannot have, so the schema stays valid.
    page.locator(f"{B}-s0-f2-type").select_option("text")
    written = json.loads(page.locator("#id_schema").input_value())
    assert written["sections"][0]["fields"][2] == {
        "key": "removal", "label": "Remove the old one", "type": "text"
    }  # fmt: skip
    assert _focused(page) == f"{B[1:]}-s0-f2-type"

    # An expert's syntax error: the builder will not hide it, and the server says where it is.
    page.get_by_role("button", name="Show JSON").click()
    page.locator("#id_schema").fill('{"sections": [}')
    page.get_by_role("button", name="Show builder").click()
    assert page.locator("#id_schema").is_visible()
    assert "not valid JSON" in page.locator(f"{B} .bf-notice").inner_text()
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert "line 1, column 15" in page.locator(".field-schema .errorlist").inner_text()
    assert page.locator("#id_schema").is_visible()
    form.refresh_from_db()
    assert form.schema == PRICED
