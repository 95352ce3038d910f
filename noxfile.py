"""Every way to run BetterForm: ``./dev SESSION`` (or ``nox -s SESSION``).

- ``serve``: migrate, seed demo data and run the web server and the worker (SQLite).
- ``tests``: the whole suite on SQLite; ``tests_postgres``: the same on PostgreSQL.
- ``migrations``: ``makemigrations --check`` for every app; ``lint``: ruff.
- ``build``: a wheel and an sdist per package; ``install_check``: each wheel in a fresh venv.
- ``bench``: benchmark ratios measured in one run.
- ``fuzz``, ``load``, ``faults``, ``security``: the whole system under hostile input, load and
  failures (``suites/``); each prints its figures and fails when a bar is missed.

Arguments after ``--`` go to the underlying tool (pytest, the serve command, ...).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
APP_PACKAGES = ("packages/createpdf", "packages/betterform", "packages/monday_integration")
SITE = "site"
DIST = ROOT / "dist"
POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/betterform")
TEST_ENV = {"DJANGO_ENV": "test"}


def with_bytecode(session: nox.Session) -> None:
    """Every test spawns processes (workers, servers, commands): each would recompile Django,
    DRF and WeasyPrint from source (seconds apiece) where the environment forbids writing
    bytecode. Compile at install time and let our own modules be cached too."""
    session.env["UV_COMPILE_BYTECODE"] = "1"
    session.env["PYTHONDONTWRITEBYTECODE"] = ""


def install_project(session: nox.Session, *groups: str) -> None:
    """The three apps and the site, editable, plus the named dependency groups."""
    with_bytecode(session)
    editable = [arg for path in (*APP_PACKAGES, SITE) for arg in ("-e", path)]
    extras = [dep for group in groups for dep in nox.project.dependency_groups(PYPROJECT, group)]
    session.install(*editable, *extras)


def manage(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    session.run("python", "-m", "betterform_site", *args, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite on SQLite (the README's test command); Redis tests need
    ``tests_postgres``, which CI runs with a Redis server."""
    install_project(session, "test")
    session.run(
        "pytest",
        *("-n", "auto", "-m", "not redis"),
        *session.posargs,
        env={**TEST_ENV, "DATABASE_URL": ""},
    )


@nox.session
def tests_postgres(session: nox.Session) -> None:
    """The whole suite on PostgreSQL (``POSTGRES_URL``), Redis tests included (``REDIS_URL``)."""
    install_project(session, "test")
    env = {
        **TEST_ENV,
        "DATABASE_URL": POSTGRES_URL,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    session.run("pytest", "-n", "auto", *session.posargs, env=env)


@nox.session
@nox.parametrize("database", ["sqlite", "postgres"])
def migrations(session: nox.Session, database: str) -> None:
    """Fail when a model change has no migration, for every app, on SQLite and PostgreSQL."""
    install_project(session)
    url = POSTGRES_URL if database == "postgres" else ""
    manage(session, "makemigrations", "--check", "--dry-run", env={**TEST_ENV, "DATABASE_URL": url})


@nox.session(tags=["lint"])
def lint(session: nox.Session) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def build(session: nox.Session) -> None:
    """A wheel and an sdist for each package, in dist/."""
    session.install("uv")
    shutil.rmtree(DIST, ignore_errors=True)
    for package in (*APP_PACKAGES, SITE):
        session.run("uv", "build", "--quiet", "--out-dir", str(DIST), package)


@nox.session
def install_check(session: nox.Session) -> None:
    """Each app's wheel, alone with its declared dependencies, in a foreign Django project."""
    build(session)
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.run(
        "pytest",
        "tests/install",
        # Django runs only inside the throwaway virtualenvs: no pytest-django, and none of the
        # repository's conftest fixtures (they need the site's settings).
        *("-p", "no:django", "--confcutdir", "tests/install"),
        "-v",
        *session.posargs,
        env={"BETTERFORM_DIST": str(DIST)},
    )


@nox.session
def serve(session: nox.Session) -> None:
    """The whole system on SQLite with demo data: web (uvicorn) and worker; Ctrl-C stops both."""
    install_project(session)
    env = {"DJANGO_ENV": os.environ.get("DJANGO_ENV", "development")}
    # (Checks run once, in serve, which points the site at the fake monday.com first.)
    manage(session, "migrate", "--noinput", "--skip-checks", env=env)
    manage(session, "seed_demo", "--skip-checks", env=env)
    manage(session, "serve", *session.posargs, env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks; each prints ratios against a baseline measured in the same run."""
    install_project(session, "test")
    session.run("python", "-m", "benchmarks", *session.posargs, env=TEST_ENV)


def run_suite(session: nox.Session, name: str, *groups: str) -> None:
    """``python -m suites.<name>`` against a fresh PostgreSQL database (``POSTGRES_URL``)."""
    install_project(session, "test", *groups)
    session.run(
        "python", "-m", f"suites.{name}", *session.posargs, env={"POSTGRES_URL": POSTGRES_URL}
    )


@nox.session
def fuzz(session: nox.Session) -> None:
    """schemathesis against /api/schema/ on a live server: no 5xx, no off-schema answers."""
    run_suite(session, "fuzz", "fuzz")


@nox.session
def load(session: nox.Session) -> None:
    """50 concurrent clients for 60 s on uvicorn (2 workers) and PostgreSQL, then the same mix at
    stepped fixed rates (open loop) until p99 crosses 1 s; about 2.5 minutes."""
    run_suite(session, "load")


@nox.session
def faults(session: nox.Session) -> None:
    """Killed workers, a restarted database, Redis gone, monday failing: nothing is lost."""
    run_suite(session, "faults")


@nox.session
def security(session: nox.Session) -> None:
    """The permission matrix over every endpoint, throttling, sandbox and webhook forgeries."""
    run_suite(session, "security")
