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

import os
import shutil
from collections.abc import Callable, Iterator
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
