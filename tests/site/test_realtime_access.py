"""Who may connect to the Socket.IO server and which objects they may follow
(``realtime.access``): a DRF token or a Django session, and the REST API's own permissions."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from betterform import services as quotes
from betterform_site.realtime.access import HOW_TO_CONNECT, Refused, Target, authenticate
from betterform_site.realtime.access import current_state as _current_state
from createpdf.services import request_document
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

REPORT = {"title": "Offer", "subtitle": "", "generated_at": "today", "sections": []}


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user("rep", "rep@example.com", "pw")


@pytest.fixture
def other_rep(django_user_model):
    return django_user_model.objects.create_user("other", "other@example.com", "pw")


def cookie_environ(client: Client) -> dict[str, str]:
    """The WSGI/ASGI environ a browser holding ``client``'s cookies sends on connect."""
    name = settings.SESSION_COOKIE_NAME
    return {"HTTP_COOKIE": f"csrftoken=abc; {name}={client.cookies[name].value}"}


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refusal(environ: dict[str, Any], auth: Any) -> str:
    with pytest.raises(Refused) as refused:
        authenticate(environ, auth)
    return str(refused.value)


# --- authenticate -----------------------------------------------------------------------------


def test_a_valid_token_is_its_user(rep):
    token = Token.objects.create(user=rep)

    assert authenticate({}, {"token": token.key}) == rep


def test_the_token_wins_over_a_session_cookie(rep, other_rep):
    token = Token.objects.create(user=rep)

    assert authenticate(cookie_environ(logged_in(other_rep)), {"token": token.key}) == rep


def test_a_wrong_token_is_refused_with_how_to_get_a_new_one(rep):
    Token.objects.create(user=rep)

    message = refusal({}, {"token": "0" * 40})

    assert message == "invalid token: log in again to get a new one"


def test_a_wrong_token_is_not_rescued_by_a_valid_session(rep):
    message = refusal(cookie_environ(logged_in(rep)), {"token": "stale"})

    assert message.startswith("invalid token")


def test_an_inactive_users_token_is_refused(rep):
    token = Token.objects.create(user=rep)
    rep.is_active = False
    rep.save()

    assert "inactive: activate it with the link" in refusal({}, {"token": token.key})


def test_a_logged_in_session_cookie_is_its_user(rep):
    assert authenticate(cookie_environ(logged_in(rep)), None) == rep
    assert authenticate(cookie_environ(logged_in(rep)), {}) == rep, "no token: the cookie counts"


def test_a_logged_out_session_is_refused_with_log_in_again(rep):
    client = logged_in(rep)
    environ = cookie_environ(client)
    client.logout()

    assert refusal(environ, None) == "the session has expired or was logged out: log in again"


def test_an_expired_session_is_refused(rep):
    client = logged_in(rep)
    past = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=past)

    assert "log in again" in refusal(cookie_environ(client), None)


def test_a_session_from_before_a_password_change_is_refused(rep):
    client = logged_in(rep)
    rep.set_password("a-new-password")
    rep.save()

    assert "log in again" in refusal(cookie_environ(client), None)


def test_an_inactive_users_session_is_refused_with_how_to_activate(rep):
    client = logged_in(rep)
    rep.is_active = False
    rep.save()

    assert "inactive: activate it with the link" in refusal(cookie_environ(client), None)


def test_a_made_up_session_key_is_refused(db):
    environ = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=nosuchsessionkey0123456789"}

    assert "log in again" in refusal(environ, None)


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": None}])
def test_no_credentials_are_refused_with_how_to_connect(db, auth):
    message = refusal({"HTTP_COOKIE": "csrftoken=abc"}, auth)

    assert message == f"authentication required: {HOW_TO_CONNECT}"
    assert "auth={'token': '<key>'}" in message and "/api/auth/token/login/" in message
    assert "session cookie" in message


@pytest.mark.parametrize("auth", ["0123abcd", ["0123abcd"], 12])
def test_auth_that_is_not_an_object_is_refused_with_its_expected_shape(rep, auth):
    message = refusal(cookie_environ(logged_in(rep)), auth)

    assert message.startswith("auth must be an object such as {'token': '<key>'}")
    assert HOW_TO_CONNECT in message


