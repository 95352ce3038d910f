"""Settings of our own apps, read from the environment (each app documents its own defaults).

- createpdf: ``createpdf.conf``
- betterform: ``betterform.conf``
- monday_integration: ``monday_integration.conf``
"""

from betterform_site.env import env_bool, env_str

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

MONDAY_API_URL = env_str("MONDAY_API_URL", "https://api.monday.com/v2")
MONDAY_API_VERSION = env_str("MONDAY_API_VERSION", "2026-07")
MONDAY_API_TOKEN = env_str("MONDAY_API_TOKEN")
# The account's subdomain (<slug>.monday.com), for links to items; learned from `me` when empty.
MONDAY_ACCOUNT_SLUG = env_str("MONDAY_ACCOUNT_SLUG")
MONDAY_SIGNING_SECRET = env_str("MONDAY_SIGNING_SECRET")
MONDAY_REQUIRE_SIGNED_DELIVERIES = env_bool("MONDAY_REQUIRE_SIGNED_DELIVERIES", False)
