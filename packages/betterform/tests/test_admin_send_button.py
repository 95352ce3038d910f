"""A quote's own admin page has "Send to customer" (``admin_quote_actions.send_button``): the
same confirmation page as the list's action, for that quote, then back to the quote; off, and
saying why, when ``sending.check_sendable`` refuses the quote. Real database, real PDFs,
Django's locmem outbox."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from betterform import answering
from betterform.models import Quote

from .conftest import admin_messages, admin_quote, quote_change_url

pytestmark = pytest.mark.django_db

OFF = 'class="send-to-customer-off"'


def _send(quote: Quote) -> str:
    return reverse("admin:betterform_quote_send", args=[quote.pk])


def test_the_button_leads_to_the_confirmation_page_and_sending_goes_back_to_the_quote(
    admin_client, admin_user
):
    ada = admin_quote()
    page = admin_client.get(quote_change_url(ada)).content.decode()
    assert f'<a href="{_send(ada)}" class="send-to-customer">Send to customer</a>' in page
    assert OFF not in page

    confirm = admin_client.get(_send(ada))
    assert confirm.templates[0].name == "admin/betterform/quote/send_to_customer.html"
    html = confirm.content.decode()
    assert "Ada Lovelace &lt;ada@example.com&gt;" in html
    assert f'href="{quote_change_url(ada)}">{ada.number}</a>' in html  # the breadcrumbs lead back
    assert 'name="action"' not in html  # posts back to this page, not to the list
    assert mail.outbox == []

    done = admin_client.post(_send(ada), {"message": "As promised.", "send": "Send"}, follow=True)

    assert done.redirect_chain == [(quote_change_url(ada), 302)]
    assert f"{ada.number} sent to ada@example.com." in admin_messages(done)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Ada Lovelace <ada@example.com>"]
    assert "As promised." in mail.outbox[0].body
    ada.refresh_from_db()
    assert ada.status == Quote.Status.SENT
    assert ada.emails.get().sent_by == admin_user


def test_a_message_too_long_stays_on_the_page_and_sends_nothing(admin_client):
    ada = admin_quote()

    page = admin_client.post(_send(ada), {"message": "x" * 5001, "send": "Send"})

    assert page.status_code == 200
    assert "at most 5000 characters" in page.content.decode()
    assert mail.outbox == []


def _refused_page(client: Any, quote: Quote, why: str) -> None:
    """The button is off with ``why`` on the page, and its URL goes back saying it."""
    page = client.get(quote_change_url(quote)).content.decode()
    assert OFF in page and f'href="{_send(quote)}"' not in page
    assert f"Cannot be sent to the customer: {why}" in page
    back = client.get(_send(quote), follow=True)
    assert back.redirect_chain == [(quote_change_url(quote), 302)]
    assert f"{quote.number} cannot be sent: {why}" in admin_messages(back)[0]
    assert mail.outbox == []


def test_without_a_customer_email_the_button_is_off_and_says_so(admin_client):
    _refused_page(admin_client, admin_quote(customer_email=""), "no customer e-mail")


def test_past_its_validity_the_button_is_off_and_says_so(admin_client):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    _refused_page(
        admin_client, admin_quote(valid_until=yesterday), f"it was valid until {yesterday}"
    )


def test_an_answered_quote_has_the_button_off_and_a_late_post_sends_nothing(admin_client):
    ada = admin_quote()
    answering.decline_quote(ada, reason="Too dear", ip_address=None, user_agent="")
    ada.refresh_from_db()
    _refused_page(admin_client, ada, "it is declined: make a new version")

    late = admin_client.post(_send(ada), {"send": "Send"}, follow=True)  # opened before

    assert any(text.startswith(f"{ada.number} not sent: ") for text in admin_messages(late))
    assert mail.outbox == []


def test_who_may_not_change_quotes_has_no_button_and_cannot_send(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_quote"))
    client.force_login(viewer)
    ada = admin_quote()

    page = client.get(quote_change_url(ada))

    assert page.status_code == 200
    assert 'class="send-to-customer' not in page.content.decode()  # neither on nor off
    assert client.get(_send(ada)).status_code == 403
    assert client.post(_send(ada), {"send": "Send"}).status_code == 403
    assert mail.outbox == []
