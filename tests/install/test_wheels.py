"""Each app's wheel works on its own, outside this repository.

For each app: its wheel and the wheels of the apps it declares are installed, with their declared
dependencies resolved from the package index and nothing else, into a fresh virtualenv; a
minimal foreign Django project written here lists the app and runs ``check``, ``migrate`` and one
real HTTP request against the app's URLs. That proves the wheel's package data, migrations and
dependency metadata are complete. Wheels come from ``$BETTERFORM_DIST`` (``nox -s build``;
``nox -s install_check`` builds them and runs this module).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BUILD_HINT = "build them with `nox -s build` (`nox -s install_check` builds, then runs this)"
# Settings of the calling environment that must not leak into the foreign project.
SCRUBBED_ENV = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ENV",
    "DATABASE_URL",
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "PYTHONDONTWRITEBYTECODE",  # the throwaway venv may cache bytecode: each command starts faster
)
INSTALL_TIMEOUT = 120
COMMAND_TIMEOUT = 60
SERVER_START_TIMEOUT = 30


@dataclass(frozen=True)
class App:
    dist: str  # distribution name on the index
    module: str  # import package, also the app label and the URL namespace (``app_name``)
    prefix: str  # where the foreign project mounts the app's URLs
    requires_apps: tuple[str, ...] = ()  # sibling distributions it must declare
    settings: dict[str, object] = field(default_factory=dict)  # what the app needs to be set
    # Third-party Django apps its README tells a site to add to INSTALLED_APPS.
    django_apps: tuple[str, ...] = ()


APPS = {
    app.module: app
    for app in (
        App(
            "betterform-createpdf",
            "createpdf",
            "pdf/",
            django_apps=("reversion", "background_task", "rangefilter", "import_export"),
        ),
        App(
            "betterform",
            "betterform",
            "forms-api/",
            ("betterform-createpdf",),
            django_apps=("rest_framework_api_key",),
        ),
        App(
            "betterform-monday-integration",
            "monday_integration",
            "monday/",
            ("betterform",),
            # Without a token the app warns (monday_integration.W001): give a dummy one.
            {"MONDAY_API_TOKEN": "install-check-dummy-token"},
        ),
    )
}
APPS_BY_DIST = {canonicalize_name(app.dist): app for app in APPS.values()}


@dataclass
class InstalledApp:
    """One app installed from its wheel in a fresh virtualenv, with a foreign project around it."""

    app: App
    wheel: Path
    python: Path  # the virtualenv's interpreter
    venv: Path
    project: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.python), *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def django(self, *args: str) -> str:
        """``python -m django ARGS`` in the foreign project; fails the test on a non-zero exit."""
        return succeeded(self.run("-m", "django", *args))


def succeeded(result: subprocess.CompletedProcess) -> str:
    command = " ".join(str(arg) for arg in result.args)
    assert result.returncode == 0, (
        f"`{command}` exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    return result.stdout


# --- wheels --------------------------------------------------------------------------------------


def dist_dir() -> Path:
    value = os.environ.get("BETTERFORM_DIST")
    if not value:
        pytest.fail(f"BETTERFORM_DIST is not set: point it at the built wheels; {BUILD_HINT}.")
    path = Path(value).resolve()
    if not path.is_dir():
        pytest.fail(f"BETTERFORM_DIST={value} is not a directory; {BUILD_HINT}.")
    return path


def find_wheel(dist: Path, app: App) -> Path:
    stem = canonicalize_name(app.dist).replace("-", "_")
    wheels = sorted(dist.glob(f"{stem}-*.whl"))
    if not wheels:
        pytest.fail(f"no wheel of {app.dist} ({stem}-*.whl) in {dist}; {BUILD_HINT}.")
    if len(wheels) > 1:
        names = ", ".join(wheel.name for wheel in wheels)
        pytest.fail(f"several wheels of {app.dist} in {dist} ({names}): {BUILD_HINT}.")
    return wheels[0]


def wheel_metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


def declared_sibling_apps(wheel: Path) -> list[App]:
    """The apps of this repository that the wheel declares as dependencies (Requires-Dist)."""
    siblings = []
    for line in wheel_metadata(wheel).get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        app = APPS_BY_DIST.get(canonicalize_name(requirement.name))
        if app is not None:
            siblings.append(app)
    return siblings


def wheels_to_install(dist: Path, app: App) -> list[Path]:
    """The app's wheel and, transitively, those of the sibling apps its metadata declares."""
    wheels: list[Path] = []

    def visit(current: App) -> None:
        wheel = find_wheel(dist, current)
        if wheel in wheels:
            return
        for sibling in declared_sibling_apps(wheel):
            visit(sibling)
        wheels.append(wheel)

    visit(app)
    return wheels


