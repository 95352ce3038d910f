"""The quote page (``/q/<token>/``): the quote as the customer should see it, its PDF, and
Accept (typed name + consent) or Decline (optional reason), recorded once through
``betterform.answering``. Real database, real PDFs (rendered in-process, parsed with pypdf)."""

from __future__ import annotations

import datetime
import hashlib
import io
from html.parser import HTMLParser
from typing import Any

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from betterform import answering, company, services
from betterform.models import Quote, QuoteAnswer

pytestmark = pytest.mark.django_db

FORM_NAME = "Kitchen pricing v2 (internal)"
SIGNER = "Ada Lovelace"
BROWSER = "Mozilla/5.0 (Linux; Android 14) Mobile"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def seller(db: None) -> None:
    company.update_profile(
        name="Northwind Kitchens Ltd",
        address="12 Harbour Road\n1011 AB Amsterdam",
        email="quotes@northwind.example",
        phone="+31 20 555 0100",
        registration="VAT NL123456789B01",
    )


@pytest.fixture
def quote(form, rep, seller) -> Quote:
    """A draft quote built from a submission to a form with an internal name."""
    rep.first_name, rep.last_name, rep.email = "Rita", "Rep", "rita@northwind.example"
    rep.save()
    built = form(owner=rep, name=FORM_NAME)
    submission = services.create_submission(
        built,
        answers={"area": 12, "finish": "premium", "extras": ["island"], "removal": True},
        customer={"name": "Ada Lovelace", "email": "ada@example.com"},
        owner=rep,
    )
    return services.build_quote(submission)


def url(quote: Quote, name: str = "quote") -> str:
    return reverse(f"betterform_customer:{name}", args=[quote.customer_token])


