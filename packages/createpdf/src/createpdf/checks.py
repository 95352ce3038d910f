"""System checks for createpdf's settings (ids ``createpdf.E0xx``)."""

from __future__ import annotations

import ctypes.util
from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from createpdf.conf import conf


def _positive_int_setting(name: str, value: object, check_id: str) -> list[CheckMessage]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return []
    return [Error(f"{name} must be a positive integer, not {value!r}.", id=check_id)]


@register()
def check_settings(**kwargs: Any) -> list[CheckMessage]:
    return [
        *_positive_int_setting("CREATEPDF_MAX_PAGES", conf.CREATEPDF_MAX_PAGES, "createpdf.E001"),
        *_positive_int_setting(
            "CREATEPDF_MAX_HTML_BYTES", conf.CREATEPDF_MAX_HTML_BYTES, "createpdf.E002"
        ),
        *_positive_int_setting(
            "CREATEPDF_RENDER_MEMORY_MB", conf.CREATEPDF_RENDER_MEMORY_MB, "createpdf.E003"
        ),
        *_positive_int_setting(
            "CREATEPDF_RENDER_CPU_SECONDS", conf.CREATEPDF_RENDER_CPU_SECONDS, "createpdf.E004"
        ),
        *_positive_int_setting(
            "CREATEPDF_RENDER_PROCESSES", conf.CREATEPDF_RENDER_PROCESSES, "createpdf.E005"
        ),
    ]


@register()
def check_harfbuzz_subset(**kwargs: Any) -> list[CheckMessage]:
    """Without libharfbuzz-subset, WeasyPrint subsets fonts with fontTools, about 3x slower."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return []
    return [
        Warning(
            "libharfbuzz-subset is not installed: PDFs render about three times slower.",
            hint="Install the Debian package libharfbuzz-subset0 (scripts/system-packages).",
            id="createpdf.W001",
        )
    ]
