"""An integrator's client, generated from the live schema with openapi-python-client (the
version pinned in the ``test`` dependency group), does the integrator's job of issue 17: every
module of it imports; it logs in, creates a quote with lines, reads a 400 as the typed ``Error``,
requests the quote's PDF, polls it and downloads it, with and without ``Accept:
application/pdf``. The README's integrator section (commands, config and Python) is what runs.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import pkgutil
import re
import shlex
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pypdf
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "betterform_client"  # the README's --output-path
PASSWORD = "live-site-password"  # what the live_site fixture's create_users sets
LINE = {"description": "Cabinets", "quantity": "2", "unit_price": "1250.00", "tax_rate": "21"}
TIMEOUT = 90  # seconds a PDF may take to render on a busy machine


def integrator_section() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^## Integrators: a generated client\n(.*?)^## ", readme, re.M | re.S)
    assert found, "README.md has no '## Integrators: a generated client' section"
    return found.group(1)


def code_block(language: str) -> str:
    """The first ```language block of the README's integrator section."""
    found = re.search(rf"^```{language}\n(.*?)^```", integrator_section(), re.M | re.S)
    assert found, f"the integrator section has no {language} block"
    return found.group(1)


def readme_command(program: str) -> list[str]:
    """The README's shell command that starts with ``program``, as arguments."""
    lines = [line for line in code_block("sh").splitlines() if line.startswith(program)]
    assert len(lines) == 1, f"the integrator section should run {program} once"
    return shlex.split(lines[0])


def generate_client(base_url: str, workdir: Path) -> None:
    """What the README's commands do: save the live schema, then generate the package."""
    schema = httpx.get(f"{base_url}/api/schema/", timeout=60)
    assert schema.status_code == 200, schema.text
    (workdir / "schema.yaml").write_bytes(schema.content)
    (workdir / "client-config.yaml").write_text(code_block("yaml"))
    command = readme_command("openapi-python-client generate")
    bin_dir = Path(sys.executable).parent  # the test environment's console scripts (and ruff)
    result = subprocess.run(
        [str(bin_dir / command[0]), *command[1:]],
        cwd=workdir,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The generator leaves out what it cannot read (a body, an answer) with a warning.
    assert "warning" not in output.lower(), output
    assert (workdir / PACKAGE / "__init__.py").is_file(), output


def import_every_module() -> list[str]:
    """Import the generated package and each of its modules; ``["module: error", ...]``."""
    failures: list[str] = []
    package = importlib.import_module(PACKAGE)

    def failed(name: str) -> None:
        failures.append(f"{name}: {sys.exc_info()[1]!r}")

    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.", onerror=failed):
        try:
            importlib.import_module(module.name)
        except Exception:  # every failure is collected and reported at once
            failed(module.name)
    return failures


@pytest.fixture
def client_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on ``sys.path`` for the generated package, forgotten afterwards."""
    workdir = tmp_path / "integrator"
    workdir.mkdir()
    monkeypatch.syspath_prepend(str(workdir))
    yield workdir
    for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
        del sys.modules[name]


def generated(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def fields(value: Any) -> Any:
    """A generated model as plain JSON (``Error.errors`` is a model with additional properties)."""
    return value.to_dict() if hasattr(value, "to_dict") else value


def assert_error(response: Any, status: int, code: str) -> Any:
    """``response.parsed`` is the generated ``Error`` with ``code``, sent as JSON."""
    error_model = generated("models").Error
    assert response.status_code == status, response.content
    assert response.headers["content-type"] == "application/json", response.headers
    assert isinstance(response.parsed, error_model), response.content
    assert response.parsed.code == code, response.content
    assert isinstance(response.parsed.detail, str), response.content
    assert response.parsed.detail, response.content
    return response.parsed


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_readme_pins_the_generator_the_test_environment_installs():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = [dep for dep in pyproject["dependency-groups"]["test"] if "openapi-python-client" in dep]
    assert pins == ["openapi-python-client==0.29.1"]
    assert readme_command("pip install") == ["pip", "install", *pins]


def test_a_client_generated_from_the_live_schema_does_the_integrators_job(live_site, client_dir):
    site = live_site()  # no worker yet: a PDF requested now stays queued
    site.create_users("rep")
    generate_client(site.base_url, client_dir)
    assert import_every_module() == []

    client = generated("client")
    models = generated("models")
    log_in = generated("api.auth.log_in")
    create_quote = generated("api.quotes.create_quote")
    request_quote_pdf = generated("api.quotes.request_quote_pdf")
    get_document = generated("api.pdf.get_document")
    download_document = generated("api.pdf.download_document")

    anonymous = client.Client(site.base_url, raise_on_unexpected_status=True)
    wrong = models.TokenCreateRequest(username="rep", password="not the password")
    refused = assert_error(log_in.sync_detailed(client=anonymous, body=wrong), 400, "invalid")
    assert list(fields(refused.errors)) == ["non_field_errors"]
    credentials = models.TokenCreateRequest(username="rep", password=PASSWORD)
    login = log_in.sync_detailed(client=anonymous, body=credentials)
    assert login.status_code == 200, login.content
    token = login.parsed.auth_token
    assert isinstance(token, str)
    assert token
    api = client.AuthenticatedClient(
        site.base_url, token=token, prefix="Token", raise_on_unexpected_status=True
    )
    # What OpenAPI Generator's clients send, since the schema says the answer is a PDF. Clients
    # of their own, each with its own dict: ``with_headers`` changes the httpx client ``api``
    # already opened, and AuthenticatedClient adds its Authorization to the dict it was given.
    pdf_api = client.AuthenticatedClient(
        site.base_url,
        token=token,
        prefix="Token",
        headers={"Accept": "application/pdf"},
        raise_on_unexpected_status=True,
    )
    stranger = client.Client(
        site.base_url, headers={"Accept": "application/pdf"}, raise_on_unexpected_status=True
    )

    body = models.QuoteRequest(
        title="Kitchen", customer_name="Ada Lovelace", lines=[models.QuoteLineRequest(**LINE)]
    )
    created = create_quote.sync_detailed(client=api, body=body)
    assert created.status_code == 201, created.content
    quote = created.parsed
    assert isinstance(quote, models.Quote)
    assert [(line.description, line.quantity, line.tax, line.total) for line in quote.lines] == [
        ("Cabinets", "2.000", "525.00", "3025.00")
    ]
    assert (quote.title, quote.customer_name, quote.total) == ("Kitchen", "Ada Lovelace", "3025.00")

    negative = models.QuoteLineRequest(description="Hall", quantity="-1", unit_price="10.00")
    bad = models.QuoteRequest(currency="E1R", lines=[models.QuoteLineRequest(**LINE), negative])
    error = assert_error(create_quote.sync_detailed(client=api, body=bad), 400, "invalid")
    errors = fields(error.errors)
    assert sorted(errors) == ["currency", "lines"]
    assert errors["lines"][0] == {}
    assert list(errors["lines"][1]) == ["quantity"]

    # The README's refusal, word for word.
    as_in_readme = models.QuoteRequest(lines=[models.QuoteLineRequest(**LINE), negative])
    refusal = create_quote.sync_detailed(client=api, body=as_in_readme)
    assert json.loads(refusal.content) == json.loads(code_block("json"))

    queued = request_quote_pdf.sync_detailed(quote.id, client=api)
    assert queued.status_code == 202, queued.content
    document = queued.parsed
    assert isinstance(document, models.Document)
    assert document.status == "queued"

    # Asked for a PDF, the errors still come back as the JSON Error, never a 406.
    assert_error(download_document.sync_detailed(document.id, client=pdf_api), 409, "conflict")
    missing = download_document.sync_detailed(document.id + 1000, client=pdf_api)
    assert_error(missing, 404, "not_found")
    unauthenticated = download_document.sync_detailed(document.id, client=stranger)
    assert_error(unauthenticated, 401, "not_authenticated")

    site.start_worker()
    deadline = time.monotonic() + TIMEOUT
    while document.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        polled = get_document.sync_detailed(document.id, client=api)
        assert polled.status_code == 200, polled.content
        document = polled.parsed
    assert document.status == "done", (document.to_dict(), site.logs())

    downloads = [
        download_document.sync_detailed(document.id, client=api),  # httpx's Accept: */*
        download_document.sync_detailed(document.id, client=pdf_api),
    ]
    for download in downloads:
        assert download.status_code == 200, download.content
        assert download.headers["content-type"] == "application/pdf"
        assert isinstance(download.parsed, generated("types").File)
    pdfs = [download.parsed.payload.read() for download in downloads]
    assert pdfs[0] == pdfs[1]
    text = pdf_text(pdfs[0])
    assert quote.number in text
    assert "Kitchen" in text

    readme_code, replaced = re.subn(
        r"^BASE_URL, USERNAME, PASSWORD = .*$",
        f"BASE_URL, USERNAME, PASSWORD = {site.base_url!r}, 'rep', {PASSWORD!r}",
        code_block("python"),
        flags=re.M,
    )
    assert replaced == 1, "the README's example no longer sets BASE_URL, USERNAME, PASSWORD"
    run = subprocess.run(
        [sys.executable, "-c", readme_code],
        cwd=client_dir,
        env={**os.environ, "PYTHONPATH": str(client_dir)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT + 60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    printed, refusal = run.stdout.splitlines()  # what the README's comments say they print
    number, total, tax = printed.split()
    assert (number != quote.number, total, tax) == (True, "3025.00", "525.00")
    assert refusal.startswith("invalid [{}, {'quantity': ['"), refusal
    assert number in pdf_text((client_dir / f"{number}.pdf").read_bytes())