class Page(HTMLParser):
    """Input and button attributes, and the text of the page without markup."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.feed(html)
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    def by_id(self, element_id: str) -> dict[str, str | None]:
        return next(attrs for _, attrs in self.tags if attrs.get("id") == element_id)

    def has_id(self, element_id: str) -> bool:
        return any(attrs.get("id") == element_id for _, attrs in self.tags)

    def value(self, name: str) -> str | None:
        return next(attrs.get("value") for tag, attrs in self.tags if attrs.get("name") == name)


def get(client: Client, quote: Quote) -> Page:
    response = client.get(url(quote))
    assert response.status_code == 200
    return Page(response.content.decode())


def accept(client: Client, quote: Quote, **fields: str) -> Any:
    page = get(client, quote)
    data = {"signer_name": SIGNER, "consent": "on", "document": page.value("document"), **fields}
    return client.post(
        url(quote, "quote-accept"), data, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7"
    )


def pdf_text(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF")
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(content)).pages]


# --- what the customer sees --------------------------------------------------------------------


def test_the_page_shows_the_quote_as_the_customer_should_see_it(client, quote):
    page = get(client, quote)

    text = page.text
    assert f"Quote {quote.number}" in text  # the customer title, not the form's name
    assert FORM_NAME not in text
    assert "draft" not in text.lower()  # never the internal status
    for line in quote.lines.all():
        assert line.description in text
    assert "Kitchen area" in text and "m²" in text and "85.00" in text  # unit, unit price
    assert "21%" in text  # the line's tax
    assert f"{quote.subtotal:,.2f} EUR" in text
    assert f"{quote.tax_total:,.2f} EUR" in text
    assert f"Total {quote.total:,.2f} EUR" in text
    assert f"{quote.valid_until.day} {quote.valid_until:%B %Y}" in text  # valid until
    assert "Northwind Kitchens Ltd" in text and "VAT NL123456789B01" in text
    assert "quotes@northwind.example" in text and "1011 AB Amsterdam" in text
    assert "Download the quote (PDF)" in text


def test_the_accept_form_offers_the_current_pdf_with_a_typed_name_and_consent(client, quote):
    page = get(client, quote)

    assert page.value("document") == str(answering.current_pdf(quote).pk)
    assert page.by_id("signer_name")["name"] == "signer_name"
    assert page.by_id("consent")["type"] == "checkbox"
    assert "required" in page.by_id("consent")
    assert answering.CONSENT_TEXT in page.text
    assert "Your full name" in page.text and "Reason (optional)" in page.text
    assert "Accept and sign" in page.text and "Decline the quote" in page.text


def test_the_company_logo_is_shown(client, quote):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1"/></svg>'
    profile = company.get_profile()
    profile.logo.save("logo.svg", ContentFile(svg), save=True)

    html = client.get(url(quote)).content.decode()

    assert 'class="logo" src="data:image/svg+xml;base64,' in html


def test_a_view_is_recorded_once_per_visit_and_the_first_time_kept(client, quote):
    get(client, quote)
    quote.refresh_from_db()
    first = quote.first_viewed_at
    get(client, quote)

    quote.refresh_from_db()
    assert quote.view_count == 2
    assert first is not None and quote.first_viewed_at == first
    assert quote.last_viewed_at >= first


def test_staff_previewing_the_page_is_not_counted(client, quote, staff):
    client.force_login(staff)

    page = get(client, quote)

    quote.refresh_from_db()
    assert (quote.view_count, quote.first_viewed_at) == (0, None)
    assert "preview is not counted" in page.text


@pytest.mark.parametrize("mangle", [str.upper, lambda t: t[:-1], lambda t: t + "x", lambda t: "x"])
def test_only_the_exact_token_opens_the_quote(client, quote, mangle):
    response = client.get(f"/q/{mangle(quote.customer_token)}/")

    assert response.status_code == 404
    html = response.content.decode()
    assert quote.number not in html and "Northwind" not in html and "Page not found" in html
    for name in ("quote-pdf", "quote-signed-pdf"):
        path = url(quote, name).replace(quote.customer_token, mangle(quote.customer_token))
        assert client.get(path).status_code == 404


def test_another_quote_s_token_shows_that_quote_only(client, quote, form, submission, rep):
    other = services.build_quote(submission(form=form(owner=rep)))

    page = get(client, other)

    assert other.number in page.text and quote.number not in page.text


# --- the PDF -----------------------------------------------------------------------------------


def test_the_pdf_is_the_quote_s_current_pdf_rendered_now_if_needed(client, quote):
    response = client.get(url(quote, "quote-pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="quote-{quote.number}.pdf"'
    content = b"".join(response.streaming_content)
    assert quote.number in " ".join(pdf_text(content))
    assert answering.current_pdf(quote).status == "done"


def test_after_answering_the_pdf_is_the_one_the_customer_was_shown(client, quote):
    accept(client, quote)
    answer = QuoteAnswer.objects.select_related("shown_document").get(quote=quote)

    response = client.get(url(quote, "quote-pdf"))

    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == answer.shown_sha256


def test_there_is_no_signed_copy_before_acceptance(client, quote):
    assert client.get(url(quote, "quote-signed-pdf")).status_code == 404


# --- accepting ---------------------------------------------------------------------------------


def test_accepting_records_the_signature_and_shows_it(client, quote):
    offered = answering.current_pdf(quote)
    response = accept(client, quote)

    assert response.status_code == 303
    assert response["Location"] == url(quote) + "#answer"
    quote.refresh_from_db()
    answer = QuoteAnswer.objects.get(quote=quote)
    assert quote.status == Quote.Status.ACCEPTED
    assert (answer.decision, answer.signer_name) == ("accepted", SIGNER)
    assert (answer.ip_address, answer.user_agent) == ("203.0.113.7", BROWSER)
    assert answer.consent_text == answering.CONSENT_TEXT
    assert answer.shown_document == offered
    assert answer.shown_sha256 == offered.__class__.objects.get(pk=offered.pk).sha256
    page = get(client, quote)
    assert f"Accepted by {SIGNER} on" in page.text
    assert not page.has_id("signer_name") and not page.has_id("consent")  # no actions left
    assert "Accept and sign" not in page.text


def test_the_signed_copy_is_offered_once_made_and_carries_the_acceptance(client, quote):
    accept(client, quote)
    answer = QuoteAnswer.objects.get(quote=quote)
    assert "signed copy is being prepared" in get(client, quote).text

    response = client.get(url(quote, "quote-signed-pdf"))  # made now: the worker has not run

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="quote-{quote.number}-signed.pdf"'
    )
    pages = pdf_text(b"".join(response.streaming_content))
    assert SIGNER in pages[-1] and answer.shown_sha256 in pages[-1].replace(" ", "")
    assert "Download the signed copy (PDF)" in get(client, quote).text


def test_accepting_twice_shows_the_answer_already_recorded(client, quote):
    accept(client, quote)
    page_before = get(client, quote)

    again = client.post(
        url(quote, "quote-accept"),
        {"signer_name": "Someone Else", "consent": "on", "document": "1"},
    )

    assert again.status_code == 303
    answer = QuoteAnswer.objects.get(quote=quote)
    assert answer.signer_name == SIGNER
    assert f"Accepted by {SIGNER}" in get(client, quote).text
    assert "Someone Else" not in get(client, quote).text
    assert page_before.text.count("Accepted by") == 1


def test_a_blank_name_and_no_consent_are_shown_by_field_and_kept(client, quote):
    response = accept(client, quote, signer_name="  ", consent="")

    assert response.status_code == 400
    assert not QuoteAnswer.objects.exists()
    page = Page(response.content.decode())
    assert page.by_id("signer_name")["aria-invalid"] == "true"
    assert page.by_id("signer_name")["aria-describedby"] == "signer_name-hint signer_name-error"
    assert page.by_id("consent")["aria-describedby"] == "consent-error"
    assert page.has_id("signer_name-error") and page.has_id("consent-error")
    html = response.content.decode()
    assert 'href="#signer_name"' in html and 'href="#consent"' in html  # the summary
    assert "Type your full name" in page.text and "Tick the box" in page.text


def test_the_name_typed_is_kept_when_the_consent_is_missing(client, quote):
    response = accept(client, quote, consent="")

    page = Page(response.content.decode())
    assert response.status_code == 400
    assert page.by_id("signer_name")["value"] == SIGNER


def test_a_quote_changed_since_the_page_was_shown_is_not_accepted(client, quote):
    page = get(client, quote)
    services.update_quote(quote, notes="Now with a new delivery date.")  # a new current PDF

    response = client.post(
        url(quote, "quote-accept"),
        {"signer_name": SIGNER, "consent": "on", "document": page.value("document")},
    )

    assert response.status_code == 409
    assert "changed" in Page(response.content.decode()).text
    assert not QuoteAnswer.objects.exists()


# --- declining ---------------------------------------------------------------------------------


def test_declining_with_a_reason_records_it_and_shows_it(client, quote):
    response = client.post(
        url(quote, "quote-decline"),
        {"reason": "Too expensive for us."},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT=BROWSER,
    )

    assert response.status_code == 303
    quote.refresh_from_db()
    assert quote.status == Quote.Status.REJECTED
    answer = QuoteAnswer.objects.get(quote=quote)
    assert (answer.decision, answer.reason, answer.ip_address) == (
        "declined",
        "Too expensive for us.",
        "203.0.113.9",
    )
    page = get(client, quote)
    assert "This quote was declined on" in page.text
    assert "Too expensive for us." in page.text
    assert not page.has_id("consent")


def test_declining_needs_no_reason(client, quote):
    assert client.post(url(quote, "quote-decline"), {}).status_code == 303
    assert QuoteAnswer.objects.get(quote=quote).reason == ""


def test_accepting_after_declining_shows_the_decline(client, quote):
    client.post(url(quote, "quote-decline"), {"reason": "No"})

    response = client.post(url(quote, "quote-accept"), {"signer_name": SIGNER, "consent": "on"})

    assert response.status_code == 303
    assert QuoteAnswer.objects.get(quote=quote).decision == "declined"
    assert "declined" in get(client, quote).text


def test_a_reason_too_long_is_shown_next_to_the_field(client, quote):
    reason = "x" * (answering.MAX_REASON + 1)

    response = client.post(url(quote, "quote-decline"), {"reason": reason})

    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.by_id("reason")["aria-invalid"] == "true"
    assert "too long" in page.text
    assert reason in response.content.decode()  # kept
    assert not QuoteAnswer.objects.exists()


# --- expiry ------------------------------------------------------------------------------------


def test_an_expired_quote_says_so_and_whom_to_contact_and_offers_no_actions(client, quote):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Quote.objects.filter(pk=quote.pk).update(valid_until=yesterday)
    quote.refresh_from_db()

    page = get(client, quote)

    assert "This quote has expired" in page.text
    assert f"It was valid until {yesterday.day} {yesterday:%B %Y}" in page.text
    assert "Rita Rep" in page.text and "rita@northwind.example" in page.text
    assert not page.has_id("consent") and not page.has_id("reason")
    assert f"{quote.total:,.2f} EUR" in page.text  # still readable


def test_accepting_an_expired_quote_is_refused_with_the_reason(client, quote):
    page = get(client, quote)
    Quote.objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )

    response = client.post(
        url(quote, "quote-accept"),
        {"signer_name": SIGNER, "consent": "on", "document": page.value("document")},
    )

    assert response.status_code == 409
    assert "can no longer be accepted" in Page(response.content.decode()).text
    assert not QuoteAnswer.objects.exists()


# --- CSRF --------------------------------------------------------------------------------------


def test_answers_without_the_csrf_token_are_refused(quote):
    client = Client(enforce_csrf_checks=True)

    accepted = client.post(url(quote, "quote-accept"), {"signer_name": SIGNER, "consent": "on"})
    declined = client.post(url(quote, "quote-decline"), {"reason": "no"})

    assert (accepted.status_code, declined.status_code) == (403, 403)
    assert not QuoteAnswer.objects.exists()


def test_the_page_s_csrf_token_lets_a_customer_without_a_session_answer(quote):
    client = Client(enforce_csrf_checks=True)
    page = get(client, quote)

    response = client.post(
        url(quote, "quote-decline"),
        {"reason": "no", "csrfmiddlewaretoken": page.value("csrfmiddlewaretoken")},
    )

    assert response.status_code == 303
    assert QuoteAnswer.objects.get(quote=quote).decision == "declined"


# --- throttling --------------------------------------------------------------------------------


def test_guessing_quote_tokens_is_throttled_per_address(client, quote, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"customer_pages": "5/minute"},
    }

    codes = [client.get(f"/q/guess-{n}/").status_code for n in range(5)]
    blocked = client.get(url(quote))

    assert codes == [404] * 5
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1
    assert quote.number not in blocked.content.decode()
    assert client.post(url(quote, "quote-accept"), {}).status_code == 429
    quote.refresh_from_db()
    assert quote.view_count == 0


def test_without_a_customer_pages_rate_the_anon_rate_applies(client, quote, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"},
    }

    codes = [client.get(url(quote)).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
