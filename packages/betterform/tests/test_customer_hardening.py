"""The customer pages against what a browser, a signed-in colleague or a hand-made post may
send them: a signed-in user only previews the quote (no answer in the customer's name), every
other method or a refused CSRF check gets a customer page with the protective headers, odd
posted values are refused next to their input, the stale-page check cannot be skipped, and a
quote that cannot be built never costs the customer a 500. Real database, real PDFs."""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from betterform import answering, company, services
from betterform.models import Quote, QuoteAnswer, Submission

pytestmark = pytest.mark.django_db

SIGNER = "Ada Lovelace"
CHANGED = "This quote changed after you opened it. Please read the current version"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def seller(db: None) -> None:
    company.update_profile(name="Northwind Kitchens Ltd", email="quotes@northwind.example")


@pytest.fixture
def quote(form, rep, seller) -> Quote:
    built = form(owner=rep)
    submission = services.create_submission(
        built,
        answers={"area": 12, "finish": "premium"},
        customer={"name": SIGNER, "email": "ada@example.com"},
        owner=rep,
    )
    return services.build_quote(submission)


class Page(HTMLParser):
    """The attributes of every element, and the page's text without markup."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.parts: list[str] = []
        self.errors: dict[str, str] = {}  # the text of each ``<p id="...-error">``
        self._error: str | None = None
        self.feed(html)
        self.text = " ".join(" ".join(self.parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        element_id = dict(attrs).get("id") or ""
        if tag == "p" and element_id.endswith("-error"):
            self._error = element_id
            self.errors[element_id] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._error = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self._error is not None:
            self.errors[self._error] += data

    def by_id(self, element_id: str) -> dict[str, str | None]:
        return next(attrs for _, attrs in self.tags if attrs.get("id") == element_id)

    def has_id(self, element_id: str) -> bool:
        return any(attrs.get("id") == element_id for _, attrs in self.tags)

    def value(self, name: str) -> str | None:
        return next(attrs.get("value") for _, attrs in self.tags if attrs.get("name") == name)

    def error_of(self, element_id: str) -> str:
        """The error message next to the input (which names it in ``aria-describedby``)."""
        error_id = f"{element_id}-error"
        assert error_id in self.errors, f"no error next to {element_id}"
        described = [(attrs.get("aria-describedby") or "").split() for _, attrs in self.tags]
        assert any(error_id in ids for ids in described)  # the input, or its group's fieldset
        return " ".join(self.errors[error_id].split())


def url(quote: Quote, name: str = "quote") -> str:
    return reverse(f"betterform_customer:{name}", args=[quote.customer_token])


def assert_protected_page(response: Any) -> None:
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def offered_document(quote: Quote) -> str:
    """The ``document`` the customer's page offers (read as the customer, not counted)."""
    page = Page(Client().get(url(quote)).content.decode())
    return page.value("document") or ""


# --- (5) a signed-in user previews; only the customer answers ----------------------------------


def test_a_signed_in_user_sees_a_preview_without_accept_or_decline(client, quote, rep):
    client.force_login(rep)

    response = client.get(url(quote))

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert "this preview is not counted" in page.text
    assert "The customer answers from their own link" in page.text
    for element_id in ("signer_name", "consent", "reason"):
        assert not page.has_id(element_id)
    assert not any(attrs.get("action") for tag, attrs in page.tags if tag == "form")


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("quote-accept", {"signer_name": SIGNER, "consent": "on"}),
        ("quote-decline", {"reason": "Too expensive"}),
    ],
)
@pytest.mark.parametrize("who", ["rep", "staff"])
def test_a_signed_in_user_cannot_answer_for_the_customer(client, quote, request, who, action, data):
    document = offered_document(quote)
    client.force_login(request.getfixturevalue(who))

    response = client.post(
        url(quote, action),
        {**data, "document": document},
        HTTP_USER_AGENT="Staff browser",
        REMOTE_ADDR="198.51.100.9",
    )

    assert response.status_code == 403
    assert_protected_page(response)
    text = Page(response.content.decode()).text
    assert "This is a preview" in text
    assert "The customer answers from their own link" in text
    assert not QuoteAnswer.objects.exists()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT


def test_the_customer_still_answers_from_their_link(client, quote):
    response = client.post(
        url(quote, "quote-accept"),
        {"signer_name": SIGNER, "consent": "on", "document": offered_document(quote)},
    )

    assert response.status_code == 303
    assert QuoteAnswer.objects.get(quote=quote).signer_name == SIGNER


