"""The customer's answer (``betterform.answering``): views counted, a quote accepted with a
typed signature or declined with a reason, once, and only while it is open. Real renders of
the quote's PDF (its sha256 is read back from the stored file), signals after the commit."""

from __future__ import annotations

import datetime
import hashlib
import threading
from typing import Any

import pytest
from background_task.models import Task
from django.db import connections, transaction
from django.utils import timezone

from betterform import answering, services
from betterform.answering import AnswerInvalid, QuoteChanged, QuoteClosed
from betterform.documents import format_date
from betterform.models import Quote, QuoteAnswer, Submission
from betterform.signals import quote_accepted, quote_declined, quote_viewed
from createpdf.models import Document, DocumentTemplate

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sent_quote(rep, submission) -> Quote:
    """A quote built from a submission (which is ``quoted``), then marked sent."""
    quote = services.build_quote(submission(owner=rep))
    return services.update_quote(quote, status=Quote.Status.SENT, customer_name="Ada Lovelace")


@pytest.fixture
def received() -> Any:
    """``received()``: the customer signals sent so far, as (signal name, quote id, answer)."""
    seen: list[tuple[str, int, Any]] = []
    handlers = {}
    for name, signal in (
        ("viewed", quote_viewed),
        ("accepted", quote_accepted),
        ("declined", quote_declined),
    ):

        def handler(sender: Any, quote: Quote, name: str = name, **kwargs: Any) -> None:
            seen.append((name, quote.pk, kwargs.get("answer")))

        handlers[name] = handler
        signal.connect(handler, weak=False)
    yield lambda: list(seen)
    for name, signal in (
        ("viewed", quote_viewed),
        ("accepted", quote_accepted),
        ("declined", quote_declined),
    ):
        signal.disconnect(handlers[name])


def _accept(quote: Quote, **changes: Any) -> tuple[QuoteAnswer, bool]:
    arguments = {
        "signer_name": "Ada Lovelace",
        "consent": True,
        "ip_address": "203.0.113.7",
        "user_agent": AGENT,
    }
    return answering.accept_quote(quote, **(arguments | changes))


def _decline(quote: Quote, reason: str = "Too expensive.") -> tuple[QuoteAnswer, bool]:
    return answering.decline_quote(quote, reason=reason, ip_address="::1", user_agent=AGENT)


# --- views -----------------------------------------------------------------------------------


