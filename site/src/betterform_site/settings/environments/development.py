"""Development (the default ``DJANGO_ENV``): debug on, local hosts, console email.

Names such as ``DATA_DIR`` come from the components included before this file.
"""

from betterform_site.env import env_bool, env_list, persistent_secret

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SECRET_KEY = SECRET_KEY or persistent_secret(DATA_DIR / "secret_key")  # noqa: F821

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Serve static files straight from the apps; `collectstatic` is not needed while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES["staticfiles"] = {  # noqa: F821
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
