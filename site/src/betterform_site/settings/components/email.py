"""Outgoing email: account activation and password reset, and quotes sent to customers
(``betterform.sending``: the PDF and the quote page's link) with their reminders
(``expire_quotes``). Production sends through SMTP; development writes each message to a file
(``environments/development.py``); tests keep them in memory (``environments/test.py``).

https://docs.djangoproject.com/en/5.2/topics/email/
"""

from betterform_site.env import SettingsError, env_bool, env_float, env_int, env_path, env_str

# EMAIL_BACKEND names one of Django's backends by its short name, or any backend by its path.
_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_backend = env_str("EMAIL_BACKEND", "smtp").strip() or "smtp"
if "." not in _backend and _backend not in _BACKENDS:
    raise SettingsError(
        f"EMAIL_BACKEND must be one of {', '.join(_BACKENDS)} or a backend's dotted path, "
        f"not {_backend!r}."
    )
EMAIL_BACKEND = _BACKENDS.get(_backend, _backend)

EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:  # Django would refuse it only when sending the first mail
    raise SettingsError(
        "EMAIL_USE_TLS (STARTTLS, port 587) and EMAIL_USE_SSL (port 465) exclude each other: "
        "set one of them."
    )
# Seconds an SMTP connection may block: a mail server that stopped answering fails the send
# (the admin and the API say the quote was not sent) instead of holding the request forever.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
if EMAIL_TIMEOUT <= 0:
    raise SettingsError(f"EMAIL_TIMEOUT must be more than 0 seconds, not {EMAIL_TIMEOUT:g}.")
# Where the file backend writes one file per message (git-ignored in a checkout).
EMAIL_FILE_PATH = env_path("EMAIL_FILE_PATH", DATA_DIR / "sent-emails")  # noqa: F821
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BetterForm <noreply@localhost>")