def apps_in_dependency_order(app: App) -> list[App]:
    """What a foreign project lists in INSTALLED_APPS for this app: its dependencies first."""
    ordered: list[App] = []

    def visit(current: App) -> None:
        for dist in current.requires_apps:
            visit(APPS_BY_DIST[canonicalize_name(dist)])
        if current not in ordered:
            ordered.append(current)

    visit(app)
    return ordered


def wheel_files(wheel: Path, app: App) -> set[str]:
    """Paths inside the app's import package, relative to it, as the wheel ships them."""
    prefix = f"{app.module}/"
    with zipfile.ZipFile(wheel) as archive:
        return {n.removeprefix(prefix) for n in archive.namelist() if n.startswith(prefix)}


def source_files(app: App) -> set[str]:
    """Paths inside the app's import package in this repository's source tree."""
    package = REPO / "packages" / app.module / "src" / app.module
    assert package.is_dir(), f"no source package at {package}"
    return {
        path.relative_to(package).as_posix()
        for path in package.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.startswith(".") for part in path.relative_to(package).parts)
    }


def shipped_migrations(wheel: Path, app: App) -> list[str]:
    prefix = f"{app.module}/migrations/"
    with zipfile.ZipFile(wheel) as archive:
        names = [name.removeprefix(prefix) for name in archive.namelist()]
    return sorted(
        name.removesuffix(".py")
        for name in names
        if "/" not in name and name.endswith(".py") and name != "__init__.py"
    )


# --- virtualenv and foreign project --------------------------------------------------------------


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def create_venv_with(venv: Path, wheels: list[Path]) -> Path:
    """A fresh virtualenv holding only these wheels and what they declare, from the index."""
    uv = shutil.which("uv")
    cwd = venv.parent  # away from this repository's pyproject.toml
    python, files = str(venv_python(venv)), [str(wheel) for wheel in wheels]
    if uv:
        commands = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            [uv, "pip", "install", "--quiet", "--python", python, *files],
        ]
    else:
        commands = [
            [sys.executable, "-m", "venv", str(venv)],
            [python, "-m", "pip", "install", "--quiet", *files],
        ]
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    for command in commands:
        result = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
        succeeded(result)
    return venv_python(venv)


def write_foreign_project(project: Path, app: App) -> None:
    """A Django project of its own: a settings module and a URLconf, nothing from this repo."""
    package = project / "foreign_site"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    installed = [
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        *dict.fromkeys(
            django_app
            for dependency in apps_in_dependency_order(app)
            for django_app in dependency.django_apps
        ),
        *(dependency.module for dependency in apps_in_dependency_order(app)),
    ]
    app_settings = {
        key: value
        for dependency in apps_in_dependency_order(app)
        for key, value in dependency.settings.items()
    }
    extra = "".join(f"{key} = {value!r}\n" for key, value in app_settings.items())
    (package / "settings.py").write_text(
        textwrap.dedent(
            f"""\
            SECRET_KEY = "install-check-secret-key-not-for-production"
            DEBUG = False
            ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
            INSTALLED_APPS = {installed!r}
            MIDDLEWARE = [
                "django.middleware.security.SecurityMiddleware",
                "django.middleware.common.CommonMiddleware",
            ]
            ROOT_URLCONF = "foreign_site.urls"
            TEMPLATES = [
                {{
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "DIRS": [],
                    "APP_DIRS": True,
                    "OPTIONS": {{}},
                }}
            ]
            DATABASES = {{
                "default": {{
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": {str(project / "db.sqlite3")!r},
                }}
            }}
            DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
            USE_TZ = True
            """
        )
        + extra
    )
    (package / "urls.py").write_text(
        textwrap.dedent(
            f"""\
            from django.urls import include, path

            urlpatterns = [
                path({app.prefix!r}, include({app.module + ".urls"!r}, namespace={app.module!r})),
            ]
            """
        )
    )


