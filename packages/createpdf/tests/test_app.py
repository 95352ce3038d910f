"""createpdf's settings are validated by system checks; its URLs are namespaced."""

import pytest
from django.urls import reverse

from createpdf.checks import check_settings
from createpdf.conf import conf


def _ids(messages):
    return [message.id for message in messages]


def test_defaults_pass_the_checks():
    assert check_settings() == []


def test_conf_reads_settings_at_access_time(settings):
    settings.CREATEPDF_MAX_PAGES = 7
    assert conf.CREATEPDF_MAX_PAGES == 7


@pytest.mark.parametrize("value", [0, -1, "50", True, None])
def test_max_pages_must_be_a_positive_integer(settings, value):
    settings.CREATEPDF_MAX_PAGES = value
    assert _ids(check_settings()) == ["createpdf.E001"]


def test_max_html_bytes_must_be_a_positive_integer(settings):
    settings.CREATEPDF_MAX_HTML_BYTES = 0
    assert _ids(check_settings()) == ["createpdf.E002"]


def test_api_root_is_namespaced():
    assert reverse("createpdf:api-root") == "/api/pdf/"
