"""An answer the customer gave by phone or on paper, recorded by a team member
(``recorded_answers.record_answer``, ``POST /api/quotes/<id>/record_answer/``): the same lock,
checks, kept PDF and signals as the customer's own answer, naming who recorded it; and a
quote's status is never set to accepted, rejected or expired by hand. Real database, real PDF
renders."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from background_task.models import Task
from django.utils import timezone
from reversion.models import Version

from betterform import answering, recorded_answers, services
from betterform.models import Quote, QuoteAnswer, Submission
from betterform.signals import quote_accepted, quote_declined
from createpdf.models import Document

pytestmark = pytest.mark.django_db

URL = "/api/quotes/"
LINES = [{"description": "Cabinets", "quantity": "3", "unit_price": "850.00"}]
PHONE = {"decision": "accepted", "signer_name": "Eva Jansen by phone", "note": "Called at 10."}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def received() -> Any:
    """``received()``: (signal, quote id, answer) for each quote_accepted/declined sent."""
    seen: list[tuple[str, int, Any]] = []

    def on(name: str) -> Any:
        def handler(sender: Any, quote: Quote, **kwargs: Any) -> None:
            seen.append((name, quote.pk, kwargs.get("answer")))

        return handler

    handlers = {quote_accepted: on("accepted"), quote_declined: on("declined")}
    for signal, handler in handlers.items():
        signal.connect(handler, weak=False)
    yield lambda: list(seen)
    for signal, handler in handlers.items():
        signal.disconnect(handler)


def _sent(owner: Any, submission: Any = None, **fields: Any) -> Quote:
    if submission is not None:  # a quote built from a submission, which follows the answer
        quote = services.build_quote(submission(owner=owner))
        return services.update_quote(quote, status="sent", customer_name="Eva Jansen")
    fields = {"title": "Kitchen", "customer_name": "Eva Jansen", "status": "sent", **fields}
    return services.create_quote(owner=owner, lines=LINES, **fields)


def _record(client: Any, quote: Quote, body: dict[str, Any]) -> Any:
    return client.post(f"{URL}{quote.pk}/record_answer/", body, format="json")


# --- the API ---------------------------------------------------------------------------------


def test_the_owner_records_an_acceptance_by_phone_as_the_page_would(
    rep, rep_client, submission, received, django_capture_on_commit_callbacks
):
    quote = _sent(rep, submission)
    with django_capture_on_commit_callbacks(execute=True):
        response = _record(rep_client, quote, PHONE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["locked"]) == ("accepted", True)
    answer = QuoteAnswer.objects.get(quote=quote)
    assert body["answer"] == {
        "decision": "accepted",
        "signer_name": "Eva Jansen by phone",
        "reason": "",
        "answered_at": body["answer"]["answered_at"],
        "ip_address": None,
        "shown_sha256": answer.shown_sha256,
        "signed_document": None,
        "recorded_by": rep.username,
        "recorded_by_name": rep.get_full_name() or rep.username,
        "note": "Called at 10.",
    }
    shown = answer.shown_document
    assert shown.kept and shown.status == Document.Status.DONE
    with shown.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == answer.shown_sha256
    assert answer.recorded_by == rep and answer.consent_text == "" and answer.is_recorded
    assert Submission.objects.get(pk=quote.submission_id).status == "accepted"
    assert received() == [("accepted", quote.pk, answer)]
    assert not Task.objects.filter(task_name__endswith="sign_quote_copy").exists(), (
        "nobody signed: no signed copy"
    )
    comment = Version.objects.get_for_object(quote).first().revision.comment
    assert comment == "Accepted answer recorded through the API."


def test_staff_record_a_decline_with_its_reason(
    staff, staff_client, rep, received, django_capture_on_commit_callbacks
):
    quote = _sent(rep)
    body = {"decision": "declined", "reason": "Too dear.", "note": "Letter of 3 May."}
    with django_capture_on_commit_callbacks(execute=True):
        response = _record(staff_client, quote, body)
    assert response.status_code == 201, response.content
    answer = response.json()["answer"]
    assert (answer["decision"], answer["reason"], answer["recorded_by"]) == (
        "declined",
        "Too dear.",
        staff.username,
    )
    assert Quote.objects.get(pk=quote.pk).status == "rejected"
    assert [name for name, _, _ in received()] == ["declined"]


def test_an_api_key_client_records_an_answer_named_after_its_key(rep, api_key_client):
    quote = _sent(rep)
    response = _record(api_key_client, quote, PHONE)
    assert response.status_code == 201, response.content
    answer = QuoteAnswer.objects.get(quote=quote)
    assert answer.recorded_by is None and answer.recorded_by_key == api_key_client.api_key.pk
    assert answer.recorded_by_name == "API key erp"
    assert response.json()["answer"]["recorded_by"] is None


def test_another_rep_gets_a_404_and_records_nothing(rep, other_client):
    quote = _sent(rep)
    assert _record(other_client, quote, PHONE).status_code == 404
    assert not QuoteAnswer.objects.exists() and Quote.objects.get(pk=quote.pk).status == "sent"


def test_recording_twice_gives_the_first_answer_back(
    rep, rep_client, received, django_capture_on_commit_callbacks
):
    quote = _sent(rep)
    with django_capture_on_commit_callbacks(execute=True):
        assert _record(rep_client, quote, PHONE).status_code == 201
        again = _record(rep_client, quote, {"decision": "declined", "reason": "Changed my mind"})
    assert again.status_code == 200
    assert again.json()["answer"]["decision"] == "accepted"
    assert QuoteAnswer.objects.count() == 1 and len(received()) == 1


def test_the_customer_s_own_answer_is_the_one_kept(rep, rep_client):
    quote = _sent(rep)
    answering.decline_quote(quote, reason="No.", ip_address=None, user_agent="UA")
    response = _record(rep_client, quote, PHONE)
    assert response.status_code == 200
    assert response.json()["answer"]["decision"] == "declined"
    assert response.json()["answer"]["recorded_by"] is None


@pytest.mark.parametrize("how", ["marked", "past valid_until"])
def test_an_expired_quote_takes_no_answer(rep, rep_client, how):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    quote = _sent(rep, valid_until=yesterday)
    if how == "marked":
        Quote.objects.filter(pk=quote.pk).update(status="expired")
    response = _record(rep_client, quote, PHONE)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert f"Quote {quote.number} expired on" in detail and "no answer can be recorded" in detail
    assert f"/api/quotes/{quote.pk}/new_version/" in detail
    assert not QuoteAnswer.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "accepted"}, "signer_name"),
        ({"decision": "accepted", "signer_name": "   "}, "signer_name"),
        ({"decision": "maybe", "signer_name": "Eva"}, "decision"),
        ({"decision": "declined", "note": "a\x07b"}, "note"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(rep, rep_client, body, field):
    quote = _sent(rep)
    response = _record(rep_client, quote, body)
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert Quote.objects.get(pk=quote.pk).status == "sent"


def test_a_recorded_answer_locks_the_quote(rep, rep_client):
    quote = _sent(rep)
    _record(rep_client, quote, PHONE)
    response = rep_client.patch(f"{URL}{quote.pk}/", {"title": "Changed"}, format="json")
    assert response.status_code == 409
    assert "was accepted by Eva Jansen by phone" in response.json()["detail"]


# --- the status is not set by hand -----------------------------------------------------------


@pytest.mark.parametrize("status", ["accepted", "rejected"])
def test_patching_the_status_to_an_answer_is_a_400_naming_record_answer(rep, rep_client, status):
    quote = _sent(rep)
    response = rep_client.patch(f"{URL}{quote.pk}/", {"status": status}, format="json")
    assert response.status_code == 400
    [message] = response.json()["errors"]["status"]
    assert f"POST /api/quotes/{quote.pk}/record_answer/" in message
    assert Quote.objects.get(pk=quote.pk).status == "sent"


def test_patching_the_status_to_expired_is_a_400_saying_quotes_expire_on_their_own(rep, rep_client):
    quote = _sent(rep)
    response = rep_client.put(
        f"{URL}{quote.pk}/", {"title": "Kitchen", "status": "expired"}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["errors"]["status"]
    assert "quotes expire on their own past valid_until (expire_quotes)" in message


def test_creating_an_answered_quote_is_a_400(rep_client):
    response = rep_client.post(URL, {"title": "K", "status": "accepted"}, format="json")
    assert response.status_code == 400
    assert "POST /api/quotes/<id>/record_answer/" in response.json()["errors"]["status"][0]
    assert not Quote.objects.exists()


def test_the_services_refuse_the_statuses_too(rep):
    with pytest.raises(services.StatusNotSettable, match="record_answer"):
        services.create_quote(owner=rep, lines=LINES, status="rejected")
    quote = _sent(rep)
    with pytest.raises(services.StatusNotSettable, match=r"expire_quotes"):
        services.update_quote(quote, status="expired")
    assert isinstance(services.StatusNotSettable("x"), ValueError)
    assert services.update_quote(quote, status="draft").status == "draft"


def test_the_service_needs_to_know_who_records(rep):
    with pytest.raises(ValueError, match="recorded_by"):
        recorded_answers.record_answer(_sent(rep), decision="declined")
