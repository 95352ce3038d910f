"""Fill the database with deterministic demo data; running it again changes nothing new."""

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from faker import Faker

from betterform_site.demo import DEMO_ADMIN_USERNAME, demo_password, ensure_demo_users


class Command(BaseCommand):
    help = "Create demo users and each installed app's demo data (idempotent, seeded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Faker seed (default 2026).")

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        faker = Faker()
        faker.seed_instance(seed)
        with transaction.atomic():
            users = ensure_demo_users()
            for app_config in apps.get_app_configs():
                if not module_has_submodule(app_config.module, "demo"):
                    continue
                module = import_module(f"{app_config.name}.demo")
                seeder = getattr(module, "seed_demo", None)
                if seeder is None:
                    continue
                seeder(faker=faker, users=users, log=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Log in as {DEMO_ADMIN_USERNAME!r} "
                f"(reps: alice, bob) with password {demo_password()!r}."
            )
        )
