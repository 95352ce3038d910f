"""The settings betterform reads, with their defaults, in one place.

Each property reads Django's settings at access time, so ``override_settings`` works in tests.
"""

from __future__ import annotations

from django.conf import settings as django_settings


class Settings:
    COMPANY_DEFAULTS = {
        "name": "Your Company",
        "address": "1 Example Street, 1000 Example City",
        "email": "quotes@example.com",
        "phone": "+00 0000 000000",
        "website": "www.example.com",
        "registration": "VAT 000000000",
    }

    @property
    def BETTERFORM_DEFAULT_CURRENCY(self) -> str:
        """ISO 4217 code given to quotes that do not name one, unless the company profile
        sets a default currency (``betterform.company.default_currency``)."""
        return getattr(django_settings, "BETTERFORM_DEFAULT_CURRENCY", "EUR")

    @property
    def BETTERFORM_QUOTE_VALIDITY_DAYS(self) -> int:
        """How long a new quote stays valid unless its author says otherwise."""
        return getattr(django_settings, "BETTERFORM_QUOTE_VALIDITY_DAYS", 30)

    @property
    def BETTERFORM_COMPANY(self) -> dict[str, str]:
        """The seller printed on quote PDFs while the company profile (admin, ``CompanyProfile``)
        has no name: keys as in COMPANY_DEFAULTS, missing ones keep the placeholder. For
        deployments configured through the environment; ``betterform.company`` reads it."""
        return getattr(django_settings, "BETTERFORM_COMPANY", {})


conf = Settings()