@pytest.fixture(scope="module", params=list(APPS), ids=list(APPS))
def installed(request, tmp_path_factory) -> InstalledApp:
    app = APPS[request.param]
    dist = dist_dir()
    wheels = wheels_to_install(dist, app)
    root = tmp_path_factory.mktemp(app.module)
    python = create_venv_with(root / "venv", wheels)
    project = root / "project"
    write_foreign_project(project, app)
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="foreign_site.settings",
        PYTHONPATH=str(project),
        PYTHONUNBUFFERED="1",
    )
    return InstalledApp(app, wheels[-1], python, root / "venv", project, env)


# --- the checks ----------------------------------------------------------------------------------


def test_wheel_declares_the_sibling_apps_it_needs(installed: InstalledApp):
    declared = sorted(app.dist for app in declared_sibling_apps(installed.wheel))
    assert declared == sorted(installed.app.requires_apps), (
        f"{installed.wheel.name} declares {declared} among this repository's apps; "
        f"expected {sorted(installed.app.requires_apps)}: fix `dependencies` in its pyproject.toml"
    )


def test_wheel_ships_every_file_of_the_source_package(installed: InstalledApp):
    """Templates, static files, migrations, py.typed: whatever the source has, the wheel has."""
    missing = source_files(installed.app) - wheel_files(installed.wheel, installed.app)
    assert not missing, (
        f"{installed.wheel.name} lacks {sorted(missing)} from the source tree: add them to "
        "[tool.setuptools.package-data] (or the package list) in its pyproject.toml, or "
        f"if the wheel is stale, {BUILD_HINT}"
    )


def test_app_is_imported_from_the_virtualenv_not_the_source_tree(installed: InstalledApp):
    module = installed.app.module
    out = succeeded(
        installed.run(
            "-c",
            "import json, sys, django; django.setup(); from django.urls import reverse; "
            f"import {module}; "
            f"print(json.dumps({{'file': {module}.__file__, 'prefix': sys.prefix, "
            f"'root': reverse('{module}:api-root')}}))",
        )
    )
    found = json.loads(out.strip().splitlines()[-1])
    venv = installed.venv.resolve()
    assert Path(found["prefix"]).resolve() == venv
    assert Path(found["file"]).resolve().is_relative_to(venv), (
        f"{module} was imported from {found['file']}, not from the virtualenv {venv}"
    )
    assert "site-packages" in Path(found["file"]).parts
    assert found["root"] == f"/{installed.app.prefix}"


def test_system_checks_pass_at_warning_level(installed: InstalledApp):
    installed.django("check", "--fail-level", "WARNING")


def test_migrate_applies_the_shipped_migrations_and_none_are_missing(installed: InstalledApp):
    label = installed.app.module
    installed.django("migrate", "--noinput")
    listing = installed.django("showmigrations", label)
    lines = [line.strip() for line in listing.splitlines()]
    assert lines[0] == label, listing
    shipped = shipped_migrations(installed.wheel, installed.app)
    if shipped:
        assert sorted(lines[1:]) == [f"[X] {name}" for name in shipped], (
            f"expected every migration in {installed.wheel.name} applied:\n{listing}"
        )
    else:
        assert lines[1:] == ["(no migrations)"], listing
    # The models in the wheel need no migration the wheel does not ship.
    installed.django("makemigrations", "--check", "--dry-run", label)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, server: subprocess.Popen, log: Path) -> httpx.Response:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"runserver exited {server.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(url, headers={"Accept": "application/json"}, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"runserver did not answer {url} in {SERVER_START_TIMEOUT}s:\n{log.read_text()}")


@pytest.fixture
def server(installed: InstalledApp, tmp_path: Path) -> Iterator[str]:
    """``runserver`` from the virtualenv on a free port; yields its base URL, always stops it."""
    installed.django("migrate", "--noinput")
    port = free_port()
    log = tmp_path / "runserver.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(installed.python), "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=installed.project,
            env=installed.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_answering(f"http://127.0.0.1:{port}/", process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_api_root_answers_a_real_request_with_json(installed: InstalledApp, server: str):
    response = httpx.get(
        f"{server}/{installed.app.prefix}", headers={"Accept": "application/json"}, timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json(), dict)
