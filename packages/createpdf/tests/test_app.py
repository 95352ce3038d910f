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


def test_missing_harfbuzz_subset_is_reported(monkeypatch):
    """Uninstalling a system library is not possible in a test, so the lookup is replaced."""
    from createpdf import checks

    monkeypatch.setattr(checks.ctypes.util, "find_library", lambda name: None)
    assert _ids(checks.check_harfbuzz_subset()) == ["createpdf.W001"]


def test_installed_harfbuzz_subset_passes_the_check():
    from createpdf.checks import check_harfbuzz_subset

    assert check_harfbuzz_subset() == []


def test_the_fonts_of_every_script_are_installed_here():
    """fontconfig (asked as WeasyPrint asks it) has every family of createpdf.fonts."""
    from createpdf import checks, fonts

    installed = checks.installed_font_families()
    assert installed is not None and set(fonts.INSTALLED_FAMILIES) <= installed
    assert checks.check_fonts() == []


def test_missing_fonts_are_reported_with_their_scripts_and_the_install_command(monkeypatch):
    """Uninstalling fonts is not possible in a test, so fontconfig's answer is replaced by one
    without the Thai, Korean and emoji fonts."""
    from createpdf import checks

    installed = checks.installed_font_families() or set()
    without = installed - {"Noto Sans Thai", "Noto Sans CJK KR", "Noto Color Emoji"}
    monkeypatch.setattr(checks, "installed_font_families", lambda: without)

    (warning,) = checks.check_fonts()
    assert warning.id == "createpdf.W002"
    assert "Thai, Korean, emoji" in warning.msg
    assert "apt-get install fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji" in warning.hint
    assert "scripts/system-packages" in warning.hint


def test_missing_fonts_name_each_script_once(monkeypatch):
    """Without fonts-noto-cjk all four CJK faces are missing: one name for them, not four."""
    from createpdf import checks, fonts

    installed = checks.installed_font_families() or set()
    without = installed - set(fonts.INSTALLED_FAMILIES) - {"Noto Sans CJK HK"}
    monkeypatch.setattr(checks, "installed_font_families", lambda: without)

    (warning,) = checks.check_fonts()
    scripts = warning.msg.removeprefix("Fonts missing for ").split(" (Noto Sans")[0]
    assert scripts == (
        "Latin, Greek and Cyrillic, Arabic, Hebrew, Devanagari, Thai, "
        "Chinese, Japanese and Korean, emoji, symbols"
    )


def test_a_family_list_that_misses_one_names_it():
    from createpdf.checks import missing_font_families

    required = ("Noto Sans", "Noto Sans Hebrew")
    assert missing_font_families(required, installed={"Noto Sans"}) == ["Noto Sans Hebrew"]
    assert missing_font_families(required, installed={"Noto Sans", "Noto Sans Hebrew"}) == []
