"""E-mail and the customer's side are configured from the environment (issue 16): SMTP in
production with a timeout, files in development (a demo sends quotes without a mail server),
memory in tests; the site's URL, the quotes' sender and the reminder's days. A bad value stops
the site with one sentence. Each case starts the settings in a process of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHOW = (
    "import json; from django.conf import settings as s; "
    "from betterform.conf import conf; print(json.dumps({"
    "'backend': s.EMAIL_BACKEND, 'timeout': s.EMAIL_TIMEOUT, 'file_path': str(s.EMAIL_FILE_PATH),"
    "'site_url': conf.BETTERFORM_SITE_URL, 'from': conf.BETTERFORM_QUOTE_FROM_EMAIL,"
    "'reminder_days': conf.BETTERFORM_QUOTE_REMINDER_DAYS}))"
)


def _settings(manage, **env: str) -> dict[str, object]:
    result = manage("shell", "-v", "0", "-c", SHOW, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _refusal(manage, **env: str) -> str:
    result = manage("check", env=env)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _production(tmp_path: Path) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "quotes.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def test_production_sends_through_smtp_with_a_timeout_by_default(manage, tmp_path):
    shown = _settings(manage, **_production(tmp_path))

    assert shown["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown["timeout"] == 10.0
    assert shown["site_url"] == "http://localhost:8000"
    assert (shown["from"], shown["reminder_days"]) == ("", 3)


def test_the_environment_configures_the_customers_side(manage, tmp_path):
    shown = _settings(
        manage,
        **_production(tmp_path),
        EMAIL_BACKEND="console",
        EMAIL_TIMEOUT="2.5",
        SITE_URL="https://quotes.example.com/",
        BETTERFORM_QUOTE_FROM_EMAIL="quotes@example.com",
        BETTERFORM_QUOTE_REMINDER_DAYS="0",
    )

    assert shown["backend"] == "django.core.mail.backends.console.EmailBackend"
    assert shown["timeout"] == 2.5
    assert shown["site_url"] == "https://quotes.example.com"
    assert (shown["from"], shown["reminder_days"]) == ("quotes@example.com", 0)


def test_development_writes_each_email_to_a_file_in_the_data_folder(manage, site_env):
    shown = _settings(manage, DJANGO_ENV="development")

    assert shown["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(shown["file_path"]) == Path(site_env["BETTERFORM_DATA_DIR"]) / "sent-emails"
    smtp = _settings(manage, DJANGO_ENV="development", EMAIL_BACKEND="smtp")
    assert smtp["backend"] == "django.core.mail.backends.smtp.EmailBackend"


def test_a_quote_sent_in_development_can_be_read_in_its_file(manage, site_env):
    """The demo's path: no mail server, the message (link and PDF) lands in a file."""
    send = (
        "from django.core.mail import EmailMessage; "
        "EmailMessage('Quote Q-1 from Acme', 'Open http://localhost:8000/q/abc/', "
        "'quotes@example.com', ['ada@example.com']).send()"
    )
    result = manage("shell", "-v", "0", "-c", send, env={"DJANGO_ENV": "development"})

    assert result.returncode == 0, result.stderr
    [written] = (Path(site_env["BETTERFORM_DATA_DIR"]) / "sent-emails").iterdir()
    text = written.read_text()
    assert "Subject: Quote Q-1 from Acme" in text
    assert "Open http://localhost:8000/q/abc/" in text


def test_tests_keep_email_in_memory(settings):
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"EMAIL_BACKEND": "carrier-pigeon"}, "EMAIL_BACKEND must be one of smtp, file"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT must be more than 0 seconds"),
        ({"EMAIL_TIMEOUT": "soon"}, "EMAIL_TIMEOUT must be a number"),
        ({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "exclude each other"),
        ({"SITE_URL": "quotes.example.com"}, "SITE_URL must be the scheme and host"),
        ({"SITE_URL": "https://quotes.example.com/app/"}, "SITE_URL must be the scheme and host"),
        ({"BETTERFORM_QUOTE_FROM_EMAIL": "Acme <q@x.com>"}, "must be an address alone"),
        ({"BETTERFORM_QUOTE_REMINDER_DAYS": "-1"}, "must be 0 (no reminders) or more"),
    ],
)
def test_bad_values_stop_the_site_with_one_sentence(manage, env, says):
    message = _refusal(manage, **env)

    assert message.startswith("Configuration error: ")
    assert says in message
