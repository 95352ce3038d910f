"""Development (the default ``DJANGO_ENV``): debug on, local hosts, e-mail written to files.

Names such as ``DATA_DIR`` come from the components included before this file.
"""

from betterform_site.env import env_bool, env_list, env_str, persistent_secret

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SECRET_KEY = SECRET_KEY or persistent_secret(DATA_DIR / "secret_key")  # noqa: F821

# No mail server needed: each e-mail (a quote with its PDF and link, an account e-mail) is a
# file in EMAIL_FILE_PATH (site/var/sent-emails/, git-ignored), unless EMAIL_BACKEND says.
if not env_str("EMAIL_BACKEND").strip():
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

# Serve static files straight from the apps; `collectstatic` is not needed while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES["staticfiles"] = {  # noqa: F821
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
