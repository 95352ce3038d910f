"""An accepted, declined or expired quote is locked (``betterform.versions``): the services and
the API refuse to change it (409, saying how to make a new version), and ``new_version`` copies
it into a draft to change. The quote's representation shows its customer's side, the same on
the fast path as on DRF's."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betterform import answering, recorded_answers, services
from betterform.api import representation
from betterform.expiry import expire_due_quotes
from betterform.models import Quote, QuoteAnswer

pytestmark = pytest.mark.django_db

URL = "/api/quotes/"
LINES = [
    {"description": "Cabinets", "quantity": "3", "unit": "m", "unit_price": "850.00"},
    {"description": "Fitting", "quantity": "6", "unit_price": "45.50", "discount_percent": "10"},
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _quote(owner: Any, **fields: Any) -> Quote:
    fields = {"title": "Kitchen", "customer_name": "Ada Lovelace", **fields}
    return services.create_quote(owner=owner, lines=LINES, status="sent", **fields)


def _accepted(owner: Any) -> Quote:
    quote = _quote(owner)
    answering.accept_quote(
        quote, signer_name="Ada Lovelace", consent=True, ip_address="203.0.113.7", user_agent="UA"
    )
    return Quote.objects.get(pk=quote.pk)


def _locked(owner: Any, how: str) -> Quote:
    if how == "accepted":
        return _accepted(owner)
    quote = _quote(owner)
    if how == "declined":
        answering.decline_quote(quote, reason="Too dear.", ip_address=None, user_agent="")
    else:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        Quote.objects.filter(pk=quote.pk).update(status="expired", valid_until=yesterday)
    return Quote.objects.get(pk=quote.pk)


def _detail(quote: Quote, action: str = "") -> str:
    return f"{URL}{quote.pk}/{action}"


# --- the services ----------------------------------------------------------------------------


def test_the_message_says_who_accepted_when_and_how_to_make_a_new_version(rep):
    quote = _accepted(rep)
    with pytest.raises(services.QuoteLocked) as locked:
        services.check_unlocked(quote)
    today = timezone.localdate()
    assert str(locked.value) == (
        f"Quote {quote.number} was accepted by Ada Lovelace on {today.day} {today:%B %Y} and "
        f"is locked. To change it, make a new version: POST /api/quotes/{quote.pk}/new_version/ "
        "or the admin's 'Make a new version' action."
    )


@pytest.mark.parametrize(
    ("how", "reason"), [("declined", "was declined on"), ("expired", "expired on")]
)
def test_declined_and_expired_quotes_are_locked_too(rep, how, reason):
    quote = _locked(rep, how)
    with pytest.raises(services.QuoteLocked, match=reason):
        services.check_unlocked(quote)


@pytest.mark.parametrize("how", ["accepted", "declined", "expired"])
def test_the_services_refuse_to_change_a_locked_quote(rep, how):
    quote = _locked(rep, how)
    total = quote.total
    with pytest.raises(services.QuoteLocked):
        services.update_quote(quote, title="Changed", lines=LINES[:1])
    with pytest.raises(services.QuoteLocked):
        services.recalculate(Quote.objects.get(pk=quote.pk))
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.title, stored.total, stored.lines.count()) == ("Kitchen", total, 2)


def test_the_stored_status_counts_not_the_instance_s(rep):
    """The admin's form sets the new values on the instance before the service runs."""
    quote = _accepted(rep)
    quote.status = Quote.Status.DRAFT
    with pytest.raises(services.QuoteLocked):
        services.update_quote(quote, title="Changed")
    fresh = _quote(rep)
    with pytest.raises(services.StatusNotSettable, match=f"/api/quotes/{fresh.pk}/record_answer/"):
        services.update_quote(fresh, status=Quote.Status.ACCEPTED)  # not by hand
    recorded_answers.record_answer(  # a rep records the answer given by phone
        fresh, decision="accepted", signer_name="Ada Lovelace by phone", recorded_by=rep
    )
    with pytest.raises(services.QuoteLocked):
        services.update_quote(fresh, title="Changed")


def test_building_a_submission_again_refuses_its_expired_quote(rep, submission):
    sub = submission(owner=rep)
    quote = services.build_quote(sub)
    Quote.objects.filter(pk=quote.pk).update(status="expired")
    with pytest.raises(services.QuoteLocked):
        services.build_quote(sub)


