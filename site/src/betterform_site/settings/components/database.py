"""The database, from one ``DATABASE_URL``: SQLite by default, PostgreSQL in production and CI.

PostgreSQL connections come from Django's pool (psycopg_pool, one pool per process), sized by
``DATABASE_POOL_*`` (see ``betterform_site.env.database_pool_options``); ``DATABASE_POOL=false``
opens one connection per request again.

https://docs.djangoproject.com/en/5.2/ref/settings/#databases
https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
"""

from betterform_site.env import SettingsError, database_from_url, database_pool_options, env_str

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
elif (_pool := database_pool_options()) is not None:
    try:
        import psycopg_pool  # noqa: F401  (Django imports it at the first query)
    except ImportError:
        raise SettingsError(
            "The PostgreSQL connection pool needs psycopg_pool: install psycopg[pool], "
            "or set DATABASE_POOL=false."
        ) from None
    # Django refuses a pool with persistent connections; with CONN_MAX_AGE 0 the end of each
    # request (and the worker's close_old_connections) hands the connection back to the pool.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Only with health checks on does Django give the pool
    # check=ConnectionPool.check_connection (passing "check" in the options too would be a
    # TypeError): every connection is tested when it leaves the pool, so the connections a
    # PostgreSQL restart broke are dropped instead of failing a request each.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "pool": _pool}
