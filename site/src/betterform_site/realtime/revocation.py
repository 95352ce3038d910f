"""Access that ends while a client is connected: a revoked token, a logged-out session, a
deactivated or deleted user, staff rights removed.

A connection keeps the credential it connected with (a ``Grant``). Each web process re-checks
the grants of its connections every ``REALTIME_ACCESS_RECHECK`` seconds, before every
``subscribe``/``state``, and at once when Django says a grant may have ended: the receivers
below publish ``CHANGED`` through the same path as the events (Redis or the outbox), which the
web processes handle themselves instead of delivering. A connection whose grant ended receives
``access.revoked`` ``{"reason": ..., "message": ...}`` and is disconnected.

Everything here but ``connect`` is synchronous ORM code; the server calls it through
``sync_to_async``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model, user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from betterform_site.realtime import access, messages
from betterform_site.realtime.publishers import publish

logger = logging.getLogger(__name__)

CHANGED = "betterform.access-changed"  # between processes only; never sent to a client
REVOKED = "access.revoked"  # the last event a client receives before it is disconnected

REASONS = {
    "token-revoked": "the token was revoked (logged out or deleted): log in again for a new one",
    "session-ended": "the session has expired or was logged out: log in again",
    "account-inactive": "this account was deactivated: ask an administrator",
    "account-deleted": "this account no longer exists",
    "staff-changed": "your staff rights changed: connect again to follow what you may see now",
}


@dataclass(frozen=True)
class Grant:
    """What a connection was let in with: the user as they were, and the token or session."""

    user_id: int
    is_staff: bool
    token: str | None = None
    session_key: str | None = None


def admit(request_environ: dict[str, Any], auth: Any) -> Grant:
    """The grant of a client connecting now (``access.authenticate``'s refusals apply)."""
    token, session_key = access.credentials(request_environ, auth)
    user = access.authenticate(request_environ, auth)
    return Grant(user.pk, user.is_staff, token, session_key)


def revoked(reason: str) -> dict[str, str]:
    """The ``access.revoked`` payload: a stable ``reason`` and a sentence for people."""
    return {"reason": reason, "message": REASONS[reason]}


def ended(grants: dict[str, Grant]) -> dict[str, str]:
    """``{sid: reason}`` for the grants that no longer hold: two queries for any number of
    token connections, plus one session lookup for each session connection."""
    users = {
        pk: (is_active, is_staff)
        for pk, is_active, is_staff in get_user_model()
        .objects.filter(pk__in={grant.user_id for grant in grants.values()})
        .values_list("pk", "is_active", "is_staff")
    }
    tokens = _token_owners([grant.token for grant in grants.values() if grant.token])
    reasons = {}
    for sid, grant in grants.items():
        reason = _reason(grant, users.get(grant.user_id), tokens)
        if reason:
            reasons[sid] = reason
    return reasons


def _token_owners(keys: list[str]) -> dict[str, int]:
    from rest_framework.authtoken.models import Token

    if not keys:
        return {}
    return dict(Token.objects.filter(key__in=keys).values_list("key", "user_id"))


def _reason(grant: Grant, user: tuple[bool, bool] | None, tokens: dict[str, int]) -> str | None:
    if user is None:
        return "account-deleted"
    is_active, is_staff = user
    if not is_active:
        return "account-inactive"
    if grant.token is not None and tokens.get(grant.token) != grant.user_id:
        return "token-revoked"
    if grant.session_key is not None:
        try:
            if access.user_from_session(grant.session_key).pk != grant.user_id:
                return "session-ended"
        except access.Refused:
            return "session-ended"
    if is_staff != grant.is_staff:
        return "staff-changed"
    return None


# --- Django signals: a grant may have ended ---------------------------------------------------


def announce(user_id: Any, session_key: str | None = None) -> None:
    """Ask every web process to re-check ``user_id``'s connections, once the change is stored
    (a re-check before the commit would still see the old rows). ``session_key`` names a
    session being logged out: Django flushes it only after ``user_logged_out``, so it is
    ended by name rather than re-checked."""
    data = {"user_ids": [user_id], "sessions": [session_key] if session_key else []}
    message = messages.Message(CHANGED, data, (messages.user_room(user_id),))
    transaction.on_commit(functools.partial(publish, message), robust=True)


def _token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    announce(instance.user_id)


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or (update_fields is not None and set(update_fields) == {"last_login"}):
        return  # a login touches last_login and nothing a grant depends on
    announce(instance.pk)


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    announce(instance.pk)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        session = getattr(request, "session", None)
        announce(user.pk, getattr(session, "session_key", None))


def connect() -> None:
    """Called once from the site's ``AppConfig.ready``."""
    from rest_framework.authtoken.models import Token

    uid = "betterform_site.realtime.revocation"
    user_model = get_user_model()
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid=f"{uid}.token")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid=f"{uid}.user_saved")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid=f"{uid}.user_deleted")
    user_logged_out.connect(_logged_out, dispatch_uid=f"{uid}.logged_out")
