"""Read settings from the environment, failing with one sentence a user can act on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "test", "production")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
RECONNECT_TIMEOUT = 5.0  # seconds; see database_pool_options


class SettingsError(ImproperlyConfigured):
    """A configuration problem the person starting the site can fix; its message says how."""


def django_env() -> str:
    value = os.environ.get("DJANGO_ENV", "development")
    if value not in ENVIRONMENTS:
        raise SettingsError(f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}.")
    return value


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def database_from_url(url: str) -> dict[str, Any]:
    """Parse ``DATABASE_URL``; only the engines the site supports are accepted."""
    try:
        config = dj_database_url.parse(url, conn_health_checks=True)
    except (ValueError, KeyError, TypeError) as error:
        raise SettingsError(
            f"DATABASE_URL is not a usable database URL ({error}); use "
            "postgres://USER@HOST:5432/NAME or sqlite:////absolute/path/db.sqlite3."
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise SettingsError(
            f"DATABASE_URL names the engine {engine or 'none'!r}; "
            "BetterForm supports PostgreSQL (postgres://) and SQLite (sqlite://)."
        )
    if not config.get("NAME"):
        raise SettingsError(
            "DATABASE_URL names no database; add it after the host, as in "
            "postgres://USER@HOST:5432/NAME."
        )
    return config


def database_pool_options() -> dict[str, int | float] | None:
    """Django's PostgreSQL connection pool (``DATABASES[...]["OPTIONS"]["pool"]``, the keyword
    arguments of ``psycopg_pool.ConnectionPool``) from the environment, per process:
    ``{"min_size": 2, "max_size": 10, "timeout": 2.0, "reconnect_timeout": 5.0}`` by default;
    None when ``DATABASE_POOL`` is false. ``timeout`` is how many seconds a request waits for
    a free connection before its database error (a 503 with Retry-After). While PostgreSQL is
    down every request waits that long (the pool cannot tell "busy" from "gone"), so it stays
    short: two waits in one request still answer within the 5 s the faults suite allows
    (psycopg_pool's own default is 30 s).

    Raises ``SettingsError`` for what psycopg_pool would refuse at the first query instead
    (a negative minimum, a maximum under 1 or under the minimum) and for a timeout <= 0.
    https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
    """
    if not env_bool("DATABASE_POOL", True):
        return None
    min_size = env_int("DATABASE_POOL_MIN_SIZE", 2)
    max_size = env_int("DATABASE_POOL_MAX_SIZE", max(10, min_size))
    timeout = env_float("DATABASE_POOL_TIMEOUT", 2.0)
    if min_size < 0 or max_size < max(1, min_size):
        raise SettingsError(
            f"DATABASE_POOL_MIN_SIZE ({min_size}) and DATABASE_POOL_MAX_SIZE ({max_size}) must "
            "satisfy 0 <= min <= max and max >= 1; set DATABASE_POOL=false to turn the pool off."
        )
    if timeout <= 0:
        raise SettingsError(f"DATABASE_POOL_TIMEOUT must be more than 0 seconds, not {timeout}.")
    # psycopg_pool retries a failed connection with a doubling delay (1, 2, 4, 8 s...) until
    # reconnect_timeout (default 5 minutes), so after a long outage its next attempt could come
    # minutes after PostgreSQL is back. Giving up after 5 s lets the next waiting request start a
    # fresh attempt at once: service resumes within seconds of the restart, however long it was.
    return {
        "min_size": min_size,
        "max_size": max_size,
        "timeout": timeout,
        "reconnect_timeout": RECONNECT_TIMEOUT,
    }


def persistent_secret(path: Path) -> str:
    """A random secret kept in a git-ignored file, so development needs no secret in the repo
    and sessions survive restarts."""
    import secrets

    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(50)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
