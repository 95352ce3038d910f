"""Live progress in the admin, in Debian's chromium against a real uvicorn (Django and
Socket.IO; pytest-django's ``live_server`` has no Socket.IO): the document, quote and monday
event change pages follow their object over the browser's session login, without a reload; a
quote's page says in a sentence what its customer did (sent, opened, accepted, declined,
expired).

The site runs in processes of its own on a fresh SQLite file (``live_site``); a second
``DATABASE_URL`` through ``LIVE_PROGRESS_DATABASE_URL`` runs it on PostgreSQL instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.site.browser.conftest import DESKTOP, PageErrors
from tests.site.test_live_progress_snippet import OVERRIDE, site_includes_snippet
from tests.site.test_realtime_live import LINE, api, report_context, request_report

PASSWORD = "live-progress-password"
WAIT = 30_000  # ms any one update may take (a PDF render on a busy machine)

SUPERUSER = f"""
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_superuser("ops", "ops@example.com", "{PASSWORD}")
print(Token.objects.create(user=user).key)
"""
NEW_EVENT = """
import uuid
from monday_integration.models import WebhookEvent
event = WebhookEvent.objects.create(trigger_uuid=uuid.uuid4().hex, board_id="4001",
                                    item_id="5002", event_type="create_pulse", payload={})
print(event.pk)
"""
# What the sync does to an event, announced the way it announces it (monday_integration.sync)
SYNC_EVENT = """
import os
from monday_integration.models import WebhookEvent
from monday_integration.signals import event_finished, sync_stage_changed
event = WebhookEvent.objects.get(pk=os.environ["EVENT_ID"])
event.status, event.stage = "processing", "quote"
event.save()
sync_stage_changed.send(sender=WebhookEvent, event=event, stage="quote", label="Quoting")
event.status = "done"
event.save()
event_finished.send(sender=WebhookEvent, event=event, status="done")
"""
# The customer's side, done the way the site does it (betterform.sending, answering, expiry),
# in a process of its own: its events reach the pages through the site's outbox.
CUSTOMER_ACTS = """
import datetime, os
from betterform import answering, expiry, sending
from betterform.models import Quote
accepted, declined, expired = (Quote.objects.get(pk=pk) for pk in os.environ["QUOTES"].split(","))
sending.send_quote(accepted, base_url="http://testserver")
answering.record_view(accepted)
answering.accept_quote(accepted, signer_name="Ada Lovelace", consent=True,
                       ip_address="203.0.113.9", user_agent="SecretBrowser/1.0")
answering.decline_quote(declined, reason="Too dear   for us", ip_address="203.0.113.9",
                        user_agent="SecretBrowser/1.0")
