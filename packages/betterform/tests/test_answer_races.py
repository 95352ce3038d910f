"""A customer accepting on the quote page (``/q/<token>/accept/``) while, at the same moment, a
rep edits the quote, its PDF is rendered again, or ``expire_quotes`` runs: on PostgreSQL, each
side in its own thread with its own connection, so the row locks are real.

``answering`` checks the answer again under the quote's row lock, and every edit locks the
same row first (``versions.check_unlocked``); the PDF answered is kept by a conditional update
(``createpdf.services.keep``) that a re-render either beats or is refused by. Each race is
forced both ways (one side paused at a chosen point, the other shown to wait for its lock in
``pg_stat_activity``) and then run with both sides released at once, several rounds.

One window is still open, in createpdf (an expected failure here): a worker that lost its
lease after its last check writes the file anyway, over the one the customer accepted.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from betterform import answering, expiry, sending, services
from betterform.models import Quote, QuoteAnswer
from createpdf import services as createpdf_services
from createpdf.models import Document
from createpdf.rendering import RenderedPdf
from createpdf.services import DocumentKept, render_document, rerender

pytestmark = [
    pytest.mark.postgresql,  # row locks; SQLite's in-memory test database has one writer
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 60
ROUNDS = 3  # each side released at once, a fresh quote a round
NEW_LINES = [{"description": "Worktop, oak", "quantity": D("3"), "unit": "m", "unit_price": 410}]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# --- threads, pauses and locks ---------------------------------------------------------------


class Running(threading.Thread):
    """``fn()`` started now in a thread named ``name`` (after ``barrier``, if given);
    ``outcome()`` joins it and returns its result or the exception it raised."""

    def __init__(self, name: str, fn: Callable[[], Any], barrier: Any = None) -> None:
        super().__init__(name=name, daemon=True)
        self.fn, self.barrier, self.result = fn, barrier, None
        self.start()

    def run(self) -> None:
        try:
            if self.barrier is not None:
                self.barrier.wait(TIMEOUT)
            self.result = self.fn()
        except Exception as error:  # the test reads it
            self.result = error
        finally:
            connections.close_all()  # this thread's own connection

    def outcome(self) -> Any:
        self.join(TIMEOUT)
        assert not self.is_alive(), f"thread {self.name} still running"
        return self.result


class Pause:
    """Hold the thread named ``thread`` when it calls ``owner.name`` (before the call) until
    ``release()``; other threads call it as usual."""

    def __init__(self, monkeypatch: Any, owner: Any, name: str, *, thread: str) -> None:
        original = getattr(owner, name)
        self.reached, self.go = threading.Event(), threading.Event()

        def paused(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread().name == thread and not self.go.is_set():
                self.reached.set()
                assert self.go.wait(TIMEOUT), "never released"
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, paused)

    def wait(self) -> None:
        assert self.reached.wait(TIMEOUT), "the thread never got there"

    def release(self) -> None:
        self.go.set()


def wait_for_lock_waiter() -> None:
    """Return once a session of the test database waits for a lock (a row lock)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("no session waited for a lock")


def holding(fn: Callable[[], Any], held: threading.Event, go: threading.Event) -> Callable:
    """``fn`` run inside a transaction kept open (its row locks held) until ``go``."""

    def run() -> Any:
        with transaction.atomic():
            result = fn()
            held.set()
            assert go.wait(TIMEOUT), "never released"
        return result

    return run


# --- the quote, its page and its PDF ---------------------------------------------------------


def offered_quote(rep: Any, submission: Any, **fields: Any) -> tuple[Quote, Document]:
    """A sent quote (with ``fields``), its PDF rendered, and that PDF offered by its page."""
    quote = services.build_quote(submission(owner=rep))
    quote = services.update_quote(
        quote, status=Quote.Status.SENT, customer_name="Ada Lovelace", **fields
    )
    document = sending.ready_pdf(quote, timeout=TIMEOUT)
    page = Client().get(reverse("betterform_customer:quote", args=[quote.customer_token]))
    offered = re.search(rb'name="document" value="([0-9]+)"', page.content)
    assert offered is not None and int(offered[1]) == document.pk
    return quote, document


