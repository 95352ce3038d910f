"""Leases: one worker holds a row while it renews the lease; a dead worker's row is taken
over; a render is never done twice at once, and a second caller waits for the first."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from createpdf import leases, render_job, services
from createpdf.models import Document
from createpdf.template_store import resolve_template

pytestmark = pytest.mark.django_db(transaction=True)

QUEUED = Q(status=Document.Status.QUEUED)


def _queued_document(**fields) -> Document:
    document, _ = services.request_document(
        template_slug="report",
        context=resolve_template("report").sample_context,
        **fields,
    )
    return document


def _expire(document: Document) -> None:
    Document.objects.filter(pk=document.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_only_one_of_two_claims_succeeds_while_the_lease_is_live():
    document = _queued_document()
    available = QUEUED | Q(leases.stalled(), status="rendering")
    first = leases.claim(Document, document.pk, available=available, seconds=60, status="rendering")
    second = leases.claim(
        Document, document.pk, available=available, seconds=60, status="rendering"
    )
    assert first is not None and second is None
    document.refresh_from_db()
    assert document.leased_by == first.holder and document.lease_expires_at > timezone.now()


def test_a_lease_that_ran_out_is_taken_over_and_the_old_holder_is_fenced_off():
    document = _queued_document()
    available = QUEUED | Q(leases.stalled(), status="rendering")
    first = leases.claim(Document, document.pk, available=available, seconds=60, status="rendering")
    _expire(document)  # the first worker died, or paused past its lease
    second = leases.claim(
        Document, document.pk, available=available, seconds=60, status="rendering"
    )
    assert second is not None and second.holder != first.holder
    with pytest.raises(leases.LeaseLost):
        first.check()
    assert first.renew() is False
    assert first.release(status="done") is False  # the old holder cannot store its outcome
    second.check()
    assert second.release(status="done") is True
    document.refresh_from_db()
    assert (document.status, document.leased_by, document.lease_expires_at) == ("done", "", None)


def test_a_held_lease_is_renewed_by_its_thread_so_it_outlives_its_length():
    document = _queued_document()
    lease = leases.claim(Document, document.pk, available=QUEUED, seconds=0.6, status="rendering")
    with lease:
        time.sleep(1.5)  # two and a half lease lengths
        lease.check()
        assert not Document.objects.filter(leases.stalled(), pk=document.pk).exists()
    time.sleep(0.8)  # no renewals after the context: it runs out
    assert Document.objects.filter(leases.stalled(), pk=document.pk).exists()


def test_a_render_held_by_a_live_worker_is_not_started_again(settings):
    document = _queued_document()
    held = leases.claim(Document, document.pk, available=QUEUED, seconds=60, status="rendering")
    assert held is not None
    assert render_job.render_document(document.pk) is False
    document.refresh_from_db()
    assert document.status == "rendering" and not document.file and document.attempts == 0


def test_a_render_whose_worker_died_is_taken_over_and_stored_once(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    document = _queued_document()
    leases.claim(Document, document.pk, available=QUEUED, seconds=60, status="rendering")
    _expire(document)
    assert render_job.render_document(document.pk) is True
    document.refresh_from_db()
    assert document.status == "done", document.error
    assert document.leased_by == ""
    assert [p.name for p in tmp_path.rglob("*.pdf")] == [document.filename]


def test_two_renders_at_once_make_one_file_and_the_second_caller_waits_for_it(settings, tmp_path):
    """What the sync pipeline and the createpdf worker do to the same quote PDF."""
    settings.MEDIA_ROOT = str(tmp_path)
    document = _queued_document()
    results: list[bool] = []

    def render() -> None:
        try:
            results.append(render_job.render_document(document.pk))
        finally:
            from django.db import connection

            connection.close()

    worker = threading.Thread(target=render)
    worker.start()
    waited = services.render_or_wait(Document.objects.get(pk=document.pk), timeout=60)
    worker.join(timeout=60)
    assert waited.status == "done"
    assert Document.objects.get(pk=document.pk).attempts == 1
    assert len(list(tmp_path.rglob("*.pdf"))) == 1


def test_rerendering_a_document_that_is_rendering_now_leaves_it_to_that_render():
    document = _queued_document()
    leases.claim(Document, document.pk, available=QUEUED, seconds=60, status="rendering")
    holder = Document.objects.get(pk=document.pk).leased_by
    again = services.rerender(Document.objects.get(pk=document.pk))
    assert (again.status, again.leased_by) == ("rendering", holder)


def test_rerendering_a_stalled_render_queues_it_afresh():
    document = _queued_document()
    leases.claim(Document, document.pk, available=QUEUED, seconds=60, status="rendering")
    _expire(document)
    again = services.rerender(Document.objects.get(pk=document.pk))
    assert (again.status, again.leased_by, again.lease_expires_at) == ("queued", "", None)


def test_a_render_job_finding_the_document_held_runs_again_later(settings, tmp_path, run_worker):
    from background_task.models import Task

    settings.MEDIA_ROOT = str(tmp_path)
    document = _queued_document()  # its job is queued on commit
    leases.claim(Document, document.pk, available=QUEUED, seconds=60, status="rendering")
    run_worker()
    task = Task.objects.get()
    assert "being rendered by another worker" in task.last_error
    _expire(document)  # the holder died
    Task.objects.update(run_at=timezone.now())
    run_worker()
    assert Document.objects.get(pk=document.pk).status == "done"
    assert not Task.objects.exists()