answering.record_view(expired)  # a draft whose page was opened expires like a sent one
expiry.expire_due_quotes(today=expired.valid_until + datetime.timedelta(days=1))
"""


@pytest.fixture
def site(live_site, manage, tmp_path) -> Any:
    """The live site with the snippet in ``admin/base_site.html`` (through an override
    until the site's own template includes it) and a superuser ``ops`` with a token."""
    env: dict[str, str] = {}
    if os.environ.get("LIVE_PROGRESS_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["LIVE_PROGRESS_DATABASE_URL"]
    if not site_includes_snippet():
        settings_dir = tmp_path / "settings"
        (settings_dir / "templates" / "admin").mkdir(parents=True)
        (settings_dir / "templates" / "admin" / "base_site.html").write_text(OVERRIDE)
        (settings_dir / "live_progress_settings.py").write_text(
            "from betterform_site.settings import *  # noqa: F403\n"
            f"TEMPLATES[0]['DIRS'] = [{str(settings_dir / 'templates')!r}]  # noqa: F405\n"
        )
        path = os.pathsep.join(filter(None, [str(settings_dir), os.environ.get("PYTHONPATH")]))
        env.update(DJANGO_SETTINGS_MODULE="live_progress_settings", PYTHONPATH=path)
    running = live_site(env=env)
    running.shell = lambda code, **extra: shell(manage, env, code, extra)
    running.token = running.shell(SUPERUSER)
    return running


def shell(manage: Callable[..., Any], env: dict[str, str], code: str, extra: dict) -> str:
    result = manage("shell", "-v", "0", "-c", code, env={**env, **extra})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.fixture
def browser_page(chromium, site) -> Iterator[Any]:
    """A page logged in to the admin through its login form (a session cookie, no token)."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = PageErrors(page, site.base_url)
    page.goto(f"{site.base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.base_url}/admin/")
    yield page
    context.close()
    assert not errors.seen, errors.seen


def open_live(page: Any, url: str) -> Any:
    """Open a change page, wait for the socket, and mark the window: the mark survives only
    if nothing reloads the page."""
    page.goto(url)
    page.wait_for_selector("#live-progress[data-live=on]", timeout=WAIT)
    page.evaluate("window.notReloaded = true")
    return page.get_by_role("status")


def not_reloaded(page: Any) -> bool:
    return page.evaluate("window.notReloaded === true")


def readonly(page: Any, field: str) -> str:
    return page.locator(f".field-{field} .readonly").inner_text().strip()


def document_page_follows_its_render(site: Any, page: Any, shoot: Any) -> None:
    with api(site.base_url, site.token) as client:
        document = request_report(client, report_context("Followed live"))  # no worker yet
    status = open_live(page, f"{site.base_url}/admin/createpdf/document/{document['id']}/change/")
    expect(status).to_have_text("Document: Queued\u2026", timeout=WAIT)
    assert readonly(page, "status") == "Queued"
    reload = page.get_by_role("link", name="Reload to see the result")
    expect(reload).to_be_hidden()

    site.start_worker()
    expect(status).to_contain_text("Document: done", timeout=WAIT)
    expect(reload).to_be_visible()
    assert readonly(page, "status") == "Done"
    assert not_reloaded(page)
    shoot(page, "admin-live-progress")

    reload.click()
    page.wait_for_selector("#live-progress[data-live=on]", timeout=WAIT)
    assert not not_reloaded(page)
    assert readonly(page, "status") == "Done"
    # the state the page opened with is no news: no link to reload again
    expect(status).to_contain_text("Document: done", timeout=WAIT)
    expect(reload).to_be_hidden()


def quote_page_says_when_the_quote_changed_elsewhere(site: Any, page: Any) -> None:
    with api(site.base_url, site.token) as client:
        created = client.post("/api/quotes/", json={"title": "Kitchen", "lines": [LINE]})
        assert created.status_code == 201, created.text
        quote = created.json()
        url = f"{site.base_url}/admin/betterform/quote/{quote['id']}/change/"
        status = open_live(page, url)
        expect(status).to_contain_text(f"Quote {quote['number']}: Draft", timeout=WAIT)
        expect(status).not_to_contain_text("changed")

        changed = client.patch(f"/api/quotes/{quote['id']}/", json={"status": "sent"})
        assert changed.status_code == 200, changed.text
    expect(status).to_contain_text(
        f"Quote {quote['number']}: Sent, total {changed.json()['total']}", timeout=WAIT
    )
    expect(status).to_contain_text("changed since this page was opened")
    expect(page.get_by_role("link", name="Reload to see the changes")).to_be_visible()
    assert not_reloaded(page)


def record_texts(page: Any) -> None:
    """Keep every text the status region shows in ``window.seen``."""
    page.evaluate(
        """() => {
             const region = document.getElementById('live-progress');
             window.seen = [];
             new MutationObserver(() => window.seen.push(region.textContent))
               .observe(region, {subtree: true, childList: true, characterData: true});
           }"""
    )


def quote_pages_say_what_the_customer_did(site: Any, page: Any) -> None:
    """Three quotes open in three tabs; the customer acts on each (one process, the site's
    own functions); each tab says what happened, with nothing the events leave out."""
    customer = {"customer_name": "Ada Lovelace", "customer_email": "ada@example.com"}
    with api(site.base_url, site.token) as client:
        quotes = []
        for title in ("Accepted", "Declined", "Expired"):
            made = client.post("/api/quotes/", json={"title": title, "lines": [LINE], **customer})
            assert made.status_code == 201, made.text
            quotes.append(made.json())
    tabs = [page, page.context.new_page(), page.context.new_page()]
    statuses = []
    for tab, quote in zip(tabs, quotes, strict=True):
        statuses.append(
            open_live(tab, f"{site.base_url}/admin/betterform/quote/{quote['id']}/change/")
        )
        expect(statuses[-1]).to_contain_text(f"Quote {quote['number']}: Draft", timeout=WAIT)
    record_texts(page)

    site.shell(CUSTOMER_ACTS, QUOTES=",".join(str(quote["id"]) for quote in quotes))

    accepted, declined, expired = statuses
    number = quotes[0]["number"]
    expect(accepted).to_contain_text(
        f"Quote {number}: Accepted by Ada Lovelace: the quote is now read-only.", timeout=WAIT
    )
    expect(page.get_by_role("link", name="Reload to see the signed copy")).to_be_visible()
    seen = page.evaluate("window.seen")
    assert any(f"Quote {number}: Sent to Ada Lovelace by e-mail." in text for text in seen), seen
    assert any(f"Quote {number}: The customer opened this quote." in text for text in seen), seen
    expect(declined).to_contain_text(
        f"Quote {quotes[1]['number']}: Declined by the customer: \u201cToo dear for us\u201d. "
        "The quote is now read-only.",
        timeout=WAIT,
    )
    expect(tabs[1].get_by_role("link", name="Reload to see the answer")).to_be_visible()
    expect(expired).to_contain_text(
        f"Quote {quotes[2]['number']}: Expired unanswered: the quote is now read-only.",
        timeout=WAIT,
    )
    for tab, status in zip(tabs, statuses, strict=True):
        assert "203.0.113.9" not in status.inner_text() and "Secret" not in status.inner_text()
        assert not_reloaded(tab)
    for tab in tabs[1:]:
        tab.close()


def monday_event_page_shows_each_sync_stage(site: Any, page: Any) -> None:
    event_id = site.shell(NEW_EVENT)
    url = f"{site.base_url}/admin/monday_integration/webhookevent/{event_id}/change/"
    status = open_live(page, url)
    expect(status).to_have_text("Event: Received\u2026", timeout=WAIT)

    record_texts(page)
    site.shell(SYNC_EVENT, EVENT_ID=event_id)
    expect(status).to_contain_text("Event: Done, stage quote.", timeout=WAIT)
    expect(page.get_by_role("link", name="Reload to see the result")).to_be_visible()
    assert readonly(page, "status") == "Done" and readonly(page, "stage") == "quote"
    seen = page.evaluate("window.seen")
    assert any("Sync: Quote (monday label \u201cQuoting\u201d)" in text for text in seen), seen
    assert not_reloaded(page)


def without_javascript_the_page_is_plain(chromium: Any, site: Any) -> None:
    with api(site.base_url, site.token) as client:
        document = request_report(client, report_context("No script"))
        made = client.post(
            "/api/quotes/",
            json={"title": "No script", "lines": [LINE], "customer_email": "ada@example.com"},
        )
        assert made.status_code == 201, made.text
        quote = made.json()
    context = chromium.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.base_url}/admin/")
    page.goto(f"{site.base_url}/admin/createpdf/document/{document['id']}/change/")
    region = page.locator("#live-progress")
    assert region.get_attribute("role") == "status"
    assert region.inner_text() == "" and region.get_attribute("data-live") is None
    assert readonly(page, "status") in {"Queued", "Rendering", "Done"}  # the worker runs

    # a quote's page too: its region stays empty, and "Send to customer" is a plain link
    page.goto(f"{site.base_url}/admin/betterform/quote/{quote['id']}/change/")
    assert page.locator("#live-progress").inner_text() == ""
    send = page.get_by_role("link", name="Send to customer")
    assert send.get_attribute("href") == f"/admin/betterform/quote/{quote['id']}/send/"
    context.close()


def test_change_pages_follow_their_object_live_and_stay_plain_without_javascript(
    chromium, site, browser_page, shoot
):
    """One live site (a minute to start on a busy machine) for the five checks."""
    document_page_follows_its_render(site, browser_page, shoot)
    quote_page_says_when_the_quote_changed_elsewhere(site, browser_page)
    quote_pages_say_what_the_customer_did(site, browser_page)
    monday_event_page_shows_each_sync_stage(site, browser_page)
    without_javascript_the_page_is_plain(chromium, site)