def customer_accepts(quote: Quote, document: Document) -> Callable[[], tuple[int, str]]:
    """The Accept form of the page that offered ``document``, posted: (status, page text)."""

    def post() -> tuple[int, str]:
        response = Client().post(
            reverse("betterform_customer:quote-accept", args=[quote.customer_token]),
            {"signer_name": "Ada Lovelace", "consent": "on", "document": str(document.pk)},
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            REMOTE_ADDR="203.0.113.7",
        )
        return response.status_code, " ".join(response.content.decode().split())

    return post


def rep_edits(quote: Quote) -> Callable[[], Quote]:
    """The rep's edit of the quote as they loaded it: new lines (so a new PDF)."""
    return lambda: services.update_quote(Quote.objects.get(pk=quote.pk), lines=NEW_LINES)


def told_changed(outcome: Any) -> bool:
    """The page's 409 'the quote changed, read it again' (``QuoteChanged``)."""
    return outcome[0] == 409 and "read the current version and answer again" in outcome[1]


def file_sha256(document: Document) -> str:
    with document.file.open("rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def lines_of(quote: Quote) -> list[tuple[str, D]]:
    return list(quote.lines.order_by("position").values_list("description", "quantity"))


def assert_accepted_as_offered(quote: Quote, offered: Document, lines: list[Any]) -> None:
    """Accepted with the PDF offered, whose stored file is the one hashed and kept, and the
    quote still the one that PDF shows."""
    answer = QuoteAnswer.objects.get(quote=quote)
    offered.refresh_from_db()
    assert answer.shown_document_id == offered.pk and offered.kept
    assert answer.shown_sha256 == offered.sha256 == file_sha256(offered)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.ACCEPTED
    assert lines_of(quote) == lines
    assert answering.current_pdf(Quote.objects.get(pk=quote.pk)).pk == offered.pk


def assert_nothing_recorded(quote: Quote, offered: Document, status: str) -> None:
    assert not QuoteAnswer.objects.filter(quote=quote).exists()
    assert Quote.objects.get(pk=quote.pk).status == status
    offered.refresh_from_db()
    assert not offered.kept


# --- 1. the rep edits the quote while the customer accepts -----------------------------------


def test_an_edit_committed_after_the_pdf_was_checked_refuses_the_acceptance(
    rep, submission, monkeypatch
):
    quote, offered = offered_quote(rep, submission)
    lock = Pause(monkeypatch, answering, "_record", thread="customer")  # before the row lock
    customer = Running("customer", customer_accepts(quote, offered))
    lock.wait()  # the offered PDF was the current one when the page's answer was read
    edited = rep_edits(quote)()
    lock.release()
    assert told_changed(customer.outcome())
    assert_nothing_recorded(quote, offered, Quote.Status.SENT)
    assert lines_of(quote) == lines_of(edited) == [("Worktop, oak", D("3"))]


def test_an_acceptance_waiting_for_an_edits_lock_is_refused_as_changed(rep, submission):
    quote, offered = offered_quote(rep, submission)
    held, go = threading.Event(), threading.Event()
    rep_thread = Running("rep", holding(rep_edits(quote), held, go))
    assert held.wait(TIMEOUT)  # the edit is written, not committed: the row stays locked
    customer = Running("customer", customer_accepts(quote, offered))
    wait_for_lock_waiter()  # the customer's answer waits for the edit's commit
    go.set()
    assert isinstance(rep_thread.outcome(), Quote)
    assert told_changed(customer.outcome())
    assert_nothing_recorded(quote, offered, Quote.Status.SENT)
    assert lines_of(quote) == [("Worktop, oak", D("3"))]


def test_an_edit_waiting_for_an_acceptances_lock_is_refused_as_locked(rep, submission, monkeypatch):
    quote, offered = offered_quote(rep, submission)
    before = lines_of(quote)
    commit = Pause(monkeypatch, answering, "_follow", thread="customer")  # answer written
    customer = Running("customer", customer_accepts(quote, offered))
    commit.wait()
    rep_thread = Running("rep", rep_edits(quote))
    wait_for_lock_waiter()  # check_unlocked waits for the answer's commit
    commit.release()
    assert customer.outcome()[0] == 303
    edit = rep_thread.outcome()
    assert isinstance(edit, services.QuoteLocked) and "was accepted by Ada Lovelace" in str(edit)
    assert_accepted_as_offered(quote, offered, before)


def test_an_edit_and_an_acceptance_at_once_one_wins(rep, submission):
    outcomes = set()
    for _ in range(ROUNDS):
        quote, offered = offered_quote(rep, submission)
        before = lines_of(quote)
        start = threading.Barrier(2)
        customer = Running("customer", customer_accepts(quote, offered), start)
        rep_thread = Running("rep", rep_edits(quote), start)
        answered, edit = customer.outcome(), rep_thread.outcome()
        if answered[0] == 303:  # the acceptance won: the edit is refused, nothing changed
            assert isinstance(edit, services.QuoteLocked), edit
            assert_accepted_as_offered(quote, offered, before)
        else:  # the edit won: the acceptance is 'changed, reload', nothing recorded
            assert told_changed(answered), answered
            assert isinstance(edit, Quote), edit
            assert_nothing_recorded(quote, offered, Quote.Status.SENT)
            assert lines_of(quote) == [("Worktop, oak", D("3"))]
        outcomes.add(answered[0])
    assert outcomes <= {303, 409}


# --- 2. the PDF is rendered again while the customer accepts ---------------------------------


def test_a_rerender_queued_before_the_pdf_is_kept_refuses_the_acceptance(
    rep, submission, monkeypatch
):
    quote, offered = offered_quote(rep, submission)
    kept = Pause(monkeypatch, createpdf_services, "keep", thread="customer")  # under the lock
    customer = Running("customer", customer_accepts(quote, offered))
    kept.wait()  # hashed and checked current; not kept yet
    assert rerender(offered).status == Document.Status.QUEUED
    kept.release()
    status, text = customer.outcome()
    assert status == 409 and "being prepared again while you were answering" in text
    assert_nothing_recorded(quote, offered, Quote.Status.SENT)
    # Rendered again, the same PDF is accepted, and its new file is the one hashed and kept.
    assert render_document(offered.pk)
    assert customer_accepts(quote, offered)()[0] == 303
    assert_accepted_as_offered(quote, offered, lines_of(quote))


def test_a_rerender_waiting_for_the_acceptance_is_refused_and_the_file_kept(
    rep, submission, monkeypatch
):
    quote, offered = offered_quote(rep, submission)
    before, content = lines_of(quote), offered.file.read()
    offered.file.close()
    commit = Pause(monkeypatch, answering, "_follow", thread="customer")  # kept, uncommitted
    customer = Running("customer", customer_accepts(quote, offered))
    commit.wait()
    staff = Running("staff", lambda: rerender(Document.objects.get(pk=offered.pk)))
    wait_for_lock_waiter()  # rerender's conditional update waits for keep's row
    commit.release()
    assert customer.outcome()[0] == 303
    assert isinstance(staff.outcome(), DocumentKept)
    assert_accepted_as_offered(quote, offered, before)
    with pytest.raises(DocumentKept):
        rerender(offered)
    Document.objects.filter(pk=offered.pk).update(status=Document.Status.QUEUED)  # a stray job
    assert render_document(offered.pk) is False  # a kept file is never rendered again
    assert Document.objects.filter(pk=offered.pk).update(status=Document.Status.DONE)
    with offered.file.open("rb") as file:
        assert file.read() == content


def test_rerendering_and_accepting_at_once_keep_the_file_answered(rep, submission):
    def staff_renders_again(document: Document) -> Any:
        again = rerender(Document.objects.get(pk=document.pk))
        render_document(again.pk)  # the worker's job, run here at once
        return again

    for _ in range(ROUNDS):
        quote, offered = offered_quote(rep, submission)
        before = lines_of(quote)
        start = threading.Barrier(2)
        customer = Running("customer", customer_accepts(quote, offered), start)
        staff = Running("staff", lambda offered=offered: staff_renders_again(offered), start)
        answered, rendered = customer.outcome(), staff.outcome()
        if answered[0] == 303:  # kept: a later render is refused; the file is the one hashed
            assert isinstance(rendered, Document | DocumentKept), rendered
            assert_accepted_as_offered(quote, offered, before)
            with pytest.raises(DocumentKept):
                rerender(Document.objects.get(pk=offered.pk))
        else:  # the render came first: 'being prepared again', nothing recorded
            assert answered[0] == 409 and "being prepared again" in answered[1], answered
            assert isinstance(rendered, Document), rendered
            assert_nothing_recorded(quote, offered, Quote.Status.SENT)


def test_a_worker_that_lost_its_lease_never_rewrites_the_file_answered(
    rep, submission, monkeypatch, settings
):
    """A worker frozen between its last lease check and its file write (a long pause, an old
    process in a rolling deploy with another renderer) while the customer's request takes the
    render over, renders, and the PDF is accepted and kept."""
    settings.CREATEPDF_RENDER_LEASE_SECONDS = 600  # no renewal during the test
    quote, offered = offered_quote(rep, submission)
    job = inspect.getmodule(render_document)  # createpdf's render job, wherever it lives
    render = job.render_pdf

    def other_renderer(*args: Any, **kwargs: Any) -> RenderedPdf:
        rendered = render(*args, **kwargs)
        if threading.current_thread().name != "stale worker":
            return rendered
        return RenderedPdf(rendered.content + b"\n% another renderer\n", rendered.pages, 1)

    monkeypatch.setattr(job, "render_pdf", other_renderer)
    write = Pause(monkeypatch, job, "document_upload_path", thread="stale worker")
    rerender(offered)  # staff asked for it again before the customer answered
    worker = Running("stale worker", lambda: render_document(offered.pk))
    write.wait()  # rendered, lease checked, file not written yet: then frozen past the lease
    past = timezone.now() - datetime.timedelta(seconds=1)
    Document.objects.filter(pk=offered.pk).update(lease_expires_at=past)
    assert customer_accepts(quote, offered)()[0] == 303  # takes the render over, accepts
    answer = QuoteAnswer.objects.get(quote=quote)
    assert file_sha256(offered) == answer.shown_sha256  # hashed, kept, and on disk
    write.release()
    worker.outcome()
    assert file_sha256(offered) == answer.shown_sha256, "the stale worker rewrote the kept file"


# --- 3. expire_quotes runs while the customer accepts on the last valid day ------------------


def last_day_quote(rep: Any, submission: Any) -> tuple[Quote, Document, datetime.date]:
    """A quote whose last valid day is today, and the day cron already sees (tomorrow)."""
    today = timezone.localdate()
    quote, offered = offered_quote(rep, submission, valid_until=today)
    return quote, offered, today + datetime.timedelta(days=1)


def told_expired(outcome: Any) -> bool:
    return outcome[0] == 409 and "can no longer be accepted" in outcome[1]


def test_expiry_waiting_for_an_acceptance_leaves_the_quote_accepted(rep, submission, monkeypatch):
    quote, offered, tomorrow = last_day_quote(rep, submission)
    commit = Pause(monkeypatch, answering, "_follow", thread="customer")
    customer = Running("customer", customer_accepts(quote, offered))
    commit.wait()
    cron = Running("cron", lambda: expiry.expire_due_quotes(tomorrow))
    wait_for_lock_waiter()  # _expire's select_for_update waits for the answer's commit
    commit.release()
    assert customer.outcome()[0] == 303
    assert cron.outcome() == []
    assert_accepted_as_offered(quote, offered, lines_of(quote))


def test_an_acceptance_waiting_for_expiry_is_refused_as_expired(rep, submission, monkeypatch):
    quote, offered, tomorrow = last_day_quote(rep, submission)
    lock = Pause(monkeypatch, answering, "_record", thread="customer")
    customer = Running("customer", customer_accepts(quote, offered))
    lock.wait()  # checked open (today is its last day), the PDF rendered; not locked yet
    held, go = threading.Event(), threading.Event()
    cron = Running("cron", holding(lambda: expiry.expire_due_quotes(tomorrow), held, go))
    assert held.wait(TIMEOUT)
    lock.release()
    wait_for_lock_waiter()  # the answer waits for the expiry's commit
    go.set()
    assert [expired.pk for expired in cron.outcome()] == [quote.pk]
    assert told_expired(customer.outcome())
    assert_nothing_recorded(quote, offered, Quote.Status.EXPIRED)


def test_expiring_and_accepting_at_once_one_outcome(rep, submission):
    for _ in range(ROUNDS):
        quote, offered, tomorrow = last_day_quote(rep, submission)
        start = threading.Barrier(2)
        customer = Running("customer", customer_accepts(quote, offered), start)
        cron = Running("cron", lambda day=tomorrow: expiry.expire_due_quotes(day), start)
        answered, expired = customer.outcome(), cron.outcome()
        if answered[0] == 303:
            assert expired == [], expired
            assert_accepted_as_offered(quote, offered, lines_of(quote))
        else:
            assert told_expired(answered), answered
            assert [each.pk for each in expired] == [quote.pk]
            assert_nothing_recorded(quote, offered, Quote.Status.EXPIRED)