def test_the_first_view_is_recorded_and_announced_once_later_views_only_count(
    sent_quote, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answering.record_view(sent_quote)
    first = sent_quote.first_viewed_at
    assert first is not None and sent_quote.view_count == 1
    assert received() == [("viewed", sent_quote.pk, None)]
    with django_capture_on_commit_callbacks(execute=True):
        answering.record_view(sent_quote)
    stored = Quote.objects.get(pk=sent_quote.pk)
    assert (stored.view_count, stored.first_viewed_at) == (2, first)
    assert stored.last_viewed_at >= first
    assert len(received()) == 1


def test_a_staff_preview_is_not_a_view(sent_quote, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answering.record_view(sent_quote, counted=False)
    stored = Quote.objects.get(pk=sent_quote.pk)
    assert (stored.view_count, stored.first_viewed_at, received()) == (0, None, [])


# --- accepting -------------------------------------------------------------------------------


def test_accepting_records_the_signer_and_the_sha256_of_the_pdf_shown(
    sent_quote, received, django_capture_on_commit_callbacks
):
    shown = answering.current_pdf(sent_quote)
    assert shown.status == Document.Status.QUEUED  # rendered by the acceptance itself
    long_agent = AGENT + " x" * 400
    with django_capture_on_commit_callbacks() as callbacks:
        answer, created = _accept(
            sent_quote,
            signer_name="  Ada   King  Lovelace ",
            shown_document_id=str(shown.pk),
            user_agent=long_agent,
        )
        assert received() == []  # nothing is announced before the commit
    assert created and answer.decision == QuoteAnswer.Decision.ACCEPTED
    assert answer.signer_name == "Ada King Lovelace"
    assert answer.consent_text == answering.CONSENT_TEXT
    assert (answer.ip_address, answer.user_agent) == ("203.0.113.7", long_agent[:500])
    shown.refresh_from_db()
    assert answer.shown_document == shown and shown.status == Document.Status.DONE
    with shown.file.open("rb") as file:
        assert answer.shown_sha256 == hashlib.sha256(file.read()).hexdigest() == shown.sha256
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.ACCEPTED
    assert sent_quote.status == Quote.Status.ACCEPTED  # the caller's instance follows
    assert Submission.objects.get(pk=sent_quote.submission_id).status == "accepted"
    for callback in callbacks:
        callback()
    assert received() == [("accepted", sent_quote.pk, answer)]
    [task] = Task.objects.filter(task_name="betterform.tasks.sign_quote_copy")
    assert task.task_params == f"[[{answer.pk}], {{}}]"


def test_accepting_or_declining_again_answers_the_state_already_recorded(
    sent_quote, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = _accept(sent_quote)
        again, created_again = _accept(sent_quote, signer_name="Someone Else")
        declined, created_declined = _decline(Quote.objects.get(pk=sent_quote.pk))
    assert created and not created_again and not created_declined
    assert again == declined == first
    assert QuoteAnswer.objects.get().signer_name == "Ada Lovelace"
    assert [name for name, _, _ in received()] == ["accepted"]
    # Even input that would be refused gets the recorded answer back: the page shows it.
    assert _accept(sent_quote, signer_name="", consent=False) == (first, False)


def test_a_draft_quote_can_be_accepted_and_its_submission_moves_through_sent(rep, submission):
    quote = services.build_quote(submission(owner=rep))
    assert quote.status == Quote.Status.DRAFT
    _accept(quote)
    assert Submission.objects.get(pk=quote.submission_id).status == "accepted"


def test_a_quote_without_a_submission_is_accepted_too(rep):
    quote = services.create_quote(
        owner=rep, lines=[{"description": "Fit", "quantity": "1", "unit_price": "10"}]
    )
    _, created = _accept(quote)
    assert created and Quote.objects.get(pk=quote.pk).status == Quote.Status.ACCEPTED


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"signer_name": "   "}, {"signer_name": "Type your full name to sign."}),
        ({"consent": False}, {"consent": "Tick the box to confirm that you accept the quote."}),
        ({"signer_name": "", "consent": None}, {"signer_name", "consent"}),
        ({"signer_name": "Ada\x00Lovelace"}, {"signer_name"}),
        ({"signer_name": "Ada\x07"}, {"signer_name"}),
        ({"signer_name": "A" * 201}, {"signer_name"}),
        ({"signer_name": "A" * 10_000_000}, {"signer_name"}),
        ({"signer_name": ["Ada"]}, {"signer_name"}),
    ],
)
def test_a_signature_the_customer_must_correct_is_refused_by_field(sent_quote, changes, errors):
    with pytest.raises(AnswerInvalid) as refused:
        _accept(sent_quote, **changes)
    if isinstance(errors, dict):
        assert refused.value.errors == errors
    else:
        assert set(refused.value.errors) == errors
    assert all(refused.value.errors.values())
    assert not QuoteAnswer.objects.exists()
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.SENT


def test_a_name_of_200_characters_fits(sent_quote):
    answer, _ = _accept(sent_quote, signer_name="é" * 200)
    assert answer.signer_name == "é" * 200


def test_the_ip_address_is_stored_only_when_it_is_one(sent_quote):
    answer, _ = _accept(sent_quote, ip_address="not-an-address")
    assert answer.ip_address is None


def test_a_quote_past_its_validity_cannot_be_accepted_and_says_since_when(sent_quote):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Quote.objects.filter(pk=sent_quote.pk).update(valid_until=yesterday)
    sent_quote.refresh_from_db()
    assert answering.is_expired(sent_quote) and not answering.can_answer(sent_quote)
    assert not answering.is_expired(sent_quote, today=yesterday)
    with pytest.raises(QuoteClosed) as closed:
        _accept(sent_quote)
    assert str(closed.value).startswith(f"This quote expired on {format_date(yesterday)} and")
    with pytest.raises(QuoteClosed):
        _decline(sent_quote)
    assert not QuoteAnswer.objects.exists()


def test_the_last_valid_day_still_accepts(sent_quote):
    Quote.objects.filter(pk=sent_quote.pk).update(valid_until=timezone.localdate())
    sent_quote.refresh_from_db()
    assert answering.can_answer(sent_quote)
    assert _accept(sent_quote)[1]