# --- (7) other methods, the answer addresses opened, refused CSRF checks -----------------------


@pytest.mark.parametrize("action", ["quote-accept", "quote-decline"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_an_answer_address_goes_back_to_the_quote_page(client, quote, action, method):
    response = getattr(client, method)(url(quote, action))

    assert response.status_code == 303
    assert response["Location"] == url(quote)
    assert response["X-Frame-Options"] == "DENY" and "no-store" in response["Cache-Control"]
    assert not QuoteAnswer.objects.exists()


def test_after_a_refused_accept_the_address_bar_s_address_reloads_the_page(client, quote):
    refused = client.post(url(quote, "quote-accept"), {"signer_name": ""})
    assert refused.status_code == 400

    again = client.get(url(quote, "quote-accept"), follow=True)

    assert again.status_code == 200
    assert again.redirect_chain == [(url(quote), 303)]
    assert Page(again.content.decode()).has_id("signer_name")


CUSTOMER_URLS = ["form", "form-thanks", "quote", "quote-pdf", "quote-signed-pdf", "quote-accept"]


@pytest.mark.parametrize("name", CUSTOMER_URLS)
@pytest.mark.parametrize("method", ["put", "delete", "options", "patch"])
def test_other_methods_get_the_customer_405_page(client, quote, form, rep, name, method):
    published = form(owner=rep, published=True)
    token = published.public_token if name.startswith("form") else quote.customer_token
    path = reverse(f"betterform_customer:{name}", args=[token])

    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert_protected_page(response)
    assert "This page cannot be opened this way" in response.content.decode()
    assert "PUT" not in response["Allow"]
    assert not QuoteAnswer.objects.exists()


def test_head_on_the_quote_page_is_answered_and_not_counted(client, quote):
    response = client.head(url(quote))

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    quote.refresh_from_db()
    assert quote.view_count == 0


def test_the_site_uses_the_customer_csrf_page():
    from betterform.customer import views_csrf

    assert django_settings.CSRF_FAILURE_VIEW == "betterform.customer.views_csrf.csrf_failure"
    assert 'CSRF_FAILURE_VIEW = "betterform.customer.views_csrf.csrf_failure"' in (
        views_csrf.__doc__ or ""
    )


def test_a_post_without_the_csrf_cookie_gets_the_customer_page(form, rep, quote):
    published = form(owner=rep, published=True)
    browser = Client(enforce_csrf_checks=True)  # cookies blocked: it never sends one
    submissions = Submission.objects.count()

    for path in (f"/f/{published.public_token}/", url(quote, "quote-accept")):
        response = browser.post(path, {"signer_name": SIGNER, "consent": "on"})

        assert response.status_code == 403, path
        assert_protected_page(response)
        text = Page(response.content.decode()).text
        assert "your browser blocked the cookie this form needs" in text
        assert "Allow cookies for this site and try again" in text
    assert Submission.objects.count() == submissions and not QuoteAnswer.objects.exists()


def test_a_stale_token_gets_the_customer_page_saying_to_reload(quote):
    browser = Client(enforce_csrf_checks=True)
    page = Page(browser.get(url(quote)).content.decode())
    browser.cookies["csrftoken"] = "x" * 32  # the cookie changed since the page was loaded

    response = browser.post(
        url(quote, "quote-decline"), {"csrfmiddlewaretoken": page.value("csrfmiddlewaretoken")}
    )

    assert response.status_code == 403
    assert_protected_page(response)
    text = Page(response.content.decode()).text
    assert "Reload the page and try again" in text
    assert f'href="{url(quote)}"' in response.content.decode()
    assert not QuoteAnswer.objects.exists()


def test_other_paths_keep_django_s_csrf_page(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert "CSRF verification failed" in response.content.decode()
    assert "X-Robots-Tag" not in response


# --- (9) odd values on the form page -----------------------------------------------------------

ODD_SCHEMA: dict[str, Any] = {
    "sections": [
        {
            "title": "Your project",
            "fields": [
                {"key": "title", "label": "Project name", "type": "text"},
                {"key": "brief", "label": "Brief", "type": "textarea"},
                {"key": "area", "label": "Area", "type": "number"},
                {"key": "rush", "label": "Rush job", "type": "boolean"},
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium"},
                    ],
                },
            ],
        }
    ]
}


@pytest.fixture
def odd_form(form, rep):
    published = form(owner=rep, published=True, schema=ODD_SCHEMA)
    return reverse("betterform_customer:form", args=[published.public_token])


@pytest.mark.parametrize("value", ["maybe", "off", "false", "0", "no"])
def test_a_box_ticked_with_anything_but_yes_is_refused(client, odd_form, value):
    response = client.post(odd_form, {"answer-rush": value})

    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.by_id("answer-rush")["aria-invalid"] == "true"
    assert "Must be ticked or left unticked" in page.error_of("answer-rush")
    assert not Submission.objects.exists()


@pytest.mark.parametrize("value", ["on", "true", "1", "yes", "ON"])
def test_a_ticked_box_is_yes(client, odd_form, value):
    response = client.post(odd_form, {"answer-rush": value})

    assert response.status_code == 303
    assert Submission.objects.get().answers["rush"] is True


def test_a_single_choice_sent_twice_is_refused(client, odd_form):
    response = client.post(odd_form, {"answer-finish": ["basic", "premium"]})

    assert response.status_code == 400
    page = Page(response.content.decode())
    assert "Choose only one option" in page.error_of("answer-finish")
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["title", "brief"])
def test_a_nul_character_is_refused_next_to_its_field(client, odd_form, field):
    response = client.post(odd_form, {f"answer-{field}": "Ground\x00floor"})

    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.by_id(f"answer-{field}")["aria-invalid"] == "true"
    assert "Holds a NUL character (\\u0000), which cannot be stored" in page.error_of(
        f"answer-{field}"
    )
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("title", "Must be at most 500 characters"),
        ("brief", "Must be at most 10000 characters"),
        ("area", "Is too long: at most 1000 characters"),
    ],
)
def test_a_megabyte_value_gets_a_message_next_to_its_field(client, odd_form, field, message):
    response = client.post(odd_form, {f"answer-{field}": "1" * 1_000_000})

    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.by_id(f"answer-{field}")["aria-invalid"] == "true"
    assert message in page.error_of(f"answer-{field}")
    assert "bytes; the limit is" not in page.text  # not the JSON size, away from the field
    assert not Submission.objects.exists()


