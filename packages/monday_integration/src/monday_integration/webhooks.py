"""Receiving monday's webhooks: verify, store once, hand over to the worker.

Nothing slow happens here: the request is checked, the event row is written (a unique
``trigger_uuid`` makes monday's duplicate deliveries, even concurrent ones, one row), the
processing task is scheduled on commit, and the view answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt
from django.db import IntegrityError, transaction

from createpdf.fitting import DoesNotFit, check_fits, strip_nul
from monday_integration.conf import conf
from monday_integration.labels import same_label
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.signals import webhook_received


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
    if len(body) > conf.MONDAY_WEBHOOK_MAX_BYTES:
        raise WebhookRejected(400, f"body is larger than {conf.MONDAY_WEBHOOK_MAX_BYTES} bytes")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookRejected(400, "body must be a JSON object")
    return strip_nul(data)  # monday's text may hold NUL; PostgreSQL cannot store it


def verify_app_jwt(authorization: str, audience: str) -> dict[str, Any]:
    """monday signs app webhooks with the signing secret (HS256); the header may or may not
    carry ``Bearer``. The JWT does not sign the body: the worker re-reads the item."""
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        raise WebhookRejected(401, "missing Authorization JWT")
    try:
        return jwt.decode(
            token,
            conf.MONDAY_SIGNING_SECRET,
            algorithms=["HS256"],
            audience=audience,
            options={"require": ["exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise WebhookRejected(401, "the JWT has expired") from None
    except jwt.InvalidAudienceError:
        raise WebhookRejected(401, "the JWT is for another URL (aud)") from None
    except jwt.InvalidTokenError as error:
        raise WebhookRejected(401, f"invalid JWT: {error}") from None


# The delivery's identifiers and the ``WebhookEvent`` field each is stored in, unshortened.
STORED_KEYS = {
    "triggerUuid": "trigger_uuid",
    "boardId": "board_id",
    "pulseId": "item_id",
    "type": "event_type",
}


def _event_fields(data: dict[str, Any]) -> dict[str, Any]:
    event = data.get("event")
    if not isinstance(event, dict):
        raise WebhookRejected(400, 'expected {"event": {...}} or {"challenge": ...}')
    missing = [key for key in STORED_KEYS if key not in event]
    if missing:
        raise WebhookRejected(400, f"event lacks {', '.join(missing)}")
    return event


def stored_ids(event: dict[str, Any]) -> dict[str, str]:
    """The ``WebhookEvent`` fields an event's identifiers go into, as strings. An identifier
    is never shortened (two deliveries would become one, or point at another item): one longer
    than its field raises ``WebhookRejected(400)`` naming the key and the limit."""
    stored = {}
    for key, field in STORED_KEYS.items():
        try:
            stored[field] = check_fits(WebhookEvent, field, str(event[key]), source=f"event.{key}")
        except DoesNotFit as error:
            raise WebhookRejected(400, str(error)) from None
    return stored


def is_trigger(mapping: BoardMapping, event: dict[str, Any]) -> bool:
    if not mapping.active or event.get("type") != "update_column_value":
        return False
    if str(event.get("boardId")) != mapping.board_id:
        return False
    if event.get("columnId") != mapping.trigger_column_id:
        return False
    value = event.get("value") or {}
    label = value.get("label") if isinstance(value, dict) else None
    text = label.get("text") if isinstance(label, dict) else None
    return same_label(text, mapping.trigger_label)


def receive(secret: str, body: bytes, authorization: str, url: str) -> Delivery:
    """Check and store one delivery; raises ``WebhookRejected``."""
    mapping = BoardMapping.objects.filter(webhook_secret=secret).first()
    if mapping is None:
        raise WebhookRejected(404, "unknown webhook URL")
    data = parse_body(body)
    if "challenge" in data:
        return Delivery(challenge=str(data["challenge"]))
    if conf.MONDAY_SIGNING_SECRET:
        verify_app_jwt(authorization, url)
    event = _event_fields(data)
    ids = stored_ids(event)
    trigger = is_trigger(mapping, event)
    status = WebhookEvent.Status.RECEIVED if trigger else WebhookEvent.Status.IGNORED
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                mapping=mapping, payload=data, status=status, **ids
            )
            if trigger:
                from monday_integration.tasks import process_event_task

                # The task is a row too: committed with the event or not at all, so an
                # event is never left "received" with nothing queued to process it.
                process_event_task(stored.pk)
            transaction.on_commit(lambda: webhook_received.send(sender=WebhookEvent, event=stored))
    except IntegrityError:
        existing = WebhookEvent.objects.get(trigger_uuid=ids["trigger_uuid"])
        return Delivery(event=existing, created=False)
    return Delivery(event=stored, created=True)
