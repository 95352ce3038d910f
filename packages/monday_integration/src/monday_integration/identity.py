"""Who this integration is on monday, and so which deliveries are its own writes.

monday names whoever made a change in a delivery's ``userId``; a change made through the API
is made as the token's user. Every label, file and update this integration writes therefore
comes back (to a webhook on that column) with the token user's id. ``learn`` asks monday
(``me``) once per token and keeps the answer in ``ApiIdentity``; ``is_own_write`` then
recognises those deliveries without calling monday (the webhook view never waits on monday).

It is learned when webhooks are registered (``monday_register_webhooks``, the demo) and
when a mapping is saved in the admin. Until then a delivery that may be our own is stored
``ignored`` as before; learning re-labels those stored ``ignored`` events.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from monday_integration.client import MondayClient
from monday_integration.conf import conf
from monday_integration.errors import MondayError
from monday_integration.models import ApiIdentity, WebhookEvent

logger = logging.getLogger(__name__)
Status = WebhookEvent.Status


def token_fingerprint(token: str | None = None) -> str:
    """A SHA-256 of the API token (the configured one by default): the token is not stored."""
    token = conf.MONDAY_API_TOKEN if token is None else token
    return hashlib.sha256(token.encode()).hexdigest()


def current() -> ApiIdentity | None:
    """The learned identity of the configured token, or None when not learned yet."""
    if not conf.MONDAY_API_TOKEN:
        return None
    return ApiIdentity.objects.filter(token_fingerprint=token_fingerprint()).first()


def learn(client: MondayClient) -> ApiIdentity:
    """Ask monday who the token is (``me``) and keep it; ``client`` must use the configured
    token. Events stored ``ignored`` before this that carry the id (and that no worker
    touched) become ``own_write``. Raises ``MondayError`` when monday cannot answer."""
    me = client.me()
    identity, _created = ApiIdentity.objects.update_or_create(
        token_fingerprint=token_fingerprint(),
        defaults={
            "user_id": me.user_id,
            "user_name": me.name,
            "account_id": me.account_id,
            "account_slug": me.account_slug,
        },
    )
    relabel_own_writes(identity.user_id)
    return identity


def relabel_own_writes(user_id: str) -> int:
    """Mark ``ignored`` events that ``user_id`` caused as ``own_write``; returns how many.
    Events a worker ended ``ignored`` (an archived item: ``started_at`` set, a reason in
    ``error``) are left alone. ``userId`` is a number in monday's payloads."""
    ids = {user_id, int(user_id)} if user_id.isdigit() else {user_id}
    return WebhookEvent.objects.filter(
        status=Status.IGNORED,
        started_at__isnull=True,
        error="",
        payload__event__userId__in=list(ids),
    ).update(status=Status.OWN_WRITE)


def learn_quietly(client: MondayClient | None = None) -> ApiIdentity | None:
    """``learn``, logging instead of raising when monday cannot answer (best effort; without
    ``client``, one retry at most, so a page that learns it in passing does not hang)."""
    owned = client is None
    client = client or MondayClient(max_retries=1)
    try:
        return learn(client)
    except MondayError as error:
        logger.warning("monday: could not learn the API token's user: %s", error)
        return None
    finally:
        if owned:
            client.close()


def delivery_user_id(event: dict[str, Any]) -> str | None:
    """The ``userId`` of a delivery's event as a string, or None when it has none."""
    user_id = event.get("userId")
    return None if user_id in (None, "") else str(user_id)


def is_own_write(event: dict[str, Any], identity: ApiIdentity | None) -> bool:
    """Whether the change was made as the API token's user (``identity``)."""
    user_id = delivery_user_id(event)
    return identity is not None and user_id is not None and user_id == identity.user_id


def account_slug() -> str:
    """``MONDAY_ACCOUNT_SLUG``, else the slug ``me`` reported, else ""."""
    if conf.MONDAY_ACCOUNT_SLUG:
        return conf.MONDAY_ACCOUNT_SLUG
    identity = current()
    return identity.account_slug if identity is not None else ""


def item_url(board_id: str, item_id: str, slug: str | None = None) -> str:
    """The item's page on monday: ``https://<slug>.monday.com/boards/<board>/pulses/<item>``
    (the form monday's ``Item.url`` answers). Without a known slug the link is
    ``https://monday.com/boards/...`` (that monday forwards it to the account is unconfirmed;
    set ``MONDAY_ACCOUNT_SLUG`` or let ``learn`` record the slug)."""
    slug = account_slug() if slug is None else slug
    host = f"{slug}.monday.com" if slug else "monday.com"
    return f"https://{host}/boards/{board_id}/pulses/{item_id}"
