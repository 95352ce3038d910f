"""Tests: fast password hashing, in-memory email, any host, deterministic secrets."""

import os
import tempfile
from pathlib import Path

from betterform_site.env import env_str

DEBUG = False
ALLOWED_HOSTS = ["*"]
# Not a secret: it signs nothing outside the test run.
SECRET_KEY = env_str("SECRET_KEY") or "test-only-signing-key-not-used-outside-tests"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {  # noqa: F821
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = DATA_DIR / "test-media"  # noqa: F821

# Throttle counters stay per process in tests, even when REDIS_URL is set: the suite runs in
# parallel from one address, and shared counters would make throttling tests flaky.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F821
    # A file, not SQLite's in-memory default: live servers, threads and worker processes
    # write at once in the suite, and only a file database gets WAL and the busy timeout
    # (an in-memory shared cache fails a second writer at once). One file per process.
    DATABASES["default"]["TEST"] = {  # noqa: F821
        "NAME": str(Path(tempfile.gettempdir()) / f"betterform-test-{os.getpid()}.sqlite3")
    }
