"""The settings createpdf reads, with their defaults, in one place.

Each property reads Django's settings at access time, so ``override_settings`` works in tests.
"""

from __future__ import annotations

from django.conf import settings as django_settings


class Settings:
    @property
    def CREATEPDF_MAX_PAGES(self) -> int:
        """A rendered document longer than this fails instead of filling the storage."""
        return getattr(django_settings, "CREATEPDF_MAX_PAGES", 50)

    @property
    def CREATEPDF_MAX_HTML_BYTES(self) -> int:
        """Template output above this size is refused before WeasyPrint sees it."""
        return getattr(django_settings, "CREATEPDF_MAX_HTML_BYTES", 2 * 1024 * 1024)

    @property
    def CREATEPDF_RENDER_ATTEMPTS(self) -> int:
        """Tries for a render that fails for a passing reason (storage, database) before the
        document is marked failed; template errors fail at once."""
        return getattr(django_settings, "CREATEPDF_RENDER_ATTEMPTS", 3)

    @property
    def CREATEPDF_RENDER_LEASE_SECONDS(self) -> float:
        """A render's lease (``createpdf.leases``): the rendering worker renews it every third
        of this; when it dies, another worker takes the document over after this long."""
        return getattr(django_settings, "CREATEPDF_RENDER_LEASE_SECONDS", 60)

    @property
    def CREATEPDF_PREVIEW_MAX_PAGES(self) -> int:
        """The synchronous staff preview renders at most this many pages."""
        return getattr(django_settings, "CREATEPDF_PREVIEW_MAX_PAGES", 10)

    @property
    def CREATEPDF_MAX_CONTEXT_BYTES(self) -> int:
        """A document request whose context JSON is larger than this is refused (400)."""
        return getattr(django_settings, "CREATEPDF_MAX_CONTEXT_BYTES", 1024 * 1024)

    @property
    def CREATEPDF_RENDER_MEMORY_MB(self) -> int:
        """A render process's address space (``RLIMIT_AS``); a render needing more fails."""
        return getattr(django_settings, "CREATEPDF_RENDER_MEMORY_MB", 1024)

    @property
    def CREATEPDF_RENDER_CPU_SECONDS(self) -> int:
        """CPU seconds one render may use (``RLIMIT_CPU``); a render needing more fails."""
        return getattr(django_settings, "CREATEPDF_RENDER_CPU_SECONDS", 60)

    @property
    def CREATEPDF_RENDER_PROCESSES(self) -> int:
        """Render processes (``createpdf.isolation``) each web or worker process keeps warm;
        more concurrent renders wait for one."""
        return getattr(django_settings, "CREATEPDF_RENDER_PROCESSES", 2)


conf = Settings()
