"""The settings monday_integration reads, with their defaults, in one place.

Each property reads Django's settings at access time, so ``override_settings`` works in tests.
Sites normally fill these from the environment; none of them has a secret default.
"""

from __future__ import annotations

from django.conf import settings as django_settings


class Settings:
    @property
    def MONDAY_API_URL(self) -> str:
        """GraphQL endpoint; the fake server's URL stands in for it in tests and the demo."""
        return getattr(django_settings, "MONDAY_API_URL", "https://api.monday.com/v2")

    @property
    def MONDAY_API_VERSION(self) -> str:
        """Sent as the ``API-Version`` header (monday versions roll quarterly: YYYY-MM)."""
        return getattr(django_settings, "MONDAY_API_VERSION", "2026-07")

    @property
    def MONDAY_API_TOKEN(self) -> str:
        return getattr(django_settings, "MONDAY_API_TOKEN", "")

    @property
    def MONDAY_ACCOUNT_SLUG(self) -> str:
        """The account's subdomain in item links (``https://<slug>.monday.com/boards/...``);
        when empty, the slug ``me`` reported for the API token (``identity``) is used."""
        return getattr(django_settings, "MONDAY_ACCOUNT_SLUG", "")

    @property
    def MONDAY_SIGNING_SECRET(self) -> str:
        """The monday app's signing secret; when set, a delivery's JWT, if it has one, must
        verify with it."""
        return getattr(django_settings, "MONDAY_SIGNING_SECRET", "")

    @property
    def MONDAY_REQUIRE_SIGNED_DELIVERIES(self) -> bool:
        """Require an app's JWT on every mapping's deliveries (each mapping can also require
        it with ``require_signed_deliveries``). Off by default: webhooks created with a
        personal API token are never signed, and the URL's secret authenticates them."""
        return bool(getattr(django_settings, "MONDAY_REQUIRE_SIGNED_DELIVERIES", False))

    @property
    def MONDAY_WEBHOOK_MAX_BYTES(self) -> int:
        """A webhook body above this is refused (monday's payloads are a few KB)."""
        return getattr(django_settings, "MONDAY_WEBHOOK_MAX_BYTES", 64 * 1024)

    @property
    def MONDAY_EVENT_LEASE_SECONDS(self) -> float:
        """A sync's lease on its event (``createpdf.leases``): the syncing worker renews it
        every third of this; when that worker dies, another takes the event over after this
        long, and until then the API lists the event as ``stalled``."""
        return getattr(django_settings, "MONDAY_EVENT_LEASE_SECONDS", 60)

    @property
    def MONDAY_PDF_WAIT_SECONDS(self) -> float:
        """How long a sync waits for a quote PDF another worker is rendering."""
        return getattr(django_settings, "MONDAY_PDF_WAIT_SECONDS", 300)


conf = Settings()
