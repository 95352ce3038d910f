"""Receiving monday's webhooks: authenticate, store once, hand over to the worker.

Nothing slow happens here: the request is checked, the event row is written (a unique
``trigger_uuid`` makes monday's duplicate deliveries, even concurrent ones, one row), the
processing task is scheduled with it, and the view answers.

Every kind of delivery monday sends is answered 2xx and stored, ``ignored`` unless it is the
mapping's trigger (``own_write`` when this integration made the change: see ``identity``): a
4xx makes monday retry it once a minute for 30 minutes
(https://developer.monday.com/api-reference/docs/webhooks, "Retry policy").

Authentication: the secret in the URL names the mapping and authenticates the delivery.
monday signs only webhooks created with an app's token (a JWT in ``Authorization``); ones
created with a personal API token carry nothing. A JWT that is present must verify when
``MONDAY_SIGNING_SECRET`` is set; requiring one is a choice (``require_signed_deliveries``,
``MONDAY_REQUIRE_SIGNED_DELIVERIES``). A delivery refused for its signature is answered 401 (so
monday retries it) and stored once as ``refused``; a later accepted retry takes that row over.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.db import IntegrityError, transaction

from createpdf.fitting import DoesNotFit, check_fits
from createpdf.storable import TOO_DEEP, TooDeep, loads, make_storable, too_deep
from monday_integration import identity
from monday_integration.conf import conf
from monday_integration.labels import same_label
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.signals import webhook_received

logger = logging.getLogger(__name__)
Status = WebhookEvent.Status


class WebhookRejected(Exception):
    """The delivery is refused; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Delivery:
    """What the view answers: a challenge echo, or the stored event and whether it is new."""

    challenge: str | None = None
    event: WebhookEvent | None = None
    created: bool = False