@pytest.mark.parametrize("status", ["expired", "accepted", "rejected"])
def test_a_quote_no_longer_open_cannot_be_answered(sent_quote, status):
    Quote.objects.filter(pk=sent_quote.pk).update(status=status)
    sent_quote.refresh_from_db()
    assert not answering.can_answer(sent_quote)
    with pytest.raises(QuoteClosed):
        _accept(sent_quote)
    assert not QuoteAnswer.objects.exists()


@pytest.mark.parametrize("offered", ["other", "abc", "-1"])
def test_an_answer_to_a_pdf_that_is_no_longer_current_is_refused(sent_quote, offered):
    old = answering.current_pdf(sent_quote)
    services.update_quote(sent_quote, notes="Prices changed.")
    if offered == "other":
        offered = old.pk
    with pytest.raises(QuoteChanged) as changed:
        _accept(sent_quote, shown_document_id=offered)
    assert "changed" in str(changed.value)
    assert not QuoteAnswer.objects.exists()


def test_a_pdf_that_cannot_be_rendered_closes_the_answer_with_a_message_not_a_crash(sent_quote):
    DocumentTemplate.objects.create(slug="quote", name="Broken", html="{{ no_such_name }}")
    with pytest.raises(QuoteClosed) as closed:
        _accept(sent_quote)
    assert "could not be prepared" in str(closed.value)
    assert not QuoteAnswer.objects.exists()
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.SENT


def test_nothing_is_announced_or_queued_when_the_transaction_rolls_back(
    sent_quote, received, django_capture_on_commit_callbacks
):
    def accept_then_fail() -> None:
        with transaction.atomic():
            _accept(sent_quote)
            raise RuntimeError("the caller failed afterwards")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        accept_then_fail()
    assert received() == [] and not QuoteAnswer.objects.exists()
    assert not Task.objects.exists()


# --- declining -------------------------------------------------------------------------------


def test_declining_stores_the_reason_and_moves_quote_and_submission(
    sent_quote, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer, created = _decline(sent_quote, reason="  Too expensive.\nMaybe next year.  ")
    assert created and answer.decision == QuoteAnswer.Decision.DECLINED
    assert answer.reason == "Too expensive.\nMaybe next year."
    assert (answer.signer_name, answer.ip_address) == ("", "::1")
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.REJECTED
    assert Submission.objects.get(pk=sent_quote.submission_id).status == "rejected"
    assert received() == [("declined", sent_quote.pk, answer)]
    assert not Task.objects.filter(task_name="betterform.tasks.sign_quote_copy").exists()
    assert _accept(sent_quote) == (answer, False)


def test_a_decline_without_a_reason_is_fine(sent_quote):
    answer, created = _decline(sent_quote, reason="")
    assert created and answer.reason == ""


@pytest.mark.parametrize("reason", ["x" * 2001, "a\x00b", "x" * 5_000_000, 42])
def test_a_reason_too_long_or_not_text_is_refused(sent_quote, reason):
    with pytest.raises(AnswerInvalid) as refused:
        _decline(sent_quote, reason=reason)
    assert list(refused.value.errors) == ["reason"]
    assert not QuoteAnswer.objects.exists()


# --- at once (PostgreSQL: row locks) -----------------------------------------------------------


@pytest.mark.postgresql  # row locks; SQLite's in-memory test database has one writer
@pytest.mark.django_db(transaction=True)
def test_two_customers_accepting_at_once_record_one_answer(rep, submission, received):
    quote = services.build_quote(submission(owner=rep))
    document = answering.current_pdf(quote)
    from createpdf.services import render_or_wait

    assert render_or_wait(document, 60).status == Document.Status.DONE
    start = threading.Barrier(4)
    results: list[Any] = []

    def answer(index: int) -> None:
        try:
            start.wait()
            mine = Quote.objects.get(pk=quote.pk)
            if index % 2:
                results.append(_decline(mine, reason=f"no {index}"))
            else:
                results.append(_accept(mine, signer_name=f"Signer {index}"))
        except Exception as error:  # reported below
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(result, tuple) for result in results), results
    [stored] = QuoteAnswer.objects.all()
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert {answer.pk for answer, _ in results} == {stored.pk}
    assert len(received()) == 1
