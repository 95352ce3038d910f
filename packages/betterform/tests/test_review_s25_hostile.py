"""Review (session 25): what a hostile client sends the customer's doors and the public API.

- JSON nested near 1,000 levels was a 500 from the anonymous public endpoint (``json.loads``
  raises ``RecursionError``, which DRF's parser does not catch); now a 400 (``createpdf.parsers``).
- Form-encoded posts to ``/f/<token>/`` and ``/q/<token>/accept|decline/``: invalid UTF-8
  (``%ED%A0%80`` is a surrogate's bytes, ``%FF``) is read by Django as U+FFFD, so the answer is
  storable; a NUL is refused (400) with nothing stored.
- A NUL in a token of the URL (``/f/a%00b/``, ``/q/a%00b/``, ``/api/public/forms/a%00b/``) was
  looked up as it was: PostgreSQL cannot even be asked (psycopg ``DataError``, a 500 anyone
  could cause). Those routes take ``urltext`` now (``createpdf.converters``): a 404.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from betterform import company, services
from betterform.models import Quote, QuoteAnswer, Submission
from createpdf.storable import MAX_DEPTH

pytestmark = pytest.mark.django_db
FORM_BODY = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def published(form, rep):
    return form(owner=rep, published=True)


@pytest.fixture
def quote(form, rep) -> Quote:
    company.update_profile(name="Northwind Kitchens Ltd", email="quotes@northwind.example")
    submission = services.create_submission(
        form(owner=rep),
        answers={"area": 12, "finish": "premium"},
        customer={"name": "Ada Lovelace", "email": "ada@example.com"},
        owner=rep,
    )
    return services.build_quote(submission)


def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("levels", [MAX_DEPTH, 995, 100_000])
def test_a_public_submission_nested_too_deep_is_a_400(published, levels):
    body = '{"answers": {"notes": ' + "[" * levels + "]" * levels + '}, "customer": {}}'
    url = f"/api/public/forms/{published.public_token}/"
    response = client().post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert f"nested more than {MAX_DEPTH} levels deep" in response.json()["detail"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(("raw", "stored"), [(b"%ED%A0%80", "\ufffd" * 3), (b"%FF", "\ufffd")])
def test_the_public_form_reads_invalid_utf8_as_replacement_characters(published, raw, stored):
    body = (
        b"answer-area=12&answer-finish=basic&answer-notes=x" + raw + b"y"
        b"&customer-name=Ada" + raw + b"&customer-email=ada%40example.com"
    )
    response = client().post(f"/f/{published.public_token}/", body, content_type=FORM_BODY)
    assert response.status_code == 303, response.content[:300]
    submission = Submission.objects.get()
    assert submission.answers["notes"] == f"x{stored}y"
    assert submission.customer_name == f"Ada{stored}"


def test_the_public_form_refuses_a_nul_and_stores_nothing(published):
    body = b"answer-area=12&answer-finish=basic&answer-notes=x%00y&customer-name=Ada"
    response = client().post(f"/f/{published.public_token}/", body, content_type=FORM_BODY)
    assert response.status_code == 400
    assert not Submission.objects.exists()


def _accept_body(c: Client, quote: Quote, name: bytes) -> bytes:
    page = c.get(reverse("betterform_customer:quote", args=[quote.customer_token]))
    document = re.search(rb'name="document" value="([^"]*)"', page.content).group(1)
    return b"signer_name=" + name + b"&consent=on&document=" + document


def test_accepting_with_invalid_utf8_in_the_name_records_replacement_characters(quote):
    c = client()
    body = _accept_body(c, quote, b"Ada%ED%A0%80")
    url = reverse("betterform_customer:quote-accept", args=[quote.customer_token])
    response = c.post(url, body, content_type=FORM_BODY)
    assert response.status_code == 303, response.content[:300]
    assert QuoteAnswer.objects.get().signer_name == "Ada\ufffd\ufffd\ufffd"


@pytest.mark.parametrize("action", ["quote-accept", "quote-decline"])
def test_a_nul_in_an_answer_is_refused_and_nothing_recorded(quote, action):
    c = client()
    body = _accept_body(c, quote, b"Ada%00") + b"&reason=no%00"
    url = reverse(f"betterform_customer:{action}", args=[quote.customer_token])
    assert c.post(url, body, content_type=FORM_BODY).status_code == 400
    assert not QuoteAnswer.objects.exists()
    quote.refresh_from_db()
    assert quote.status not in ("accepted", "declined")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/f/a%00b/"),
        ("post", "/f/a%00b/"),
        ("get", "/q/a%00b/"),
        ("get", "/q/a%00b/pdf/"),
        ("get", "/q/a%00b/signed.pdf"),
        ("get", "/api/public/forms/a%00b/"),
        ("post", "/api/public/forms/a%00b/"),
    ],
)
def test_a_nul_in_a_url_token_is_not_found(method, path):
    c = client()
    if method == "post":
        response = c.post(path, "{}", content_type="application/json")
    else:
        response = c.get(path)
    assert response.status_code == 404