# --- Target.parse -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "object_id"),
    [
        ({"type": "document", "id": 12}, "document", 12),
        ({"type": "quote", "id": "7"}, "quote", 7),
        ({"type": "monday-event", "id": 3, "extra": True}, "monday-event", 3),
    ],
)
def test_a_target_is_a_kind_and_an_integer_id(data, kind, object_id):
    target = Target.parse(data)

    assert (target.kind, target.object_id) == (kind, object_id)
    assert target.room == f"{kind}:{object_id}"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (None, "send an object such as {'type': 'document', 'id': 12}"),
        ("document:12", "send an object such as {'type': 'document', 'id': 12}"),
        (["document", 12], "send an object such as {'type': 'document', 'id': 12}"),
        ({"id": 12}, "type must be one of document, quote, monday-event"),
        ({"type": "user", "id": 12}, "type must be one of document, quote, monday-event"),
        ({"type": "document"}, "id must be an integer"),
        ({"type": "document", "id": None}, "id must be an integer"),
        ({"type": "document", "id": True}, "id must be an integer"),
        ({"type": "document", "id": 1.5}, "id must be an integer"),
        ({"type": "document", "id": "twelve"}, "id must be an integer"),
        ({"type": "document", "id": "12.0"}, "id must be an integer"),
        ({"type": "document", "id": [12]}, "id must be an integer"),
    ],
)
def test_a_malformed_target_says_what_to_send(data, error):
    with pytest.raises(ValueError, match=f"^{re.escape(error)}$"):
        Target.parse(data)


# --- current_state: the REST API's permissions -----------------------------------------------


def current_state(kind: str, object_id: int, user: Any) -> Any:
    return _current_state(Target(kind, object_id), user.pk)


def document_for(**requester: Any) -> Any:
    queued, _ = request_document(template_slug="report", context=REPORT, **requester)
    return queued


def monday_event() -> WebhookEvent:
    return WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex,
        board_id="4001",
        item_id="5002",
        event_type="update_column_value",
        payload={},
        status=WebhookEvent.Status.FAILED,
        error="the item has no customer",
    )


def test_a_rep_sees_their_own_document_and_not_another_reps(rep, other_rep):
    own, others = document_for(requested_by=rep), document_for(requested_by=other_rep)

    state = current_state("document", own.pk, rep)

    assert state.event == "document.queued"
    assert state.data["id"] == own.pk
    assert state.as_state() == {"event": "document.queued", "data": state.data}
    assert current_state("document", others.pk, rep) is None


def test_a_document_an_api_key_asked_for_is_staff_only(rep, staff):
    by_key = document_for(requested_by_key="17")

    assert current_state("document", by_key.pk, rep) is None
    assert current_state("document", by_key.pk, staff).data["id"] == by_key.pk


def test_a_rep_sees_their_own_quote_and_not_another_reps(rep, other_rep):
    own = quotes.create_quote(title="Own", owner=rep)
    others = quotes.create_quote(title="Theirs", owner=other_rep)
    unowned = quotes.create_quote(title="From the ERP")

    state = current_state("quote", own.pk, rep)

    assert state.event == "quote.updated"
    assert state.data["number"] == own.number
    assert current_state("quote", others.pk, rep) is None
    assert current_state("quote", unowned.pk, rep) is None


def test_staff_see_every_document_and_quote(rep, other_rep, staff):
    documents = [document_for(requested_by=rep), document_for(requested_by=other_rep)]
    owned = [quotes.create_quote(title="A", owner=rep), quotes.create_quote(title="B")]

    assert [current_state("document", d.pk, staff).data["id"] for d in documents] == [
        d.pk for d in documents
    ]
    assert [current_state("quote", q.pk, staff).data["id"] for q in owned] == [q.pk for q in owned]


def test_monday_events_are_staff_only(rep, staff):
    event = monday_event()

    assert current_state("monday-event", event.pk, rep) is None
    state = current_state("monday-event", event.pk, staff)
    assert state.event == "monday.event.failed"
    assert state.data["error"] == "the item has no customer"


def test_an_inactive_user_sees_nothing_not_even_their_own(rep, staff):
    own = document_for(requested_by=rep)
    event = monday_event()
    for user in (rep, staff):
        user.is_active = False
        user.save()

    assert current_state("document", own.pk, rep) is None
    assert current_state("document", own.pk, staff) is None
    assert current_state("monday-event", event.pk, staff) is None


def test_a_missing_object_or_user_is_none(rep, staff):
    own = document_for(requested_by=rep)

    assert current_state("document", own.pk + 1000, staff) is None
    assert current_state("quote", 999_999, staff) is None
    assert current_state("monday-event", 999_999, staff) is None
    assert _current_state(Target("document", own.pk), user_id=rep.pk + 1000) is None


def test_an_id_beyond_the_databases_integers_is_none_not_an_error(staff):
    """Such an id passes ``Target.parse``; the lookup must answer 'not found', not crash the
    handler (which would leave the client's ``subscribe`` call unanswered)."""
    huge = Target.parse({"type": "document", "id": str(2**70)})

    assert _current_state(huge, staff.pk) is None
    assert _current_state(Target("quote", 2**70), staff.pk) is None
    assert _current_state(Target("monday-event", 2**70), staff.pk) is None
