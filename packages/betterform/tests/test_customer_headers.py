"""Every answer of the customer pages (page, 404, 429, redirect, PDF) keeps the token to itself:
not indexed, not framed, no Referer, not stored by caches."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from betterform import services
from betterform.customer.headers import content_security_policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def published(form, rep):
    return form(owner=rep, published=True)


@pytest.fixture
def quote(rep):
    return services.create_quote(
        customer_name="Ada",
        currency="EUR",
        owner=rep,
        lines=[{"description": "Tiling", "quantity": 2, "unit_price": "95.50"}],
    )


def assert_protected(response: Any) -> None:
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"  # see headers.REFERRER_POLICY
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def assert_protected_page(response: Any) -> None:
    assert_protected(response)
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "<script" not in html  # the policy allows none, and the pages need none


def test_the_form_page_and_its_thank_you_page(client, published):
    assert_protected_page(client.get(f"/f/{published.public_token}/"))
    thanks = reverse("betterform_customer:form-thanks", args=[published.public_token])
    assert_protected_page(client.get(thanks))


def test_a_failed_and_a_successful_post(client, published, kitchen_answers):
    failed = client.post(f"/f/{published.public_token}/", {"answer-area": "0"})
    assert failed.status_code == 400
    assert_protected_page(failed)
    done = client.post(
        f"/f/{published.public_token}/", {"answer-area": "12", "answer-finish": "basic"}
    )
    assert done.status_code == 303
    assert_protected(done)


def test_the_quote_page_and_its_answers(client, quote):
    assert_protected_page(client.get(f"/q/{quote.customer_token}/"))
    refused = client.post(f"/q/{quote.customer_token}/accept/", {"signer_name": ""})
    assert refused.status_code == 400
    assert_protected_page(refused)
    declined = client.post(f"/q/{quote.customer_token}/decline/", {})
    assert declined.status_code == 303
    assert_protected(declined)


def test_the_quote_pdf(client, quote):
    response = client.get(f"/q/{quote.customer_token}/pdf/")

    assert response.status_code == 200
    assert_protected(response)


@pytest.mark.parametrize("path", ["/f/unknown/", "/q/unknown/", "/q/unknown/pdf/"])
def test_not_found_pages(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert_protected_page(response)


def test_too_many_requests(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"customer_pages": "1/minute"},
    }
    client.get("/q/unknown/")

    response = client.get("/q/unknown/")

    assert response.status_code == 429
    assert_protected_page(response)


def test_the_policy_allows_no_script_and_our_own_styles(settings):
    policy = content_security_policy()

    assert "script-src 'none'" in policy and "style-src 'self'" in policy
    settings.STATIC_URL = "https://cdn.example.com/static/"
    assert "style-src 'self' https://cdn.example.com" in content_security_policy()


def test_the_pages_are_answered_without_the_sites_cookies_for_anyone_else(client, quote):
    """A customer has no session: the page sets the CSRF cookie only, never a session."""
    response = client.get(f"/q/{quote.customer_token}/")

    assert "sessionid" not in response.cookies
    assert "csrftoken" in response.cookies
