"""API keys: issued by staff in the admin, sent as ``Authorization: Api-Key <key>``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory
from rest_framework_api_key.models import APIKey

from betterform_site.api_keys import APIKeyAuthentication

pytestmark = pytest.mark.django_db


def _authenticate(header: str):
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=header)
    return APIKeyAuthentication().authenticate(request)


def test_a_valid_key_becomes_the_request_credentials():
    api_key, key = APIKey.objects.create_key(name="erp-sync")
    user, auth = _authenticate(f"Api-Key {key}")
    assert auth == api_key
    assert not user.is_authenticated


def test_other_authorization_schemes_are_left_to_other_classes():
    assert _authenticate("Token abc") is None


@pytest.mark.parametrize(
    ("make_key", "message"),
    [
        (lambda: ("nothing", "not.a-key"), "Invalid or revoked API key."),
        (
            lambda: APIKey.objects.create_key(name="old", revoked=True),
            "Invalid or revoked API key.",
        ),
        (
            lambda: APIKey.objects.create_key(
                name="expired", expiry_date=timezone.now() - timedelta(days=1)
            ),
            "This API key has expired.",
        ),
    ],
    ids=["unknown", "revoked", "expired"],
)
def test_a_bad_key_is_a_401_that_says_why(api_client, make_key, message):
    _, key = make_key()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = api_client.get("/api/auth/users/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": message, "code": "authentication_failed", "errors": {}}


def test_staff_issue_keys_in_the_admin(admin_client):
    response = admin_client.post("/admin/rest_framework_api_key/apikey/add/", {"name": "zapier"})
    assert response.status_code == 302
    assert APIKey.objects.filter(name="zapier").exists()
