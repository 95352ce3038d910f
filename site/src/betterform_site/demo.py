"""Demo accounts and the contract between ``seed_demo`` and each app's ``demo`` module.

An installed app that ships ``<app>/demo.py`` with
``seed_demo(*, faker: Faker, users: DemoUsers, log: Callable[[str], None]) -> None``
is called by ``manage.py seed_demo`` in INSTALLED_APPS order (so an app sees the demo data of
the apps it depends on). Each must be idempotent: look rows up by a natural key first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from betterform_site.env import persistent_secret

DEMO_ADMIN_USERNAME = "admin"
DEMO_REP_USERNAMES = ("alice", "bob")


@dataclass(frozen=True)
class DemoUsers:
    admin: AbstractUser
    reps: tuple[AbstractUser, ...]


def demo_password() -> str:
    """``DEMO_PASSWORD`` from the environment, else a random one kept in the data folder."""
    return os.environ.get("DEMO_PASSWORD") or persistent_secret(settings.DATA_DIR / "demo_password")


def ensure_demo_users() -> DemoUsers:
    User = get_user_model()
    password = demo_password()

    def ensure(username: str, *, staff: bool) -> AbstractUser:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_active = True
        user.is_staff = user.is_superuser = staff
        user.set_password(password)
        user.save()
        return user

    return DemoUsers(
        admin=ensure(DEMO_ADMIN_USERNAME, staff=True),
        reps=tuple(ensure(name, staff=False) for name in DEMO_REP_USERNAMES),
    )
