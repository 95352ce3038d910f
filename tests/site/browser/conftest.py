"""Browser tests: Debian's ``chromium`` (``scripts/system-packages``) driven by Playwright.

Playwright is launched with ``executable_path``, so it never downloads a browser. The site is
pytest-django's ``live_server`` (the test database, in a thread of this process). Every page a
test opens must load without a JavaScript error or a failed request of the page's own; the
``admin_page`` fixture checks that at teardown.

Screenshots: ``shoot(page, name)`` writes ``<name>.png`` to ``$SCREENSHOTS_DIR`` when it is set
(the README's images: ``SCREENSHOTS_DIR=docs/screenshots ./dev tests -- -m browser``), and to
the test's temporary directory otherwise, so every run takes them.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "browser-password"
DESKTOP = {"width": 1366, "height": 768}  # the common laptop the issue measured at
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def chromium(monkeypatch) -> Iterator[Any]:
    """One browser per test. Not per session: Playwright's sync API keeps an asyncio loop
    running in the test's thread while it is started, and the next test of this process
    (an ``asyncio.run`` of the load harness) would find it there."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run scripts/system-packages")
    # With that loop running, Django refuses ORM calls in this thread ("cannot call this from
    # an async context"); the tests' own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        yield browser
        browser.close()


@pytest.fixture
def operator(django_user_model) -> Any:
    """A superuser, as the operations person who runs the admin."""
    return django_user_model.objects.create_superuser("ops", "ops@example.com", PASSWORD)


class PageErrors:
    """JavaScript errors and failed same-origin requests seen by a page."""

    def __init__(self, page: Any, origin: str) -> None:
        self.seen: list[str] = []
        page.on("pageerror", lambda error: self.seen.append(f"JS error: {error}"))
        page.on(
            "response",
            lambda response: (
                self.seen.append(f"{response.status} {response.url}")
                if response.url.startswith(origin) and response.status >= 400
                else None
            ),
        )


@pytest.fixture
def admin_page(chromium, live_server, operator) -> Iterator[Any]:
    """A desktop-sized page logged in to the admin through its login form."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = PageErrors(page, live_server.url)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(operator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.base = live_server.url
    yield page
    context.close()
    assert not errors.seen, errors.seen


@pytest.fixture
def shoot(tmp_path) -> Callable[[Any, str], Path]:
    directory = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)

    def take(page: Any, name: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def overflow(page: Any) -> int:
    """How many CSS pixels the page, or a box of it that scrolls on its own (the admin's
    ``.results`` table, an inline group), is wider than it shows: 0 when nothing scrolls
    sideways."""
    return page.evaluate(
        """() => Math.max(
            document.documentElement.scrollWidth - window.innerWidth,
            ...Array.from(document.querySelectorAll(".results, .inline-group, .tabular"))
                .map(box => box.scrollWidth - box.clientWidth))"""
    )


@pytest.fixture
def phone_page(chromium, live_server) -> Iterator[Any]:
    """A customer's phone: a 360x740 touch window, not logged in to anything. Like
    ``admin_page``, it must see no JavaScript error and no failed request of the site's own
    (checked at teardown); ``page.base`` is the live server's address."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = PageErrors(page, live_server.url)
    page.base = live_server.url
    yield page
    context.close()
    assert not errors.seen, errors.seen


def money(quote: Any) -> str:
    """A quote's total as the customer's pages, e-mails and PDFs write it
    (``betterform.documents.format_money``)."""
    return f"{quote.total:,.2f}"


def quote_link(text: str) -> str:
    """The one quote page link (``/q/<token>/``) in an e-mail's body."""
    links = set(re.findall(r"https?://[^\s\"'<>]+/q/[\w-]+/", text))
    assert len(links) == 1, f"expected one quote link in the e-mail, found {links}: {text}"
    return links.pop()


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF."""
    from pypdf import PdfReader

    assert content.startswith(b"%PDF"), content[:40]
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def fits_the_phone(page: Any) -> None:
    """The page is readable at 360 px: nothing makes it scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


# --- the customer's side on monday: a deal whose quote goes to the customer ------------------