def test_a_new_version_is_a_draft_copy_that_can_be_changed(rep, other_rep, submission):
    sub = submission(owner=rep)
    old = services.build_quote(sub)
    services.update_quote(old, notes="Delivery included.", lines=LINES)
    answering.decline_quote(old, reason="", ip_address=None, user_agent="")
    old = Quote.objects.get(pk=old.pk)
    Quote.objects.filter(pk=old.pk).update(valid_until=datetime.date(2020, 1, 1))

    copy = services.new_version(old)
    assert copy.status == Quote.Status.DRAFT and copy.previous_version == old
    assert copy.number != old.number and copy.customer_token != old.customer_token
    assert (copy.owner, copy.submission, copy.form) == (rep, sub, sub.form)
    assert (copy.title, copy.customer_name, copy.notes) == (old.title, old.customer_name, old.notes)
    assert copy.total == old.total and copy.valid_until > timezone.localdate()
    assert [
        (line.description, line.quantity, line.discount_percent) for line in copy.lines.all()
    ] == [(line.description, line.quantity, line.discount_percent) for line in old.lines.all()]
    assert not QuoteAnswer.objects.filter(quote=copy).exists()
    services.update_quote(copy, lines=LINES[:1])  # the copy is open
    assert Quote.objects.get(pk=old.pk).lines.count() == 2  # the old one stays as it was
    assert services.new_version(old, owner=other_rep).owner == other_rep


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["accepted", "declined", "expired"])
@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("patch", {"title": "Changed"}),
        ("patch", {"lines": [{"description": "x", "quantity": "-1"}]}),  # invalid: still 409
        ("put", {"title": "Changed", "currency": "EUR"}),
        ("delete", None),
    ],
)
def test_writes_to_a_locked_quote_are_409_and_say_how_to_make_a_new_version(
    rep, rep_client, how, method, body
):
    quote = _locked(rep, how)
    response = getattr(rep_client, method)(_detail(quote), body, format="json")
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert quote.number in detail and f"POST /api/quotes/{quote.pk}/new_version/" in detail
    assert Quote.objects.get(pk=quote.pk).title == "Kitchen"


def test_reverting_a_locked_quote_is_409_and_changes_nothing(rep, rep_client):
    created = rep_client.post(URL, {"title": "First", "lines": LINES}, format="json").json()
    rep_client.patch(f"{URL}{created['id']}/", {"title": "Second", "status": "sent"}, format="json")
    quote = Quote.objects.get(pk=created["id"])
    answering.accept_quote(quote, signer_name="Ada", consent=True, ip_address=None, user_agent="")
    first = rep_client.get(f"{URL}{quote.pk}/history/").json()[-1]["id"]
    response = rep_client.post(f"{URL}{quote.pk}/revert/", {"version": first}, format="json")
    assert response.status_code == 409
    assert response.json()["missing"] == [] and "new_version" in response.json()["detail"]
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.title, stored.status) == ("Second", "accepted")


def test_an_open_quote_is_still_changed_and_deleted_as_before(rep, rep_client):
    quote = _quote(rep)
    assert rep_client.patch(_detail(quote), {"title": "New"}, format="json").status_code == 200
    assert rep_client.delete(_detail(quote)).status_code == 204


