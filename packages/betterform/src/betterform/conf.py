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

    # --- the customer's side -------------------------------------------------------------

    @property
    def BETTERFORM_SITE_URL(self) -> str:
        """Scheme and host the customer's links start with (``https://quotes.example.com``),
        for e-mails sent where no request tells it (the worker, the cron command)."""
        return getattr(django_settings, "BETTERFORM_SITE_URL", "http://localhost:8000")

    @property
    def BETTERFORM_QUOTE_FROM_EMAIL(self) -> str:
        """The address quotes are sent from; empty: the company profile's e-mail, else
        Django's ``DEFAULT_FROM_EMAIL``. The company's name is the sender's display name."""
        return getattr(django_settings, "BETTERFORM_QUOTE_FROM_EMAIL", "")

    @property
    def BETTERFORM_QUOTE_REMINDER_DAYS(self) -> int:
        """Days before ``valid_until`` an unanswered sent quote is reminded of (once); 0 sends
        no reminders."""
        return getattr(django_settings, "BETTERFORM_QUOTE_REMINDER_DAYS", 3)

    @property
    def BETTERFORM_SEND_PDF_WAIT_SECONDS(self) -> float:
        """How long sending waits for the quote's PDF to render before it gives up (409)."""
        return getattr(django_settings, "BETTERFORM_SEND_PDF_WAIT_SECONDS", 60)


conf = Settings()
