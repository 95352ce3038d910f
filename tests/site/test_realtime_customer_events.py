"""The customer's side in real time (issue 16): a quote sent, its page first opened, accepted,
declined or expired is announced as ``quote.sent``, ``quote.viewed``, ``quote.accepted``,
``quote.declined`` and ``quote.expired`` to its owner, staff and the quote's followers, with
what a rep needs (when sent and first viewed, how often, the answer) and never the page's
token.

First through the outbox in this process (real commits), then against the real system: uvicorn
serving Socket.IO and the customer's pages, a worker, the cron command, python-socketio clients
and a customer's browser played by httpx.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from betterform import answering, expiry, sending
from betterform import services as quotes
from betterform_site.models import RealtimeEvent
from betterform_site.realtime import messages
from betterform_site.realtime.publishers import DatabasePublisher, get_publisher
from tests.site.test_realtime_live import LINE as API_LINE
from tests.site.test_realtime_live import TIMEOUT, api, listeners

LINE = {
    "description": "Cabinets",
    "quantity": Decimal("2"),
    "unit_price": Decimal("1250.00"),
    "tax_rate": Decimal("21"),
}
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"


@pytest.fixture
def outbox(settings) -> Iterator[None]:
    """The database publisher, even where the environment sets ``REDIS_URL`` (CI)."""
    settings.REALTIME_REDIS_URL = ""
    get_publisher.cache_clear()
    assert isinstance(get_publisher(), DatabasePublisher)
    yield
    get_publisher.cache_clear()


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user("rep", "rep@example.com", "pw")


def announced(prefix: str = "quote.") -> list[tuple[str, dict[str, Any], list[str]]]:
    rows = RealtimeEvent.objects.filter(event__startswith=prefix).order_by("id")
    return [(row.event, row.data, row.rooms) for row in rows]


def customer_events() -> list[tuple[str, dict[str, Any], list[str]]]:
    return [row for row in announced() if row[0] not in ("quote.created", "quote.updated")]


def _quote(rep: Any, **fields: Any) -> Any:
    fields.setdefault("customer_email", "ada@example.com")
    return quotes.create_quote(
        title="Kitchen", customer_name="Ada Lovelace", owner=rep, lines=[dict(LINE)], **fields
    )


# --- through the outbox -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sent_first_viewed_and_accepted_are_announced_once_each_with_what_a_rep_needs(outbox, rep):
    quote = _quote(rep)

    sending.send_quote(quote, sent_by=rep, base_url="https://quotes.example.com")
    answering.record_view(quote)
    answering.record_view(quote)  # later views only count
    answering.record_view(quote, counted=False)  # staff previewing
    answering.accept_quote(
        quote, signer_name="Ada Lovelace", consent=True, ip_address="203.0.113.7",
        user_agent=BROWSER,
    )  # fmt: skip

    events = customer_events()
    assert [event for event, _, _ in events] == ["quote.sent", "quote.viewed", "quote.accepted"]
    rooms = [f"user:{rep.pk}", "staff", f"quote:{quote.pk}"]
    assert all(row[2] == rooms for row in events)
    sent, viewed, accepted = (data for _, data, _ in events)
    quote.refresh_from_db()
    assert sent["status"] == "sent"
    assert sent["sent_at"] == quote.sent_at.isoformat()
    assert (sent["view_count"], sent["first_viewed_at"], sent["answer"]) == (0, None, None)
    assert viewed["view_count"] == 1
    assert viewed["first_viewed_at"] == quote.first_viewed_at.isoformat()
    assert accepted["status"] == "accepted"
    answer = quote.answer
    assert accepted["answer"] == {
        "decision": "accepted",
        "signer_name": "Ada Lovelace",
        "reason": "",
        "answered_at": answer.answered_at.isoformat(),
        "signed_copy": False,  # rendered by the worker after the commit
    }
    assert accepted["view_count"] == 2
    every_payload = json.dumps([data for _, data, _ in announced()])
    assert quote.customer_token not in every_payload  # the page's link is the customer's
    assert "203.0.113.7" not in every_payload and "Firefox" not in every_payload


@pytest.mark.django_db(transaction=True)
def test_declined_says_why_and_expired_is_announced_by_the_cron_run(outbox, rep):
    declined = _quote(rep)
    lapsed = _quote(rep)
    sending.send_quote(lapsed, sent_by=rep)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    quotes.update_quote(lapsed, valid_until=yesterday)  # sent, then its validity ran out

    answering.decline_quote(
        declined, reason="Too expensive for us.", ip_address=None, user_agent=""
    )
    expired = expiry.expire_due_quotes()

    assert [quote.pk for quote in expired] == [lapsed.pk]
    events = {(event, data["id"]): data for event, data, _ in customer_events()}
    assert set(events) == {
        ("quote.sent", lapsed.pk),
        ("quote.declined", declined.pk),
        ("quote.expired", lapsed.pk),
    }
    answer = events[("quote.declined", declined.pk)]["answer"]
    assert (answer["decision"], answer["reason"]) == ("declined", "Too expensive for us.")
    gone = events[("quote.expired", lapsed.pk)]
    assert (gone["status"], gone["answer"]) == ("expired", None)


@pytest.mark.django_db
def test_the_state_a_client_asks_for_carries_the_stored_answer(rep):
    quote = _quote(rep)
    answering.accept_quote(
        quote, signer_name="Ada Lovelace", consent=True, ip_address=None, user_agent=""
    )
    quote.refresh_from_db()

    state = messages.quote_message(quote, "updated")  # what realtime.access answers

    assert state.data["status"] == "accepted"
    assert state.data["answer"]["signer_name"] == "Ada Lovelace"


# --- the real system ------------------------------------------------------------------------


def _answer_form(page: str) -> dict[str, str]:
    """The accept form's hidden fields, as the customer's browser would post them."""
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    document = re.search(r'name="document" value="(\d+)"', page).group(1)
    return {"csrfmiddlewaretoken": csrf, "document": document}


@pytest.mark.slow
def test_a_customer_answering_in_a_browser_reaches_the_rep_and_staff_live(live_site, free_port):
    # the quotes' links (the API's customer_url) lead to this live site, as SITE_URL says
    site = live_site(env={"SITE_URL": f"http://127.0.0.1:{free_port}"})
    tokens = site.create_users("alice", "bob", staff=("boss",))
    site.start_worker()
    customer = {"customer_name": "Ada Lovelace", "customer_email": "ada@example.com"}

    with (
        listeners(site.base_url, **tokens) as connected,
        api(site.base_url, tokens["alice"]) as rep,
        httpx.Client(
            base_url=site.base_url, timeout=TIMEOUT, headers={"User-Agent": BROWSER}
        ) as browser,
    ):
        alice, bob, boss = connected["alice"], connected["bob"], connected["boss"]
        made = [
            rep.post("/api/quotes/", json={"title": title, "lines": [API_LINE], **customer})
            for title in ("Kitchen", "Hall", "Attic")
        ]
        assert all(response.status_code == 201 for response in made), made[0].text
        kitchen, hall, attic = (response.json() for response in made)
        for quote in (kitchen, hall, attic):
            sent = rep.post(f"/api/quotes/{quote['id']}/send/", json={"message": "Hello"})
            assert sent.status_code == 200, sent.text
        yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
        lapsed = rep.patch(f"/api/quotes/{attic['id']}/", json={"valid_until": yesterday})
        assert lapsed.status_code == 200, lapsed.text

        page = browser.get(kitchen["customer_url"])
        assert page.status_code == 200
        browser.get(kitchen["customer_url"])  # a second view: counted, not announced
        accepted = browser.post(
            f"{kitchen['customer_url']}accept/",
            data={**_answer_form(page.text), "signer_name": "Ada Lovelace", "consent": "on"},
        )
        assert accepted.status_code == 303, accepted.text
        hall_page = browser.get(hall["customer_url"])
        declined = browser.post(
            f"{hall['customer_url']}decline/",
            data={**_answer_form(hall_page.text), "reason": "We chose another offer."},
        )
        assert declined.status_code == 303, declined.text
        cron = subprocess.run(
            [sys.executable, "-m", "betterform_site", "expire_quotes"],
            env=site.env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert cron.returncode == 0, cron.stderr

        for listener in (alice, boss):
            done = listener.wait_for_event("quote.accepted", kitchen["id"])
            assert done["answer"]["signer_name"] == "Ada Lovelace"
            assert done["answer"]["decision"] == "accepted"
            viewed = listener.wait_for_event("quote.viewed", kitchen["id"])
            assert (viewed["view_count"], viewed["status"]) == (1, "sent")
            assert viewed["first_viewed_at"] and viewed["sent_at"]
            no = listener.wait_for_event("quote.declined", hall["id"])
            assert no["answer"]["reason"] == "We chose another offer."
            gone = listener.wait_for_event("quote.expired", attic["id"])
            assert gone["status"] == "expired"
            listener.settle()
            about_kitchen = [e for e in listener.about("quote", kitchen["id"]) if _customer(e)]
            assert about_kitchen == ["quote.sent", "quote.viewed", "quote.accepted"], site.logs()
            assert [e for e in listener.about("quote", hall["id"]) if _customer(e)] == [
                "quote.sent",
                "quote.viewed",
                "quote.declined",
            ]
        bob.settle()
        assert [event for event, _ in bob.events if event.startswith("quote.")] == []
        token = kitchen["customer_url"].rstrip("/").rsplit("/", 1)[-1]
        assert token not in json.dumps(alice.events)


def _customer(event: str) -> bool:
    return event not in ("quote.created", "quote.updated")
