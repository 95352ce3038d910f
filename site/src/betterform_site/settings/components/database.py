"""The database, from one ``DATABASE_URL``: SQLite by default, PostgreSQL in production and CI.

https://docs.djangoproject.com/en/5.2/ref/settings/#databases
"""

from betterform_site.env import database_from_url, env_str

_default_sqlite = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"  # noqa: F821  (from base.py)

DATABASES = {"default": database_from_url(env_str("DATABASE_URL") or _default_sqlite)}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at once: wait for the lock instead of failing,
    # take it at the start of a write transaction, and let readers run beside a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
