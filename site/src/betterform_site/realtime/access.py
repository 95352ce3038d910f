"""Who is connecting, and which objects they may follow: the REST API's own rules.

Everything here is synchronous ORM code; the server calls it through ``sync_to_async``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user, get_user_model
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from rest_framework.request import Request

from betterform_site.realtime import messages

INACTIVE = (
    "this account is inactive: activate it with the link in the registration email, "
    "or ask an administrator"
)
HOW_TO_CONNECT = (
    "connect with auth={'token': '<key>'} (POST /api/auth/token/login/ gives one) "
    "or with the session cookie of a logged-in browser"
)


class Refused(Exception):
    """Raised with the reason a client can act on."""


def authenticate(request_environ: dict[str, Any], auth: Any) -> Any:
    """The active user behind the DRF token in ``auth`` or the session cookie (in the
    handshake request's WSGI-style environ)."""
    token, session_key = credentials(request_environ, auth)
    if token:
        return _user_from_token(token)
    return user_from_session(str(session_key))


def credentials(request_environ: dict[str, Any], auth: Any) -> tuple[str | None, str | None]:
    """``(token, None)`` from ``auth``, else ``(None, session key)`` from the cookie."""
    if auth is not None and not isinstance(auth, dict):
        raise Refused(f"auth must be an object such as {{'token': '<key>'}}; {HOW_TO_CONNECT}")
    token = (auth or {}).get("token")
    if token:
        return str(token), None
    cookies = parse_cookie(request_environ.get("HTTP_COOKIE", ""))
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        return None, session_key
    raise Refused(f"authentication required: {HOW_TO_CONNECT}")


def _user_from_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None:
        raise Refused("invalid token: log in again to get a new one")
    if not token.user.is_active:
        raise Refused(INACTIVE)
    return token.user


def user_from_session(session_key: str) -> Any:
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)  # anonymous unless the session is live and its user active
    if not user.is_authenticated:
        user_id = request.session.get(SESSION_KEY)
        if user_id and get_user_model().objects.filter(pk=user_id, is_active=False).exists():
            raise Refused(INACTIVE)
        raise Refused("the session has expired or was logged out: log in again")
    return user


def as_api_request(user: Any) -> Request:
    """A DRF request carrying only ``user``: the REST API's queryset filters accept it."""
    request = Request(HttpRequest())
    request.user = user
    request.auth = None
    return request


@dataclass(frozen=True)
class Target:
    """An object a client asks to follow: ``{"type": "document", "id": 12}``."""

    kind: str
    object_id: int

    KINDS = ("document", "quote", "monday-event")

    @classmethod
    def parse(cls, data: Any) -> Target:
        if not isinstance(data, dict):
            raise ValueError("send an object such as {'type': 'document', 'id': 12}")
        kind = data.get("type")
        if kind not in cls.KINDS:
            raise ValueError(f"type must be one of {', '.join(cls.KINDS)}")
        object_id = data.get("id")
        if isinstance(object_id, bool) or not isinstance(object_id, int | str):
            raise ValueError("id must be an integer")
        try:
            return cls(kind, int(object_id))
        except ValueError:
            raise ValueError("id must be an integer") from None

    @property
    def room(self) -> str:
        return messages.object_room(self.kind, self.object_id)


def current_state(target: Target, user_id: int) -> messages.Message | None:
    """The object's state as its latest event, or None when the REST API would answer 404."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    request = as_api_request(user)
    if target.kind == "document":
        from createpdf.access import visible_documents
        from createpdf.models import Document

        visible = visible_documents(Document.objects.all(), request)
        document = visible.filter(pk=target.object_id).first()
        return messages.document_message(document) if document else None
    if target.kind == "quote":
        from betterform.api.permissions import scope_to_owner
        from betterform.models import Quote

        quote = scope_to_owner(Quote.objects.all(), request).filter(pk=target.object_id).first()
        return messages.quote_message(quote, "updated") if quote else None
    from monday_integration.models import WebhookEvent

    if not user.is_staff:  # the REST API's events endpoint is staff only
        return None
    event = WebhookEvent.objects.filter(pk=target.object_id).first()
    return messages.monday_state_message(event) if event else None
