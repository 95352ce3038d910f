"""Settings of our own apps, read from the environment (each app documents its own defaults).

- createpdf: ``createpdf.conf``
- betterform: ``betterform.conf``
- monday_integration: ``monday_integration.conf``
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from betterform_site.env import SettingsError, env_bool, env_int, env_str

BETTERFORM_DEFAULT_CURRENCY = env_str("BETTERFORM_DEFAULT_CURRENCY", "EUR")
# The seller printed on quote PDFs; unset values keep betterform's placeholders.
BETTERFORM_COMPANY = {
    key: value
    for key, value in {
        "name": env_str("COMPANY_NAME"),
        "address": env_str("COMPANY_ADDRESS"),
        "email": env_str("COMPANY_EMAIL"),
        "phone": env_str("COMPANY_PHONE"),
        "website": env_str("COMPANY_WEBSITE"),
        "registration": env_str("COMPANY_REGISTRATION"),
    }.items()
    if value
}

# The customer's side (betterform.sending, betterform.expiry). SITE_URL starts the quote page's
# link in e-mails sent where no request tells the host: the monday worker, the cron command.
BETTERFORM_SITE_URL = env_str("SITE_URL", "http://localhost:8000").strip().rstrip("/")
_site = urlsplit(BETTERFORM_SITE_URL)
if _site.scheme not in ("http", "https") or not _site.netloc or _site.path or _site.query:
    raise SettingsError(
        "SITE_URL must be the scheme and host customers reach the site on, such as "
        f"https://quotes.example.com, not {BETTERFORM_SITE_URL!r}."
    )
# The address quotes are sent from (the company's name shows as the sender); empty: the
# company profile's e-mail, else DEFAULT_FROM_EMAIL.
BETTERFORM_QUOTE_FROM_EMAIL = env_str("BETTERFORM_QUOTE_FROM_EMAIL").strip()
if BETTERFORM_QUOTE_FROM_EMAIL:
    try:
        validate_email(BETTERFORM_QUOTE_FROM_EMAIL)
    except ValidationError:
        raise SettingsError(
            "BETTERFORM_QUOTE_FROM_EMAIL must be an address alone, such as quotes@example.com "
            f"(the company's name is added as the sender), not {BETTERFORM_QUOTE_FROM_EMAIL!r}."
        ) from None
# Days before valid_until an unanswered quote's customer is reminded (once); 0: never.
BETTERFORM_QUOTE_REMINDER_DAYS = env_int("BETTERFORM_QUOTE_REMINDER_DAYS", 3)
if BETTERFORM_QUOTE_REMINDER_DAYS < 0:
    raise SettingsError(
        "BETTERFORM_QUOTE_REMINDER_DAYS must be 0 (no reminders) or more days, "
        f"not {BETTERFORM_QUOTE_REMINDER_DAYS}."
    )

MONDAY_API_URL = env_str("MONDAY_API_URL", "https://api.monday.com/v2")
MONDAY_API_VERSION = env_str("MONDAY_API_VERSION", "2026-07")
MONDAY_API_TOKEN = env_str("MONDAY_API_TOKEN")
# The account's subdomain (<slug>.monday.com), for links to items; learned from `me` when empty.
MONDAY_ACCOUNT_SLUG = env_str("MONDAY_ACCOUNT_SLUG")
MONDAY_SIGNING_SECRET = env_str("MONDAY_SIGNING_SECRET")
MONDAY_REQUIRE_SIGNED_DELIVERIES = env_bool("MONDAY_REQUIRE_SIGNED_DELIVERIES", False)
