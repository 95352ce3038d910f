"""The seller's details and the defaults of new quotes: the ``CompanyProfile`` row, else the
settings.

Staff fill the profile in the admin (``betterform.admin_company``); a deployment configured
through the environment leaves it empty and sets ``BETTERFORM_COMPANY`` and
``BETTERFORM_DEFAULT_CURRENCY`` instead. While the profile has no name, the PDF shows
``conf.COMPANY_DEFAULTS`` overridden key by key by ``BETTERFORM_COMPANY`` (and createpdf's
placeholder logo); once it has one, the PDF shows the profile's values only (an empty phone is
left out, not replaced by a placeholder).

Every write goes through ``save_profile``, which the admin form calls too
(``validate_profile``), so any other door (an API, a command) refuses what the admin refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from betterform import logos
from betterform.conf import conf
from betterform.models import CompanyProfile
from createpdf.rendering import static_url

logger = logging.getLogger(__name__)

DETAIL_FIELDS = ("name", "address", "email", "phone", "website", "registration")
PLACEHOLDER_LOGO = static_url("createpdf/brand/logo.svg")


def get_profile() -> CompanyProfile | None:
    """The profile row, or None before anyone saved one."""
    return CompanyProfile.objects.filter(pk=CompanyProfile.SINGLETON_ID).first()


def _filled(profile: CompanyProfile | None) -> bool:
    return profile is not None and bool(profile.name.strip())


def normalise_currency(code: str) -> str:
    """``" eur "`` -> ``"EUR"``; whether it is a valid code is the model's rule."""
    return (code or "").strip().upper()


def validate_profile(profile: CompanyProfile) -> None:
    """Raise ``ValidationError`` keyed by field (``{"logo": [...], "default_currency": [...]}``)
    for a profile that must not be stored: the model's field rules (a currency of three
    letters, after ``normalise_currency``; a tax rate of 0-100) and a logo whose content is not
    a PNG, JPEG or SVG within the limits (``betterform.logos``)."""
    profile.default_currency = normalise_currency(profile.default_currency)
    profile.full_clean()


def save_profile(profile: CompanyProfile) -> CompanyProfile:
    """Validate (``validate_profile``) and store the one profile row."""
    validate_profile(profile)
    profile.save()
    return profile


def update_profile(**fields: Any) -> CompanyProfile:
    """Change the named fields of the profile (created on first use) and save it; raises
    ``ValidationError`` as ``validate_profile`` and stores nothing then."""
    profile = get_profile() or CompanyProfile()
    for name, value in fields.items():
        setattr(profile, name, value)
    return save_profile(profile)


def _logo_uri(profile: CompanyProfile) -> str:
    if not profile.logo:
        return ""
    try:
        with profile.logo.open("rb") as file:
            return logos.data_uri(file.read(logos.LOGO_MAX_BYTES + 1))
    except (OSError, ValidationError) as error:
        # A logo lost from the storage must not stop every quote PDF: print none, say why.
        logger.warning("company logo %s left out of the PDF: %s", profile.logo.name, error)
        return ""


def company_details() -> dict[str, str]:
    """The seller on the PDF: ``{"name", "address", "email", "phone", "website",
    "registration", "logo"}``, every value a string; ``logo`` is a ``data:`` URI, createpdf's
    placeholder logo, or ``""`` for none."""
    profile = get_profile()
    if not _filled(profile):
        return {**conf.COMPANY_DEFAULTS, **conf.BETTERFORM_COMPANY, "logo": PLACEHOLDER_LOGO}
    assert profile is not None
    details = {name: getattr(profile, name).strip() for name in DETAIL_FIELDS}
    return {**details, "logo": _logo_uri(profile)}


def default_currency() -> str:
    """The currency of a new quote that names none: the profile's, else the setting."""
    profile = get_profile()
    if profile is not None and profile.default_currency:
        return profile.default_currency
    return conf.BETTERFORM_DEFAULT_CURRENCY


def default_tax_rate() -> Decimal:
    """The tax rate (percent) of a new quote line that gives none: the profile's, else 0."""
    profile = get_profile()
    if profile is not None and profile.default_tax_rate is not None:
        return profile.default_tax_rate
    return Decimal("0")


def with_default_tax(lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The lines, each without a ``tax_rate`` given the default one (one query for all)."""
    lines = [dict(line) for line in lines]
    if any("tax_rate" not in line or line["tax_rate"] is None for line in lines):
        rate = default_tax_rate()
        for line in lines:
            if line.get("tax_rate") is None:
                line["tax_rate"] = rate
    return lines