# The status labels the customer's answers move the item to, next to the demo board's own.
CUSTOMER_LABELS = {
    7: "Quote viewed",
    8: "Quote accepted",
    9: "Quote declined",
    10: "Quote expired",
}


@dataclass
class Deals:
    """The fake monday's demo board and the mapping that sends its quotes to the customers."""

    fake: Any
    demo: dict[str, Any]
    mapping: Any
    run_worker: Callable[..., int]

    def item(self, index: int) -> Any:
        return self.fake.item(self.demo["items"][index])

    def status(self, index: int) -> str | None:
        return self.item(index).label(self.mapping.status_column_id)

    def request_quote(self, index: int) -> Any:
        """Move deal ``index`` to the trigger label, as a rep does on monday; monday's webhook
        reaches the live site and the worker runs the pipeline. Returns the deal's quote."""
        from monday_integration.models import ItemLink

        item_id = self.demo["items"][index]
        self.fake.set_status(item_id, self.mapping.status_column_id, self.mapping.trigger_label)
        self.fake.wait_for_deliveries(1, timeout=10)
        assert self.run_worker() >= 1
        link = ItemLink.objects.select_related("quote").get(item_id=str(item_id))
        assert link.quote is not None, "the pipeline made no quote"
        return link.quote


@pytest.fixture
def monday_deals(settings, live_server, run_worker, django_user_model) -> Iterator[Deals]:
    """The fake monday with its demo board (``monday_integration.testing``), its status
    column given the customer's labels, and a mapping whose quotes are e-mailed to the
    customer read from the item, whose customer pages are on the live server, and whose
    webhook is registered (monday delivers to the live server)."""
    import httpx

    from betterform import services as forms
    from betterform.models import Form
    from monday_integration.demo import DEMO_FORM_SCHEMA
    from monday_integration.models import BoardMapping
    from monday_integration.testing import FakeMonday, build_demo_board

    settings.BETTERFORM_SITE_URL = live_server.url
    with FakeMonday(retry_interval=0.05) as fake:
        settings.MONDAY_API_URL = fake.url
        settings.MONDAY_API_TOKEN = fake.token
        demo = build_demo_board(fake)
        status = fake.board(demo["board_id"]).columns[demo["columns"]["status"]]
        with fake.state.lock:
            status.labels.update(CUSTOMER_LABELS)
        form = forms.save_form(
            Form(name="Renovation", slug="renovation", schema=copy.deepcopy(DEMO_FORM_SCHEMA))
        )
        columns = demo["columns"]
        mapping = BoardMapping.objects.create(  # the demo's mapping (monday_integration.demo)
            name="Sales pipeline",
            board_id=str(demo["board_id"]),
            form=form,
            trigger_column_id=columns["status"],
            trigger_label="Quote requested",
            column_map={
                columns["customer"]: "customer.name",
                columns["email"]: "customer.email",
                columns["area"]: "answers.area",
                columns["finish"]: "answers.finish",
                columns["phone"]: "answers.phone",
            },
            subitem_map={
                "description": "name",
                "quantity": demo["subitem_columns"]["quantity"],
                "unit_price": demo["subitem_columns"]["unit_price"],
            },
            file_column_id=columns["files"],
            status_column_id=columns["status"],
            stage_labels={
                "working": "Quote in progress",
                "done": "Quote ready",
                "failed": "Quote failed",
                **{kind: f"Quote {kind}" for kind in ("viewed", "accepted", "declined", "expired")},
            },
            send_quote_to_customer=True,
            customer_message="Thank you for your time on the phone today.",
            owner=django_user_model.objects.create_user("sales-owner", email="sales@example.com"),
        )
        hook = httpx.post(
            fake.url,
            headers={"Authorization": fake.token},
            json={
                "query": "mutation ($b: ID!, $u: String!) { create_webhook(board_id: $b, url: $u,"
                " event: change_status_column_value) { id } }",
                "variables": {
                    "b": mapping.board_id,
                    "u": f"{live_server.url}/api/monday/webhooks/{mapping.webhook_secret}/",
                },
            },
        )
        assert "errors" not in hook.json(), hook.json()
        yield Deals(fake, demo, mapping, run_worker)
