"""monday_integration's settings are validated by system checks; its URLs are namespaced."""

import pytest
from django.urls import reverse

from monday_integration.checks import check_settings


def _ids(messages):
    return [message.id for message in messages]


def test_configured_settings_pass_the_checks(settings):
    settings.MONDAY_API_TOKEN = "token"
    assert check_settings() == []


def test_missing_token_is_a_warning_not_an_error(settings):
    settings.MONDAY_API_TOKEN = ""
    assert _ids(check_settings()) == ["monday_integration.W001"]


@pytest.mark.parametrize("url", ["ftp://api.monday.com/v2", "api.monday.com/v2", ""])
def test_api_url_must_be_http(settings, url):
    settings.MONDAY_API_TOKEN = "token"
    settings.MONDAY_API_URL = url
    assert _ids(check_settings()) == ["monday_integration.E001"]


@pytest.mark.parametrize("version", ["2026-08", "latest", "2026-7"])
def test_api_version_must_be_a_quarterly_release(settings, version):
    settings.MONDAY_API_TOKEN = "token"
    settings.MONDAY_API_VERSION = version
    assert _ids(check_settings()) == ["monday_integration.E002"]


def test_api_root_is_namespaced():
    assert reverse("monday_integration:api-root") == "/api/monday/"


def test_requiring_signed_deliveries_without_a_signing_secret_is_an_error(settings):
    from monday_integration.checks import check_settings

    settings.MONDAY_REQUIRE_SIGNED_DELIVERIES = True
    settings.MONDAY_SIGNING_SECRET = ""
    assert "monday_integration.E003" in [message.id for message in check_settings()]
    settings.MONDAY_SIGNING_SECRET = "app-secret"
    assert "monday_integration.E003" not in [message.id for message in check_settings()]
