"""Internationalised and undeliverable addresses when a quote is e-mailed: an IDN domain is sent
punycoded (To, From, Reply-To); characters other than ASCII before the ``@`` (which would need
SMTPUTF8) or a domain with no ASCII form are a ``SendError`` (the API's 409), never a 500, and
nothing is sent or recorded. Through the API and the locmem outbox."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from betterform import services
from betterform.company import update_profile
from betterform.models import CompanyProfile, Quote, QuoteEmail
from betterform.sending import SendError, send_reminder

LINES = [{"description": "Cabinets", "quantity": D("2"), "unit_price": D("1250.00")}]
LONG_LABEL = "ä" * 70  # its punycode is longer than the 63 characters a DNS label holds


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def make_quote(owner: Any, **fields: Any) -> Quote:
    fields.setdefault("customer_name", "José Müller")
    fields.setdefault("customer_email", "ada@example.com")
    return services.create_quote(owner=owner, lines=LINES, **fields)


def send(client: Any, quote: Quote) -> Any:
    return client.post(f"/api/quotes/{quote.pk}/send/", {}, format="json")


def assert_refused(response: Any, quote: Quote, *words: str) -> None:
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, detail
    assert mail.outbox == [] and not QuoteEmail.objects.filter(quote=quote).exists()
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.DRAFT


def test_a_customer_with_an_idn_domain_from_the_public_form_gets_the_quote(
    anon_client, rep_client, rep, form, kitchen_answers
):
    published = form(owner=rep, published=True)
    response = anon_client.post(
        f"/api/public/forms/{published.public_token}/",
        {"answers": kitchen_answers, "customer": {"name": "José", "email": "jose@exämple.com"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    response = rep_client.post(f"/api/submissions/{response.json()['id']}/quote/")
    assert response.status_code == 201, response.content
    quote = Quote.objects.get(pk=response.json()["id"])

    response = send(rep_client, quote)

    assert response.status_code == 200, response.content
    [sent] = mail.outbox
    [to] = sent.to
    assert to.endswith(" <jose@xn--exmple-cua.com>")  # the name is encoded as before
    assert sent.message()["To"].endswith(" <jose@xn--exmple-cua.com>")
    record = QuoteEmail.objects.get(quote=quote)
    assert record.to_email == "jose@exämple.com"  # as the customer wrote it
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.SENT


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("josé@example.com", ["characters other than ASCII before the @", "customer_email"]),
        (f"jose@{LONG_LABEL}.com", ["domain that cannot be written", "customer_email"]),
        ("jose at example.com", ["not an e-mail address", "customer_email"]),
    ],
)
def test_a_customer_address_that_cannot_be_delivered_is_a_409(rep, rep_client, address, words):
    quote = make_quote(rep, customer_email=address)  # as monday or an import may store it
    assert_refused(send(rep_client, quote), quote, f"quote {quote.number}", *words)


def test_an_idn_sender_setting_is_punycoded(rep, rep_client):
    with override_settings(BETTERFORM_QUOTE_FROM_EMAIL="devis@société.example"):
        assert send(rep_client, make_quote(rep)).status_code == 200
    [sent] = mail.outbox
    assert sent.from_email.endswith("<devis@xn--socit-esab.example>")
    assert sent.message()["From"].endswith(" <devis@xn--socit-esab.example>")


def test_a_sender_setting_not_ascii_before_the_at_is_a_409(rep, rep_client):
    quote = make_quote(rep)
    with override_settings(BETTERFORM_QUOTE_FROM_EMAIL="försäljning@acme.example"):
        response = send(rep_client, quote)
    assert_refused(response, quote, "BETTERFORM_QUOTE_FROM_EMAIL", "administrator")


def test_the_company_email_is_punycoded_or_refused(rep, rep_client):
    update_profile(name="Société", email="bonjour@société.example")
    assert send(rep_client, make_quote(rep)).status_code == 200
    assert mail.outbox[-1].from_email.endswith("<bonjour@xn--socit-esab.example>")

    mail.outbox.clear()
    CompanyProfile.objects.update(email=f"bonjour@{LONG_LABEL}.example")  # stored as it was
    quote = make_quote(rep)
    assert_refused(send(rep_client, quote), quote, "company's e-mail", "company profile")


def test_the_owners_idn_address_is_the_punycoded_reply_to(rep, rep_client):
    rep.email = "rep@exämple.com"
    rep.save()
    assert send(rep_client, make_quote(rep)).status_code == 200
    assert mail.outbox[-1].reply_to == ["rep@xn--exmple-cua.com"]


def test_an_owner_address_not_ascii_before_the_at_is_a_409(rep, rep_client):
    rep.email = "rép@example.com"
    rep.save()
    quote = make_quote(rep)
    assert_refused(send(rep_client, quote), quote, "'rep'", "user account")


def test_a_reminder_to_an_undeliverable_address_is_a_send_error(rep):
    quote = make_quote(rep, customer_email="ada@example.com")
    assert services.update_quote(quote, status=Quote.Status.SENT)
    Quote.objects.filter(pk=quote.pk).update(customer_email="adà@example.com")
    with pytest.raises(SendError, match="characters other than ASCII before the @"):
        send_reminder(Quote.objects.get(pk=quote.pk))
    assert mail.outbox == [] and Quote.objects.get(pk=quote.pk).reminded_at is None
