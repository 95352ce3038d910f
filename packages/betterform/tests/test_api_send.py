"""``POST /api/quotes/<id>/send/``: who may send which quote, the answer, and the refusals."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.core import mail

from betterform import services
from betterform.models import Quote, QuoteEmail

LINES = [{"description": "Cabinets", "quantity": D("2"), "unit_price": D("1250.00")}]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    """Each test its own media: parallel test processes number their documents alike, and
    a shared folder would let one overwrite another's PDF of the same name."""
    settings.MEDIA_ROOT = tmp_path


def make_quote(owner: Any, **fields: Any) -> Quote:
    fields.setdefault("customer_name", "Ada Lovelace")
    fields.setdefault("customer_email", "ada@example.com")
    return services.create_quote(owner=owner, lines=LINES, **fields)


def send(client: Any, quote: Quote, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/quotes/{quote.pk}/send/", body or {}, format="json")


def test_a_rep_sends_their_quote_and_gets_it_back_sent(rep, rep_client):
    quote = make_quote(rep)
    response = send(rep_client, quote, {"message": "As discussed on the phone."})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["quote"]["id"] == quote.pk and body["quote"]["status"] == "sent"
    record = QuoteEmail.objects.get(quote=quote)
    assert body["email"] == {
        "id": record.pk,
        "to_email": "ada@example.com",
        "subject": f"Quote {quote.number} from Your Company",
        "sent_at": body["email"]["sent_at"],
        "kind": "quote",
    }
    assert record.sent_by == rep and record.message == "As discussed on the phone."
    [sent] = mail.outbox
    assert sent.reply_to == ["rep@example.com"] and "As discussed on the phone." in sent.body


def test_no_body_sends_without_a_message(rep, rep_client):
    quote = make_quote(rep)
    response = rep_client.post(f"/api/quotes/{quote.pk}/send/")
    assert response.status_code == 200, response.json()
    assert QuoteEmail.objects.get(quote=quote).message == ""


def test_someone_elses_quote_is_not_found(rep, other_client):
    quote = make_quote(rep)
    assert send(other_client, quote).status_code == 404
    assert mail.outbox == [] and Quote.objects.get(pk=quote.pk).status == "draft"


def test_an_anonymous_client_is_refused(rep, anon_client):
    quote = make_quote(rep)
    assert send(anon_client, quote).status_code in (401, 403)
    assert mail.outbox == []


def test_staff_and_api_keys_send_anyones_quote_replying_to_its_owner(
    rep, staff_client, api_key_client
):
    for client in (staff_client, api_key_client):
        quote = make_quote(rep)
        assert send(client, quote).status_code == 200
        assert mail.outbox[-1].reply_to == ["rep@example.com"]
    assert QuoteEmail.objects.filter(sent_by=None).count() == 1  # the API key: nobody


def test_a_message_too_long_is_a_400_naming_the_field(rep, rep_client):
    quote = make_quote(rep)
    response = send(rep_client, quote, {"message": "x" * 5001})
    assert response.status_code == 400
    assert "5000" in str(response.json()["errors"]["message"])
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"customer_email": ""}, "add the customer's e-mail first"),
        ({"status": "accepted"}, "make a new version"),
        ({"status": "expired"}, "make a new version"),
    ],
)
def test_a_quote_that_cannot_be_sent_is_a_409_saying_what_to_do(rep, rep_client, change, said):
    quote = make_quote(rep)
    Quote.objects.filter(pk=quote.pk).update(**change)
    response = send(rep_client, quote)
    assert response.status_code == 409
    assert said in response.json()["detail"]
    assert mail.outbox == [] and not QuoteEmail.objects.exists()


def test_the_schema_documents_send_quote(staff_client):
    schema = staff_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/quotes/{id}/send/"]["post"]
    assert operation["operationId"] == "send_quote"
    assert set(operation["responses"]) >= {"200", "400", "404", "409"}
