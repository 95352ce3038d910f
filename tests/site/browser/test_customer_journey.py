"""The customer's journey (issue 16), in Debian's chromium on a 360x740 phone against the live
server: fill the public form, see the priced quote; the rep sends it; open the e-mailed link
(read from Django's outbox, and once from a real SMTP server on loopback), accept with a typed
name; download the signed copy. And on monday: the deal's item follows the customer's answer.

Every page must fit the phone (no sideways scroll) and load without a JavaScript error or a
failed request of the site's own (the ``phone_page`` fixture checks at teardown).
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import httpx
import pytest
from django.core import mail
from playwright.sync_api import expect

from betterform import services as forms
from betterform.company import company_details
from betterform.models import Form, Quote
from monday_integration import sync
from monday_integration.demo import DEMO_FORM_SCHEMA
from monday_integration.models import WebhookEvent
from tests.site.browser.conftest import fits_the_phone, money, pdf_pages, quote_link
from tests.site.browser.smtp_server import LoopbackSMTP

pytestmark = pytest.mark.django_db(transaction=True)

SIGNER = "Eva Jansen"


def download(page: Any, link_name: str | re.Pattern[str]) -> bytes:
    """What the page's link ``link_name`` answers, fetched with the page's own session."""
    href = page.get_by_role("link", name=link_name).first.get_attribute("href")
    response = page.request.get(href if "://" in href else f"{page.base}{href}")
    assert response.ok, f"{response.status} {href}"
    return response.body()


def accept_with_keyboard(page: Any, name: str) -> None:
    """Type the name as a signature, tick the consent box with Space, Tab to Accept and press
    Enter: the page works without a mouse."""
    page.get_by_label("Your full name").fill(name)
    consent = page.get_by_role("checkbox")
    consent.focus()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    page.keyboard.press("Tab")
    accept = page.get_by_role("button", name=re.compile(r"^Accept", re.I))
    expect(accept).to_be_focused()
    page.keyboard.press("Enter")


def show_email(page: Any, html: str, shoot: Any) -> None:
    """The e-mail as a mail client would show it (its HTML body), for the README. From a blank
    document: ``set_content`` writes into the current one, whose CSP (the customer page's)
    would refuse the e-mail's inline styles."""
    page.goto("about:blank")
    page.set_content(html)
    shoot(page, "customer-email")


# --- the public form, the rep's send, the customer's acceptance ----------------------------


@pytest.fixture
def rep(django_user_model) -> Any:
    """The rep who owns the public form, with an API token."""
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.create_user("rep", email="rep@example.com")
    user.api_token = Token.objects.create(user=user).key
    return user


@pytest.fixture
def public_form(rep) -> Form:
    form = forms.save_form(
        Form(
            name="Renovation",
            slug="renovation",
            schema=copy.deepcopy(DEMO_FORM_SCHEMA),
            owner=rep,
        )
    )
    return forms.set_published(form, True)


def send(live_server: Any, rep: Any, quote: Quote, message: str) -> dict:
    """The rep sends the quote through the API."""
    response = httpx.post(
        f"{live_server.url}/api/quotes/{quote.pk}/send/",
        headers={"Authorization": f"Token {rep.api_token}"},
        json={"message": message},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def fill_the_form(page: Any, form: Form) -> None:
    page.goto(f"{page.base}/f/{form.public_token}/")
    fits_the_phone(page)
    page.get_by_label(re.compile(r"^Area")).fill("24")
    page.get_by_label(re.compile(r"^Premium")).check()
    page.get_by_label(re.compile(r"^Phone")).fill("+31612345678")
    page.get_by_label("Your name").fill(SIGNER)
    page.get_by_label("Your email").fill("eva.jansen@example.com")
    fits_the_phone(page)


def test_the_customer_fills_the_form_on_a_phone_then_accepts_the_emailed_quote(
    phone_page, live_server, settings, rep, public_form, run_worker, shoot
):
    settings.BETTERFORM_SITE_URL = live_server.url
    page = phone_page
    fill_the_form(page, public_form)
    shoot(page, "customer-form-phone")
    page.get_by_label("Your email").press("Enter")  # sent with the keyboard

    quote = Quote.objects.get()
    expect(page).to_have_url(f"{live_server.url}/q/{quote.customer_token}/")
    assert quote.submission.source == "public" and quote.customer_email == "eva.jansen@example.com"
    expect(page.locator("main")).to_contain_text(money(quote))  # priced right away
    fits_the_phone(page)

    sent = send(live_server, rep, quote, "As discussed: the premium finish.")
    assert sent["quote"]["status"] == "sent"
    [email] = mail.outbox
    assert email.to == ["Eva Jansen <eva.jansen@example.com>"]
    assert quote.number in email.subject
    assert "As discussed: the premium finish." in email.body
    [(_name, attached, mimetype)] = email.attachments
    assert mimetype == "application/pdf" and quote.number in "\n".join(pdf_pages(attached))
    link = quote_link(email.body)
    assert link == f"{live_server.url}/q/{quote.customer_token}/"
    [(html, _)] = email.alternatives
    assert link in html
    show_email(page, html, shoot)

    page.goto(link)
    fits_the_phone(page)
    expect(page.locator("main")).to_contain_text(money(quote))
    expect(page.locator("main")).to_contain_text(quote.number)
    assert page.evaluate("document.querySelector('meta[name=robots]').content").startswith(
        "noindex"
    )
    shown = download(page, "Download the quote (PDF)")
    assert quote.number in "\n".join(pdf_pages(shown))
    shoot(page, "customer-quote-phone")

    accept_with_keyboard(page, SIGNER)
    expect(page.get_by_role("status")).to_contain_text(f"Accepted by {SIGNER}")
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.first_viewed_at is not None
    answer = quote.answer
    assert answer.signer_name == SIGNER and answer.decision == "accepted"
    assert answer.shown_sha256 == hashlib.sha256(shown).hexdigest()  # the PDF they were shown

    run_worker()  # the signed copy is rendered in the background
    page.reload()
    fits_the_phone(page)
    shoot(page, "customer-quote-accepted")
    last_page = pdf_pages(download(page, "Download the signed copy (PDF)"))[-1]
    assert SIGNER in last_page
    assert answer.shown_sha256 in re.sub(r"\s+", "", last_page)


def test_the_quote_email_reaches_a_real_smtp_server_and_its_link_opens_the_quote(
    phone_page, live_server, settings, rep
):
    """Django's SMTP backend against aiosmtpd on loopback: the message as a mail server has
    it, parsed with the standard library's ``email`` package."""
    quote = forms.create_quote(
        title="Bathroom refit",
        customer_name="Pieter de Vries",
        customer_email="p.devries@example.com",
        currency="EUR",
        owner=rep,
        lines=[{"description": "Tiling", "quantity": 9, "unit_price": "95.50", "tax_rate": "21"}],
    )
    with LoopbackSMTP() as smtp:
        settings.BETTERFORM_SITE_URL = live_server.url
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        send(live_server, rep, quote, "")
        [received] = smtp.wait_for(1)
    assert not mail.outbox, "the SMTP backend was used, not the test outbox"
    assert received.rcpt_tos == ["p.devries@example.com"]
    message = received.message
    assert message["To"] == "Pieter de Vries <p.devries@example.com>"
    assert message["Subject"] == f"Quote {quote.number} from {company_details()['name']}"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert quote.number in "\n".join(pdf_pages(attachment.get_content()))
    link = quote_link(text)
    assert link in html

    phone_page.goto(link)
    fits_the_phone(phone_page)
    expect(phone_page.locator("main")).to_contain_text(money(quote))
    expect(phone_page.get_by_role("button", name=re.compile(r"^Accept"))).to_be_visible()


# --- monday follows ---------------------------------------------------------------------


def test_the_customer_accepts_and_the_monday_item_shows_it(monday_deals, phone_page):
    """The rep moves the deal to "Quote requested"; the worker prices it, uploads the PDF and
    e-mails the customer (the mapping says so); the customer opens the link and accepts; the
    worker moves the item to "Quote accepted", uploads the signed copy and says who signed."""
    deals = monday_deals
    quote = deals.request_quote(0)
    assert deals.status(0) == "Quote ready"
    assert len(deals.item(0).files) == 1
    quote.refresh_from_db()
    assert quote.status == "sent"
    [email] = mail.outbox
    assert email.to == ["Eva Jansen <eva.jansen@example.com>"]  # as read from the item
    assert "Thank you for your time on the phone today." in email.body

    phone_page.goto(quote_link(email.body))
    expect(phone_page.locator("main")).to_contain_text(money(quote))
    deals.run_worker()
    assert deals.status(0) == "Quote viewed"

    accept_with_keyboard(phone_page, SIGNER)
    expect(phone_page.get_by_role("status")).to_contain_text(f"Accepted by {SIGNER}")
    deals.run_worker()

    item = deals.item(0)
    assert item.label(deals.mapping.status_column_id) == "Quote accepted"
    assert len(item.files) == 2, [asset.name for asset in item.files]
    signed = item.files[-1]
    last_page = pdf_pages(signed.data)[-1]
    quote.refresh_from_db()
    assert SIGNER in last_page and quote.answer.shown_sha256 in re.sub(r"\s+", "", last_page)
    update = item.updates[0].body  # newest first, as monday lists them
    assert f"{SIGNER} accepted quote {quote.number}" in update
    assert quote.answer.shown_sha256 in update

    # Replayed (as staff do from the admin): the label again, no second upload or update.
    event = WebhookEvent.objects.get(event_type="quote_accepted")
    assert event.status == "done", event.error
    sync.schedule_replay(event)
    assert deals.run_worker() == 1
    event.refresh_from_db()
    assert event.status == "done", event.error
    again = deals.item(0)
    assert again.label(deals.mapping.status_column_id) == "Quote accepted"
    assert len(again.files) == 2 and len(again.updates) == len(item.updates)
