"""System checks for createpdf's settings (ids ``createpdf.E0xx``) and the system libraries and
fonts its PDFs need (``createpdf.W0xx``)."""

from __future__ import annotations

import ctypes.util
from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from createpdf import fonts
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


def installed_font_families() -> set[str] | None:
    """The font families fontconfig offers, asked through the fontconfig library WeasyPrint
    loaded (the fonts a render can use), or None when fontconfig cannot be asked."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig
    except (ImportError, OSError):
        return None
    config = fontconfig.FcInitLoadConfigAndFonts()
    if config == ffi.NULL:
        return None
    try:
        fontset = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        if fontset == ffi.NULL:
            return set()
        families: set[str] = set()
        value = ffi.new("FcChar8 **")
        for index in range(fontset.nfont):
            pattern, name = fontset.fonts[index], 0
            # A font lists one family per language it is named in ("Noto Sans CJK JP", ...).
            while fontconfig.FcPatternGetString(pattern, b"family", name, value) == 0:
                families.add(ffi.string(value[0]).decode(errors="replace"))
                name += 1
        return families
    finally:
        fontconfig.FcConfigDestroy(config)


def missing_font_families(
    required: tuple[str, ...] = fonts.INSTALLED_FAMILIES, installed: set[str] | None = None
) -> list[str]:
    """The families of ``required`` that fontconfig does not have, in stack order."""
    installed = installed_font_families() if installed is None else installed
    if installed is None:
        return []
    return [family for family in required if family not in installed]


@register()
def check_fonts(**kwargs: Any) -> list[CheckMessage]:
    """Without the Noto fonts, text in the scripts they cover prints as empty boxes."""
    missing = missing_font_families()
    if not missing:
        return []
    scripts = ", ".join(fonts.script_names(missing))
    packages = " ".join(dict.fromkeys(fonts.PACKAGES.get(family, "") for family in missing))
    return [
        Warning(
            f"Fonts missing for {scripts} ({', '.join(missing)}): PDFs print that text as "
            "empty boxes or in another font.",
            hint=f"Install them: apt-get install {packages.strip()} (or run "
            "scripts/system-packages).",
            id="createpdf.W002",
        )
    ]
