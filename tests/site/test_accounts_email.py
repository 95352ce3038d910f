"""One email, one account: sign-up, email changes and the admin refuse an address another
account has in any case; the database refuses it too; the migration settles duplicates already
stored; the endpoints that look a user up by email answer alike whether it exists or not."""

from __future__ import annotations

import importlib
import logging
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from betterform_site.admin import UserChangeForm, UserCreationForm

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
TAKEN = "A user with this email address already exists."
MIGRATION = "0003_user_email_unique"


def _user(username, email, *, active=True):
    return get_user_model().objects.create_user(username, email, PASSWORD, is_active=active)


def _logged_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_signing_up_with_an_email_taken_in_another_case_is_a_400(api_client):
    _user("erin", "Erin@Example.com")
    response = api_client.post(
        "/api/auth/users/",
        {"username": "mallory", "email": "erin@example.COM", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["email"] == [TAKEN]
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_accounts_without_an_email_are_not_duplicates(api_client):
    _user("nomail", "")
    response = api_client.post(
        "/api/auth/users/", {"username": "nomail2", "email": "", "password": PASSWORD}
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("method", ["patch", "put"])
def test_changing_ones_email_to_another_users_in_another_case_is_a_400(api_client, method):
    _user("erin", "erin@example.com")
    frank = _user("frank", "frank@example.com")
    send = getattr(_logged_in(api_client, frank), method)
    response = send("/api/auth/users/me/", {"email": "ERIN@example.com"})
    assert response.status_code == 400
    assert response.json()["errors"]["email"] == [TAKEN]
    frank.refresh_from_db()
    assert frank.email == "frank@example.com"
    assert frank.is_active


def test_changing_the_case_of_ones_own_email_is_allowed(api_client):
    frank = _user("frank", "frank@example.com")
    response = _logged_in(api_client, frank).patch(
        "/api/auth/users/me/", {"email": "Frank@example.com"}
    )
    assert response.status_code == 200, response.json()
    frank.refresh_from_db()
    assert frank.email == "Frank@example.com"


def test_the_admin_forms_refuse_an_email_taken_in_another_case():
    _user("erin", "erin@example.com")
    frank = _user("frank", "frank@example.com")
    add = UserCreationForm(
        data={
            "username": "mallory",
            "email": "Erin@Example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
    )
    assert not add.is_valid()
    assert add.errors["email"] == [TAKEN]

    change = UserChangeForm(
        instance=frank,
        data={
            "username": "frank",
            "email": "ERIN@example.com",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
        },
    )
    assert not change.is_valid()
    assert change.errors["email"] == [TAKEN]


def test_the_admin_add_page_asks_for_the_email(admin_client):
    page = admin_client.get("/admin/auth/user/add/")
    assert page.status_code == 200
    assert b'name="email"' in page.content


def test_the_database_refuses_a_second_account_with_the_same_email_in_any_case():
    _user("erin", "erin@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        _user("mallory", "ERIN@EXAMPLE.COM")
    _user("blank1", "")
    _user("blank2", "")


EMAIL_ENDPOINTS = [
    ("/api/auth/users/reset_password/", True),
    ("/api/auth/users/reset_username/", True),
    ("/api/auth/users/resend_activation/", False),
]


@pytest.mark.parametrize(("path", "active"), EMAIL_ENDPOINTS)
def test_email_endpoints_answer_alike_for_unknown_known_and_case_variant_emails(
    api_client, path, active
):
    erin = _user("erin", "Erin@Example.com", active=active)
    answers = {}
    for email in ("nobody@example.com", "Erin@Example.com", "eRIN@example.COM"):
        mail.outbox.clear()
        response = api_client.post(path, {"email": email})
        answers[email] = (response.status_code, response.content, len(mail.outbox))
        if mail.outbox:
            assert mail.outbox[0].to == [erin.email]
    assert {(status, body) for status, body, _ in answers.values()} == {(204, b"")}
    assert [sent for _, _, sent in answers.values()] == [0, 1, 1]


def test_the_settings_never_tell_an_unknown_email():
    from djoser.conf import settings as djoser_settings

    assert djoser_settings.PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND is False
    assert djoser_settings.USERNAME_RESET_SHOW_EMAIL_NOT_FOUND is False


def _drop_index():
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX auth_user_email_lower_uniq")


def test_the_migration_keeps_each_email_on_one_account_and_logs_the_others(caplog):
    """On rows stored before the index: the active account keeps the address, then the
    earliest; the others' emails are blanked, nobody is deleted."""
    migration = importlib.import_module(f"betterform_site.migrations.{MIGRATION}")
    _drop_index()
    squatter = _user("squatter", "ERIN@example.com", active=False)
    erin = _user("erin", "erin@example.com")
    later = _user("erin2", "Erin@Example.com")
    grace = _user("grace", "grace@example.com")
    first = _user("old", "old@example.com", active=False)
    second = _user("old2", "OLD@example.com", active=False)
    _user("blank1", "")
    _user("blank2", "")

    from django.apps import apps

    with caplog.at_level(logging.WARNING, logger="betterform_site.accounts"):
        migration.keep_one_account_per_email(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(migration.Migration.operations[1].sql)  # the index takes the rows

    emails = dict(get_user_model().objects.values_list("username", "email"))
    assert emails == {
        "squatter": "",
        "erin": "erin@example.com",
        "erin2": "",
        "grace": "grace@example.com",
        "old": "old@example.com",
        "old2": "",
        "blank1": "",
        "blank2": "",
    }
    assert get_user_model().objects.count() == 8
    logged = "\n".join(caplog.messages)
    for kept, blanked in ((erin, squatter), (erin, later), (first, second)):
        assert f"kept on user {kept.pk} ({kept.username}), blanked on user {blanked.pk}" in logged
    assert len(caplog.messages) == 3
    assert grace.username not in logged


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_backwards_and_forwards_over_duplicates():
    executor = MigrationExecutor(connection)
    executor.migrate([("betterform_site", "0002_realtime_event")])
    _user("erin", "erin@example.com")
    _user("mallory", "ERIN@example.com")  # no index: the duplicate is stored

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("betterform_site", MIGRATION)])

    emails = sorted(get_user_model().objects.values_list("username", "email"))
    assert emails == [("erin", "erin@example.com"), ("mallory", "")]
    with pytest.raises(IntegrityError), transaction.atomic():
        _user("again", "Erin@example.com")


def test_the_username_reset_email_tells_the_username(api_client):
    _user("erin", "erin@example.com")
    response = api_client.post("/api/auth/users/reset_username/", {"email": "ERIN@example.com"})
    assert response.status_code == 204
    assert "Your username: erin" in mail.outbox[0].body
