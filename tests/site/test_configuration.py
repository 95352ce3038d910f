"""Bad configuration stops the site at start with one clear sentence, not a traceback."""

from __future__ import annotations

import pytest

from betterform_site.env import SettingsError, database_from_url, env_bool


def _one_sentence_error(result) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    return lines[0]


def test_unknown_django_env_is_refused_by_name(manage):
    message = _one_sentence_error(manage("check", env={"DJANGO_ENV": "staging"}))
    assert "DJANGO_ENV must be one of development, test, production, not 'staging'" in message


def test_malformed_database_url_is_refused_with_an_example(manage):
    message = _one_sentence_error(manage("check", env={"DATABASE_URL": "mysqlx//nope"}))
    assert "DATABASE_URL" in message
    assert "postgres://" in message


def test_unsupported_database_engine_is_refused(manage):
    message = _one_sentence_error(manage("check", env={"DATABASE_URL": "mysql://u@h/db"}))
    assert "BetterForm supports PostgreSQL" in message


def test_production_names_every_missing_setting(manage):
    message = _one_sentence_error(
        manage("check", env={"DJANGO_ENV": "production", "DATABASE_URL": ""})
    )
    assert message.endswith("missing: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL.")


def test_production_names_only_what_is_missing(manage, tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    message = _one_sentence_error(manage("check", env=env))
    assert message.endswith("missing: ALLOWED_HOSTS.")


def test_production_starts_when_configured(manage, tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "quotes.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_invalid_boolean_is_refused_with_the_accepted_values(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(SettingsError, match="DEBUG must be true or false"):
        env_bool("DEBUG", False)


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://postgres@127.0.0.1:5432/betterform", "django.db.backends.postgresql"),
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3"),
    ],
)
def test_supported_database_urls_parse(url, engine):
    assert database_from_url(url)["ENGINE"] == engine


def test_database_url_without_a_name_is_refused():
    with pytest.raises(SettingsError, match="names no database"):
        database_from_url("postgres://postgres@127.0.0.1:5432")
