"""Setting up a board mapping in the admin, in Debian's chromium at 1366x768, against the fake
monday: pick the board, pick its columns and labels, save, register the webhook (monday's
challenge reaches the live site); then follow one deal from the item's status change to its
PDF through the admin's links alone."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from betterform import services as forms
from betterform.models import Form, Quote
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.models import BoardMapping
from monday_integration.testing import FakeMonday, build_demo_board
from tests.site.browser.conftest import overflow


@pytest.fixture
def monday(settings):
    with FakeMonday(retry_interval=0.05) as server:
        settings.MONDAY_API_URL = server.url
        settings.MONDAY_API_TOKEN = server.token
        yield server, build_demo_board(server)


def set_up_through_the_admin(page, fake, demo) -> BoardMapping:
    """The mapping an operations admin makes for the demo board, its webhook registered."""
    schema = copy.deepcopy(DEMO_FORM_SCHEMA)
    form = forms.save_form(Form(name="Renovation", slug="renovation", schema=schema))
    columns, sub = demo["columns"], demo["subitem_columns"]

    page.goto(f"{page.base}/admin/monday_integration/boardmapping/add/")
    page.select_option("#picker_board_id", str(demo["board_id"]))
    page.select_option("#picker_form", str(form.pk))
    page.get_by_role("button", name="Load board").click()

    page.fill("#id_name", "Sales pipeline")
    page.select_option("#id_trigger_column_id", label="Status (status, status)")
    page.select_option("#id_trigger_label", "Quote requested")
    page.select_option("#id_status_column_id", "status")
    page.select_option("#id_file_column_id", columns["files"])
    page.select_option("#id_column_map__customer\\.name", columns["customer"])
    page.select_option("#id_column_map__customer\\.email", columns["email"])
    page.select_option("#id_column_map__answers\\.area", columns["area"])
    page.select_option("#id_column_map__answers\\.finish", columns["finish"])
    page.select_option("#id_subitem_map__description", "name")
    page.select_option("#id_subitem_map__quantity", sub["quantity"])
    page.select_option("#id_subitem_map__unit_price", sub["unit_price"])
    page.select_option("#id_stage_labels__working", "Quote in progress")
    page.select_option("#id_stage_labels__done", "Quote ready")
    page.select_option("#id_stage_labels__failed", "Quote failed")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    mapping = BoardMapping.objects.get()
    assert mapping.column_map == {
        columns["customer"]: "customer.name",
        columns["email"]: "customer.email",
        columns["area"]: "answers.area",
        columns["finish"]: "answers.finish",
    }
    url = f"{page.base}/api/monday/webhooks/{mapping.webhook_secret}/"
    expect(page.locator("#webhook-url")).to_have_text(url)

    page.get_by_role("button", name="Register webhook").click()
    expect(page.locator(".messagelist")).to_contain_text("registered")
    mapping.refresh_from_db()
    return mapping


@pytest.mark.django_db(transaction=True)
def test_a_new_mapping_is_set_up_by_picking_and_its_webhook_registered(monday, admin_page, shoot):
    fake, demo = monday
    mapping = set_up_through_the_admin(admin_page, fake, demo)
    url = f"{admin_page.base}/api/monday/webhooks/{mapping.webhook_secret}/"
    [hook] = fake.webhooks
    assert hook.url == url and [c.ok for c in fake.challenges] == [True]
    assert mapping.webhook_id == str(hook.id)
    expect(admin_page.locator("#mapping-webhook")).to_contain_text(
        f"Registered as webhook {hook.id}"
    )
    shoot(admin_page, "admin-mapping")


@pytest.mark.django_db(transaction=True)
def test_one_deal_is_followed_from_its_event_to_its_pdf_by_links(
    monday, admin_page, run_worker, shoot
):
    """Issue 18: "seven clicks through Item links". Here: the event list, then one link each."""
    fake, demo = monday
    page = admin_page
    mapping = set_up_through_the_admin(page, fake, demo)
    item_id = demo["items"][0]
    fake.set_status(item_id, mapping.status_column_id, "Quote requested")
    fake.wait_for_deliveries(1, timeout=10)
    assert run_worker() >= 1
    fake.wait_for_deliveries(3, timeout=10)  # our own label changes come back too
    quote = Quote.objects.get()

    page.goto(f"{page.base}/admin/monday_integration/webhookevent/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)  # the trigger; our own label changes are kept out of the way
    expect(rows.first).to_contain_text(fake.item(item_id).name)
    expect(rows.first).to_contain_text("done")
    assert overflow(page) <= 0  # the list does not scroll sideways at 1366 px
    shoot(page, "admin-events")
    rows.first.locator("th a, td a").first.click()

    expect(page.get_by_role("link", name="Item on monday")).to_have_attribute(
        "href", re.compile(rf"/boards/{mapping.board_id}/pulses/{item_id}$")
    )
    page.get_by_role("link", name=re.compile(r"^Quote: ")).click()
    expect(page.locator(".field-number")).to_contain_text(quote.number)
    expect(page.locator(".field-total_shown")).to_contain_text(f"{quote.total:,.2f} EUR")
    shoot(page, "admin-deal-quote")
    page.get_by_role("link", name=re.compile(r"^PDF: ")).first.click()
    expect(page.locator(".field-status")).to_contain_text("Done")
    with page.expect_download() as download:
        page.locator(".field-file_link a").click()  # the authenticated download
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and quote.number in _pdf_text(pdf)


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
