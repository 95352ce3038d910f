"""``seed_demo``: demo accounts whose password comes from the environment, idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_an_admin_and_two_reps_and_is_idempotent(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-tests")
    call_command("seed_demo")
    call_command("seed_demo")
    User = get_user_model()
    assert User.objects.count() == 3
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="alice").is_staff
    assert authenticate(username="alice", password="demo-pass-for-tests")
    assert "password 'demo-pass-for-tests'" in capsys.readouterr().out


def test_without_demo_password_one_is_generated_and_kept(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    settings.DATA_DIR = tmp_path
    call_command("seed_demo")
    password = (tmp_path / "demo_password").read_text()
    assert len(password) >= 40
    call_command("seed_demo")
    assert (tmp_path / "demo_password").read_text() == password
    assert authenticate(username="admin", password=password)
