"""Every route that captures text answers a NUL (``%00``) in it with a 4xx, never a 500.

PostgreSQL cannot take a NUL in a query (a ``DataError``); SQLite finds nothing. The routes
are read from the site's URLconf, so a new one is tried too: each text the route captures
gets ``a%00b`` (and, once, a lone surrogate's bytes, which Django decodes to U+FFFD), as
anonymous, as a signed-in staff member and with a staff token, for every method.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.admindocs.views import extract_views_from_urlpatterns
from django.test import Client
from django.urls import get_resolver
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

HOSTILE = ("a%00b", "a%ED%A0%80b")
METHODS = ("get", "post", "put", "patch", "delete")


CAPTURE = re.compile(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)|\([^?)][^)]*\)")


def _urls() -> list[str]:
    """Each route of the site with a capture, once per capture: that one hostile (``{}``),
    the others ``1``. Routes come from Django's own walk of the URLconf (admindocs'), with
    includes, DRF's routers and django-reversion's unnamed groups."""
    urls = set()
    for _view, regex, _namespace, _name in extract_views_from_urlpatterns(
        get_resolver().url_patterns
    ):
        if "format" in regex:  # DRF's .json suffixes: the same views
            continue
        pieces = CAPTURE.split(regex.replace("^", "").replace("$", ""))
        pieces = [piece.replace("\\", "").replace("/?", "/") for piece in pieces]
        for index in range(len(pieces) - 1):
            fills = ["{}" if position == index else "1" for position in range(len(pieces) - 1)]
            urls.add("/" + "".join(p + f for p, f in zip(pieces, [*fills, ""], strict=True)))
    return sorted(urls)


URLS = _urls()


def test_the_routes_are_found():
    for expected in ("/q/{}/", "/api/monday/webhooks/{}/", "/api/pdf/templates/{}/"):
        assert expected in URLS
    assert "/api/quotes/{}/send/" in URLS and "/admin/betterform/quote/{}/change/" in URLS
    assert len(URLS) >= 100, URLS


@pytest.fixture
def clients(django_user_model) -> list:
    staff = django_user_model.objects.create_user(
        "urlstaff", "urlstaff@example.com", "pw", is_staff=True, is_superuser=True
    )
    session = Client()
    session.force_login(staff)
    token = APIClient()
    token.force_authenticate(staff)
    return [Client(), session, token]


@pytest.mark.parametrize("url", URLS)
def test_a_nul_in_any_captured_text_is_never_a_500(clients, url):
    for hostile in HOSTILE:
        target = url.replace("{}", hostile)
        for client in clients:
            for method in METHODS:
                response = getattr(client, method)(target)
                assert response.status_code < 500, (method, target, response.status_code)