def parse_body(body: bytes) -> dict[str, Any]:
    """The delivery's JSON object; ``WebhookRejected(400)`` when it is none, too large or
    nested more than ``storable.MAX_DEPTH`` levels (monday's nest under ten; deeper would
    overflow the stack as it is copied or stored)."""
    if len(body) > conf.MONDAY_WEBHOOK_MAX_BYTES:
        raise WebhookRejected(400, f"body is larger than {conf.MONDAY_WEBHOOK_MAX_BYTES} bytes")
    try:
        data = loads(body)
    except TooDeep:
        raise WebhookRejected(400, f"body is {TOO_DEEP}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookRejected(400, "body must be a JSON object")
    if too_deep(data):
        raise WebhookRejected(400, f"body is {TOO_DEEP}")
    # monday's text may hold NUL or a lone surrogate, a number Infinity or NaN: kept storable
    return make_storable(data)


def verify_app_jwt(authorization: str, audience: str) -> dict[str, Any]:
    """The claims of an app webhook's JWT, signed with the app's signing secret (HS256, ``aud``
    = the webhook URL); the header may or may not carry ``Bearer``. The JWT does not sign the
    body: the worker re-reads the item. See "Authorization header" in
    https://developer.monday.com/apps/docs/integration-authorization.

    ``aud`` is the URL the webhook was registered with; it must have this request's path,
    which carries the mapping's secret. Its scheme and host are not compared: behind a proxy
    that ends TLS, or under a public host name, they differ from what this process sees."""
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        raise WebhookRejected(401, "missing Authorization JWT")
    try:
        claims = jwt.decode(
            token,
            conf.MONDAY_SIGNING_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "aud"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise WebhookRejected(401, "the JWT has expired") from None
    except jwt.InvalidTokenError as error:
        raise WebhookRejected(401, f"invalid JWT: {error}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if _path(audience) not in {_path(str(url)) for url in audiences}:
        raise WebhookRejected(401, "the JWT is for another URL (aud)")
    return claims


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


# Each ``WebhookEvent`` field and the event keys that may fill it, the first present wins:
# monday names the item ``pulseId`` (column changes, creation, rename, group moves), ``itemId``
# (archive/delete/restore) or ``destPulseId``/``sourcePulseId`` (``move_subitem``), and the
# board ``boardId`` or ``destBoardId``/``sourceBoardId``. An absent one is stored empty (e.g.
# ``create_column`` names no item); ``type`` must be there; ``triggerUuid`` is derived when
# absent (``derived_trigger_uuid``). Values are stored unshortened.
STORED_KEYS: dict[str, tuple[str, ...]] = {
    "trigger_uuid": ("triggerUuid",),
    "event_type": ("type",),
    "board_id": ("boardId", "destBoardId", "sourceBoardId"),
    "item_id": ("pulseId", "itemId", "destPulseId", "sourcePulseId"),
}
DERIVED_PREFIX = "body:"


def _event_fields(data: dict[str, Any]) -> dict[str, Any]:
    event = data.get("event")
    if not isinstance(event, dict):
        raise WebhookRejected(400, 'expected {"event": {...}} or {"challenge": ...}')
    if event.get("type") in (None, ""):
        raise WebhookRejected(400, "event lacks type")
    return event


def derived_trigger_uuid(mapping: BoardMapping, event: dict[str, Any]) -> str:
    """A stable de-duplication key for a delivery without ``triggerUuid``: a hash of the event
    without ``isRetry`` (the one field monday changes on a retry), so its retries collapse
    into one row, as retries carrying a ``triggerUuid`` do."""
    stable = {key: value for key, value in event.items() if key != "isRetry"}
    text = json.dumps([mapping.pk, stable], sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return DERIVED_PREFIX + digest[: 64 - len(DERIVED_PREFIX)]


def stored_ids(event: dict[str, Any], mapping: BoardMapping) -> dict[str, str]:
    """The ``WebhookEvent`` fields an event's identifiers go into, as strings (see
    ``STORED_KEYS``). An identifier is never shortened (two deliveries would become one, or
    point at another item): one longer than its field raises ``WebhookRejected(400)`` naming
    the key and the limit."""
    stored = {}
    for field, keys in STORED_KEYS.items():
        key = next((key for key in keys if event.get(key) not in (None, "")), None)
        if key is None:
            stored[field] = derived_trigger_uuid(mapping, event) if field == "trigger_uuid" else ""
            continue
        try:
            stored[field] = check_fits(WebhookEvent, field, str(event[key]), source=f"event.{key}")
        except DoesNotFit as error:
            raise WebhookRejected(400, str(error)) from None
    return stored


def is_trigger(mapping: BoardMapping, event: dict[str, Any]) -> bool:
    """A change of the mapping's trigger column to its trigger label on its board (any column
    change is delivered as ``update_column_value``, a status column's ``value.label.text``
    holding the label)."""
    if not mapping.active or event.get("type") != "update_column_value":
        return False
    if str(event.get("boardId")) != mapping.board_id or event.get("pulseId") in (None, ""):
        return False
    if event.get("columnId") != mapping.trigger_column_id:
        return False
    value = event.get("value") or {}
    label = value.get("label") if isinstance(value, dict) else None
    text = label.get("text") if isinstance(label, dict) else None
    return same_label(text, mapping.trigger_label)


def refusal(mapping: BoardMapping, authorization: str, url: str) -> str | None:
    """Why the delivery's signature refuses it, or None to accept it (the URL's secret already
    authenticated it). A JWT present must verify when a signing secret is set; one is required
    only when the mapping or ``MONDAY_REQUIRE_SIGNED_DELIVERIES`` says so."""
    token = authorization.removeprefix("Bearer ").strip()
    required = mapping.require_signed_deliveries or conf.MONDAY_REQUIRE_SIGNED_DELIVERIES
    if token and conf.MONDAY_SIGNING_SECRET:
        try:
            verify_app_jwt(token, url)
        except WebhookRejected as rejected:
            return str(rejected)
        return None
    if not required:
        return None
    if token:
        return (
            "signed deliveries are required but MONDAY_SIGNING_SECRET is not set: "
            "the JWT cannot be verified"
        )
    return (
        "signed deliveries are required and this one has no JWT (monday signs only webhooks "
        "created with an app's token, never ones created with a personal API token)"
    )


def receive(secret: str, body: bytes, authorization: str, url: str) -> Delivery:
    """Check and store one delivery; raises ``WebhookRejected`` (a refused signature after
    storing the delivery as ``refused``)."""
    mapping = BoardMapping.objects.filter(webhook_secret=secret).first()
    if mapping is None:
        raise WebhookRejected(404, "unknown webhook URL")
    # Authentication first: a delivery the signature refuses is a 401 whatever its body, and
    # is kept (as ``refused``) only when it is an event that could be stored. The challenge is
    # answered either way: monday may send it without an Authorization header.
    reason = refusal(mapping, authorization, url)
    try:
        data = parse_body(body)
        if "challenge" in data:
            return Delivery(challenge=str(data["challenge"]))
        event = _event_fields(data)
        ids = stored_ids(event, mapping)
    except WebhookRejected:
        if reason is not None:
            raise WebhookRejected(401, reason) from None
        raise
    if reason is not None:
        store_refused(mapping, data, ids, reason)
        raise WebhookRejected(401, reason)
    trigger = is_trigger(mapping, event)
    status = Status.RECEIVED if trigger else _not_a_trigger(event)
    fields = {"mapping": mapping, "payload": data, "status": status, **ids}
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(**fields)
            _hand_over(stored, trigger)
    except IntegrityError:
        return _take_over_refused(fields, trigger)
    return Delivery(event=stored, created=True)


def _not_a_trigger(event: dict[str, Any]) -> str:
    """``own_write`` for a change made as the API token's user (our own label, file or
    update coming back), else ``ignored``. A trigger is processed whoever made it: with a
    personal token, the token's user is also a person who sets the trigger label in monday.
    Until the token's user is learned (``identity.learn``), every such change is ``ignored``."""
    if identity.delivery_user_id(event) is None:
        return Status.IGNORED
    return Status.OWN_WRITE if identity.is_own_write(event, identity.current()) else Status.IGNORED


def store_refused(
    mapping: BoardMapping, data: dict[str, Any], ids: dict[str, str], reason: str
) -> None:
    """Keep a refused delivery once (its retries update the reason), never scheduled; one
    already accepted under the same ``trigger_uuid`` is left as it is."""
    logger.warning("monday delivery %s refused: %s", ids["trigger_uuid"], reason)
    fields = {"mapping": mapping, "payload": data, "status": Status.REFUSED, "error": reason}
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(**fields, **ids)
    except IntegrityError:
        WebhookEvent.objects.filter(trigger_uuid=ids["trigger_uuid"], status=Status.REFUSED).update(
            error=reason
        )


def _take_over_refused(fields: dict[str, Any], trigger: bool) -> Delivery:
    """A delivery already stored: a duplicate, or the accepted retry of a refused one, which
    then becomes the event (one concurrent retry wins the conditional update)."""
    with transaction.atomic():
        taken = WebhookEvent.objects.filter(
            trigger_uuid=fields["trigger_uuid"], status=Status.REFUSED
        ).update(**fields, error="")
        existing = WebhookEvent.objects.get(trigger_uuid=fields["trigger_uuid"])
        if taken:
            _hand_over(existing, trigger)
    return Delivery(event=existing, created=bool(taken))


def _hand_over(stored: WebhookEvent, trigger: bool) -> None:
    if trigger:
        from monday_integration.tasks import process_event_task

        # The task is a row too: committed with the event or not at all, so an event is
        # never left "received" with nothing queued to process it.
        process_event_task(stored.pk)
    transaction.on_commit(lambda: webhook_received.send(sender=WebhookEvent, event=stored))