def test_the_api_makes_a_new_version_201(rep, rep_client, other_client):
    old = _accepted(rep)
    assert other_client.post(_detail(old, "new_version/")).status_code == 404  # not theirs
    response = rep_client.post(_detail(old, "new_version/"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["previous_version"] == old.pk and body["status"] == "draft"
    assert body["locked"] is False and body["answer"] is None
    assert body["number"] != old.number and body["total"] == str(old.total)
    assert len(body["lines"]) == 2
    changed = rep_client.patch(f"{URL}{body['id']}/", {"title": "Revised"}, format="json")
    assert changed.status_code == 200
    history = rep_client.get(f"{URL}{body['id']}/history/").json()
    assert "New version of" in history[-1]["comment"]


def test_the_quote_shows_its_customer_side(rep, rep_client, settings):
    settings.BETTERFORM_SITE_URL = "https://quotes.example.com/"
    quote = _accepted(rep)
    answering.record_view(quote)
    body = rep_client.get(_detail(quote)).json()
    assert body["customer_url"] == f"https://quotes.example.com/q/{quote.customer_token}/"
    assert body["locked"] is True and body["view_count"] == 1
    assert body["first_viewed_at"] and body["last_viewed_at"] and body["sent_at"] is None
    answer = QuoteAnswer.objects.get(quote=quote)
    assert body["answer"] == {
        "decision": "accepted",
        "signer_name": "Ada Lovelace",
        "reason": "",
        "answered_at": body["answer"]["answered_at"],
        "ip_address": "203.0.113.7",
        "shown_sha256": answer.shown_sha256,
        "signed_document": None,
        "recorded_by": None,
        "recorded_by_name": "",
        "note": "",
    }
    assert len(answer.shown_sha256) == 64
    sent = rep_client.patch(_detail(quote), {"view_count": 99, "answer": None}, format="json")
    assert sent.status_code == 409  # read-only anyway, and the quote is locked


def test_read_only_customer_fields_are_ignored_on_an_open_quote(rep, rep_client):
    quote = _quote(rep)
    body = {"view_count": 99, "locked": True, "customer_url": "x", "previous_version": quote.pk}
    response = rep_client.patch(_detail(quote), body, format="json")
    assert response.status_code == 200
    assert response.json()["view_count"] == 0 and response.json()["locked"] is False
    assert response.json()["previous_version"] is None


def test_answered_quotes_are_byte_for_byte_drf_s_on_the_fast_path(rep, rep_client, monkeypatch):
    _accepted(rep)
    _locked(rep, "declined")
    _quote(rep, customer_name="Zoë ☀")

    def both(url: str) -> tuple[bytes, bytes]:
        fast = rep_client.get(url).content
        monkeypatch.setattr(representation, "FAST", False)
        plain = rep_client.get(url).content
        monkeypatch.setattr(representation, "FAST", True)
        return fast, plain

    fast, plain = both(URL)
    assert fast == plain
    for quote in Quote.objects.all():
        fast, plain = both(_detail(quote))
        assert fast == plain


def test_the_answers_of_a_page_take_one_query_whatever_its_size(staff, staff_client):
    for _ in range(6):
        _accepted(staff)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = staff_client.get(f"{URL}?page_size={page_size}").json()["results"]
        assert len(rows) == page_size and all(row["answer"] for row in rows)
        return len(captured)

    assert queries(2) == queries(6)
    assert Decimal(staff_client.get(URL).json()["results"][0]["total"]) > 0


def test_an_expired_quote_deleted_elsewhere_is_recovered_as_it_was(rep, rep_client):
    old = {"title": "Old", "lines": LINES, "status": "sent", "valid_until": "2026-01-01"}
    created = rep_client.post(URL, old, format="json").json()
    expire_due_quotes(datetime.date(2026, 1, 2))  # as expire_quotes does, in a revision
    assert rep_client.get(f"{URL}{created['id']}/").json()["locked"] is True
    Quote.objects.get(pk=created["id"]).delete()  # as the admin's delete would
    [deleted] = rep_client.get(f"{URL}deleted/").json()["results"]
    recovered = rep_client.post(f"{URL}recover/", {"version": deleted["id"]}, format="json")
    assert recovered.status_code == 201, recovered.content
    assert recovered.json()["status"] == "expired" and recovered.json()["total"] == created["total"]


def test_an_edit_from_an_older_instance_keeps_what_the_customer_s_page_recorded(rep):
    """The admin or the API loaded the quote; the customer opened it and it was sent again
    before the rep saved: the rep's change does not put back the older counts and times."""
    quote = _quote(rep)
    loaded = Quote.objects.get(pk=quote.pk)
    answering.record_view(Quote.objects.get(pk=quote.pk))
    answering.record_view(Quote.objects.get(pk=quote.pk))
    sent_at = timezone.now()
    Quote.objects.filter(pk=quote.pk).update(sent_at=sent_at)
    services.update_quote(loaded, title="Kitchen and hall", lines=LINES[:1])
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.title, stored.lines.count()) == ("Kitchen and hall", 1)
    assert (stored.view_count, stored.sent_at) == (2, sent_at)
    assert stored.first_viewed_at is not None and stored.last_viewed_at is not None
