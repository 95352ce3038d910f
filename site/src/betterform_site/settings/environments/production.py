"""Production: refuse to start without the settings that must not default.

Static files are collected (``collectstatic``) and served by WhiteNoise from the ASGI app.
"""

import os

from betterform_site.env import SettingsError, env_bool

_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
_missing = [name for name in _REQUIRED if not os.environ.get(name, "").strip()]
if _missing:
    raise SettingsError(
        f"DJANGO_ENV=production needs {', '.join(_REQUIRED)} in the environment; "
        f"missing: {', '.join(_missing)}."
    )

DEBUG = env_bool("DEBUG", False)

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
