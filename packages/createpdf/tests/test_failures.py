"""Failures: template errors fail with the reason; passing errors retry; a killed worker's
job completes on the next worker run, leaving no partial file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from background_task.models import Task
from django.core.files.storage import FileSystemStorage

from createpdf.models import Document, DocumentTemplate
from suites import processes as children

pytestmark = pytest.mark.django_db(transaction=True)


def _template(slug: str, html: str) -> DocumentTemplate:
    return DocumentTemplate.objects.create(slug=slug, name=slug, html=html)


def test_a_template_error_fails_the_document_with_message_and_line(rep_client, run_worker):
    _template("broken", "<h1>Quote</h1>\n<p>{{ quote.total }}</p>")
    document_id = rep_client.post(
        "/api/pdf/documents/", {"template": "broken", "context": {}}, format="json"
    ).json()["id"]
    assert run_worker() == 1
    body = rep_client.get(f"/api/pdf/documents/{document_id}/").json()
    assert body["status"] == "failed"
    assert body["error"] == "line 2: 'quote' is undefined"
    assert Task.objects.count() == 0, "a template error is not retried"
    download = rep_client.get(f"/api/pdf/documents/{document_id}/download/")
    assert download.status_code == 409
    assert "The render failed: line 2" in download.json()["detail"]


class FlakyStorage(FileSystemStorage):
    """Stands in for an object store having a bad moment: the first saves fail."""

    failures = 0

    def _save(self, name, content):
        if FlakyStorage.failures:
            FlakyStorage.failures -= 1
            raise OSError("storage unavailable")
        return super()._save(name, content)


@pytest.fixture
def flaky_storage(monkeypatch, settings, tmp_path):
    storage = FlakyStorage(location=tmp_path)
    monkeypatch.setattr(Document._meta.get_field("file"), "storage", storage)
    return FlakyStorage


def _request_report(client) -> int:
    context = {"title": "t", "subtitle": "", "generated_at": "", "sections": []}
    response = client.post("/api/pdf/documents/", {"template": "report", "context": context})
    return response.json()["id"]


def _make_due() -> None:
    """Retries are scheduled in the future (backoff); tests move them to the past."""
    task = Task.objects.get()
    Task.objects.filter(pk=task.pk).update(run_at=task.run_at.replace(year=2000))


def test_a_passing_error_is_retried_with_backoff_and_then_succeeds(
    rep_client, run_worker, flaky_storage
):
    flaky_storage.failures = 1
    document_id = _request_report(rep_client)
    assert run_worker() == 1
    document = Document.objects.get(pk=document_id)
    assert document.status == "queued"
    assert "will retry: storage unavailable" in document.error
    task = Task.objects.get()
    assert task.attempts == 1 and task.run_at.timestamp() > time.time(), "retried later, not now"

    _make_due()
    assert run_worker() == 1
    document.refresh_from_db()
    assert document.status == "done" and document.attempts == 2 and document.error == ""


def test_a_render_that_keeps_failing_gives_up_with_the_reason(
    rep_client, run_worker, flaky_storage, settings
):
    settings.CREATEPDF_RENDER_ATTEMPTS = 2
    flaky_storage.failures = 10
    document_id = _request_report(rep_client)
    for _ in range(2):
        _make_due()
        run_worker()
    document = Document.objects.get(pk=document_id)
    assert document.status == "failed"
    assert document.error == "gave up after 2 attempts: storage unavailable"


# 45 one-page sections: about two seconds of WeasyPrint, a window to kill the worker in.
SLOW_BODY = (
    "{% for n in range(pages) %}<section style='break-after: page'><h1>Page {{ n }}</h1>"
    "{% for i in range(8) %}<p>{{ filler }} {{ i }}</p>{% endfor %}</section>{% endfor %}"
)


@pytest.mark.slow
def test_a_worker_killed_mid_render_leaves_no_partial_file_and_the_next_one_finishes(
    manage, site_env, tmp_path
):
    """Real worker processes on a shared SQLite file: SIGKILL while the document renders."""
    assert manage("migrate", "--noinput").returncode == 0
    env = {**site_env, "WORKER_MAX_RUN_TIME": "3"}
    queue = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from createpdf.models import DocumentTemplate; from createpdf import services; "
        f"DocumentTemplate.objects.create(slug='slow', name='Slow', html={SLOW_BODY!r}); "
        "document, _ = services.request_document(template_slug='slow', "
        "context={'pages': 45, 'filler': 'lorem ipsum dolor sit amet ' * 3}); "
        "print(document.pk)",
        env=env,
    )
    document_id = int(queue.stdout.strip())
    status = _status_reader(site_env["DATABASE_URL"].removeprefix("sqlite:///"), document_id)

    first = _worker(env)
    try:
        _wait_for(lambda: status() == "rendering", timeout=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        children.kill(first)
    assert status() == "rendering"

    second = _worker(env)
    try:
        _wait_for(lambda: status() == "done", timeout=90)
    finally:
        children.stop(second, grace=30)

    files = list(Path(site_env["BETTERFORM_DATA_DIR"], "test-media", "documents").rglob("*"))
    pdfs = [path for path in files if path.is_file()]
    assert len(pdfs) == 1, pdfs
    content = pdfs[0].read_bytes()
    assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return children.spawn(
        [sys.executable, "-m", "betterform_site", "process_tasks", "--sleep", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _status_reader(database: str, document_id: int):
    """Read the status straight from the workers' SQLite file: polling through a Django
    process would take longer than the render window."""

    def read() -> str:
        with sqlite3.connect(database, timeout=20) as connection:
            row = connection.execute(
                "SELECT status FROM createpdf_document WHERE id = ?", (document_id,)
            ).fetchone()
        return row[0]

    return read


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s")