def test_an_odd_value_is_shown_with_every_other_error(client, odd_form):
    response = client.post(
        odd_form, {"answer-rush": "maybe", "answer-area": "lots", "customer-email": "nope"}
    )

    assert response.status_code == 400
    page = Page(response.content.decode())
    for element_id in ("answer-rush", "answer-area", "customer-email"):
        assert page.by_id(element_id)["aria-invalid"] == "true", element_id
    assert not Submission.objects.exists()


# --- (11) the stale-page check cannot be skipped -----------------------------------------------


@pytest.mark.parametrize("document", [None, "", " {pk} ", "{pk}x", "²", "abc"])
def test_accepting_without_the_page_s_document_is_the_quote_changed_state(client, quote, document):
    pk = offered_document(quote)
    data = {"signer_name": SIGNER, "consent": "on"}
    if document is not None:
        data["document"] = document.format(pk=pk)

    response = client.post(url(quote, "quote-accept"), data)

    assert response.status_code == 409
    assert CHANGED in Page(response.content.decode()).text
    assert not QuoteAnswer.objects.exists()
    assert answering.can_answer(quote)


# --- (4) a quote that cannot be built ----------------------------------------------------------

PRICED_SCHEMA: dict[str, Any] = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "pricing": {"unit_price": "85.00"},
                }
            ],
        }
    ],
    "pricing": {"currency": "EUR", "tax_rate": "21"},
}


@pytest.mark.parametrize("area", ["1e1000000", "1e30"], ids=["decimal-overflow", "does-not-fit"])
def test_a_quote_that_cannot_be_built_thanks_the_customer(client, form, rep, seller, caplog, area):
    rep.first_name, rep.last_name = "Rita", "Rep"
    rep.save()
    published = form(owner=rep, published=True, schema=PRICED_SCHEMA)
    path = reverse("betterform_customer:form", args=[published.public_token])

    with caplog.at_level(logging.WARNING, logger="betterform.customer.submitting"):
        response = client.post(path, {"answer-area": area, "customer-name": SIGNER})

    assert response.status_code == 303
    thanks = reverse("betterform_customer:form-thanks", args=[published.public_token])
    assert response["Location"] == f"{thanks}?quote=later"
    assert Submission.objects.get().answers["area"]  # the submission is kept
    assert not Quote.objects.exists()
    assert "no quote built" in caplog.text
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = Page(page.content.decode()).text
    assert "Your quote could not be prepared straight away." in text
    assert "Rita Rep from Northwind Kitchens Ltd will send it to you." in text
