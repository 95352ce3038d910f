"""betterform's settings are validated by system checks; its URLs are namespaced."""

import pytest
from django.urls import reverse

from betterform.checks import check_settings
from betterform.conf import conf


def _ids(messages):
    return [message.id for message in messages]


def test_defaults_pass_the_checks():
    assert check_settings() == []
    assert conf.BETTERFORM_DEFAULT_CURRENCY == "EUR"


@pytest.mark.parametrize("value", ["eur", "EURO", "", 978])
def test_default_currency_must_be_an_iso_code(settings, value):
    settings.BETTERFORM_DEFAULT_CURRENCY = value
    assert _ids(check_settings()) == ["betterform.E001"]


@pytest.mark.parametrize("value", [0, -3, 1.5, "30"])
def test_quote_validity_must_be_whole_days(settings, value):
    settings.BETTERFORM_QUOTE_VALIDITY_DAYS = value
    assert _ids(check_settings()) == ["betterform.E002"]


def test_api_root_is_namespaced():
    assert reverse("betterform:api-root") == "/api/"
