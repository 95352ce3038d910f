"""Logging to the console, one line an event, level from ``LOG_LEVEL``.

https://docs.djangoproject.com/en/5.2/topics/logging/
"""

from betterform_site.env import env_str

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint narrates every step at INFO; its warnings (refused URLs...) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Socket.IO logs every emit and packet at INFO.
        "socketio": {"level": "WARNING"},
        "engineio": {"level": "WARNING"},
    },
}
