"""Accounts through djoser: register, activate by email link, log in, log out, reset password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def _link(message, prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/{prefix}/[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def _register(api_client, username="carol"):
    return api_client.post(
        "/api/auth/users/",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )


def test_registration_creates_an_inactive_user_and_emails_an_activation_link(api_client):
    response = _register(api_client)
    assert response.status_code == 201, response.json()
    user = get_user_model().objects.get(username="carol")
    assert not user.is_active
    assert len(mail.outbox) == 1
    assert "/accounts/activate/" in mail.outbox[0].body


def test_activation_page_asks_first_and_activates_on_post(api_client, client):
    _register(api_client)
    link = _link(mail.outbox[0], "accounts/activate")

    page = client.get(link)
    assert page.status_code == 200
    assert b"Activate my account" in page.content
    assert not get_user_model().objects.get(username="carol").is_active

    done = client.post(link)
    assert done.status_code == 200
    assert b"Your account is active" in done.content
    assert get_user_model().objects.get(username="carol").is_active

    again = client.post(link)
    assert again.status_code == 400
    assert b"invalid or has already been used" in again.content


def test_a_forged_activation_link_is_refused(api_client, client):
    _register(api_client)
    response = client.post("/accounts/activate/MQ/not-a-token/")
    assert response.status_code == 400
    assert not get_user_model().objects.get(username="carol").is_active


def test_token_login_me_and_logout(api_client, django_user_model):
    django_user_model.objects.create_user("dave", "dave@example.com", PASSWORD)
    login = api_client.post("/api/auth/token/login/", {"username": "dave", "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["auth_token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/auth/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "dave"

    assert api_client.post("/api/auth/token/logout/").status_code == 204
    assert api_client.get("/api/auth/users/me/").status_code == 401


def test_wrong_password_is_a_400_with_a_reason(api_client, django_user_model):
    django_user_model.objects.create_user("dave", "dave@example.com", PASSWORD)
    response = api_client.post("/api/auth/token/login/", {"username": "dave", "password": "no"})
    assert response.status_code == 400
    assert "Unable to log in" in str(response.json())


def test_login_is_throttled_per_client(api_client, settings):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    allowed = int(rate.split("/")[0])
    statuses = [
        api_client.post("/api/auth/token/login/", {"username": "x", "password": "y"}).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses[:allowed] == [400] * allowed
    assert statuses[-1] == 429


def test_a_forged_x_forwarded_for_does_not_escape_the_login_throttle(api_client, settings):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    allowed = int(rate.split("/")[0])
    statuses = [
        api_client.post(
            "/api/auth/token/login/",
            {"username": "x", "password": "y"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        ).status_code
        for attempt in range(allowed + 1)
    ]
    assert statuses[-1] == 429


def test_anonymous_requests_are_throttled(api_client, settings):
    """Registration is open to anonymous clients, so it is limited by the anon rate."""
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]
    allowed = int(rate.split("/")[0])
    for _ in range(allowed):
        api_client.post("/api/auth/users/reset_password/", {"email": "nobody@example.com"})
    response = api_client.post("/api/auth/users/reset_password/", {"email": "nobody@example.com"})
    assert response.status_code == 429


def test_password_reset_email_leads_to_a_working_reset_page(api_client, client, django_user_model):
    django_user_model.objects.create_user("erin", "erin@example.com", PASSWORD)
    assert (
        api_client.post(
            "/api/auth/users/reset_password/", {"email": "erin@example.com"}
        ).status_code
        == 204
    )
    link = _link(mail.outbox[0], "accounts/reset")

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "a-brand-new-passphrase-42"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert done.status_code == 200
    assert django_user_model.objects.get(username="erin").check_password(new_password)


def test_user_list_hides_other_users(api_client, django_user_model):
    django_user_model.objects.create_user("frank", "frank@example.com", PASSWORD)
    me = django_user_model.objects.create_user("gina", "gina@example.com", PASSWORD)
    api_client.force_authenticate(me)
    usernames = [user["username"] for user in api_client.get("/api/auth/users/").json()["results"]]
    assert usernames == ["gina"]


def test_another_users_account_is_a_404_for_every_method(api_client, django_user_model):
    """A 403 on one method would tell a rep which user ids exist."""
    me = django_user_model.objects.create_user("frank", "frank@example.com", PASSWORD)
    other = django_user_model.objects.create_user("gina", "gina@example.com", PASSWORD)
    missing = other.pk + 1000
    api_client.force_authenticate(me)
    for method in ("get", "put", "patch", "delete"):
        answers = {
            getattr(api_client, method)(f"/api/auth/users/{pk}/", {}).status_code
            for pk in (other.pk, missing)
        }
        assert answers == {404}, method
    assert django_user_model.objects.filter(pk=other.pk).exists()


def test_the_admin_login_form_has_the_login_limit_too(client, settings):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    allowed = int(rate.split("/")[0])
    statuses = [
        client.post("/admin/login/", {"username": "x", "password": "y"}).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses[:allowed] == [200] * allowed  # the form again, with the error
    assert statuses[-1] == 429
    assert client.get("/admin/login/").status_code == 200  # looking is not an attempt


@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/users/activation/",
        "/api/auth/users/reset_password_confirm/",
        "/api/auth/users/reset_username_confirm/",
    ],
)
def test_a_uid_that_is_not_a_string_is_a_400(api_client, path):
    body = {"uid": 0, "token": "x", "new_password": "Another-pass-123", "new_username": "z"}
    response = api_client.post(path, body, format="json")
    assert response.status_code == 400
    assert "uid" in response.json()["errors"]


def test_options_on_the_current_user_describes_it(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("hal", "h@e.com", "p"))
    response = api_client.options("/api/auth/users/me/")
    assert response.status_code == 200
