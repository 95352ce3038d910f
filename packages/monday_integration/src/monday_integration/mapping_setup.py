"""Setting a board mapping up from the admin: what the board offers, registering its webhook
and sending it a test delivery.

The mapping editor (``admin_mapping``) reads the account's boards and a board's columns
through ``MondayClient`` so an admin picks ids instead of typing them; the values picked are
still checked by ``mapping_checks.check_mapping`` when saved. ``register_webhook`` is what
``operations.register_webhooks`` does for one mapping; ``send_test_delivery`` hands a column
change, shaped as monday delivers it, to the webhook endpoint's own code
(``webhooks.receive``) and says how it was taken.

A page of the editor asks monday through an ``EditorReads``: at most ``PICKER_BUDGET``
seconds of monday in all, no retries, nothing more asked once a read failed (the page then
falls back to typed ids), and what was read kept ``PICKER_CACHE_SECONDS`` in Django's cache so
viewing the page again does not spend monday's daily call budget.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.core.cache import cache

from betterform import services as form_services
from betterform.models import Form
from betterform.schema import fields as form_fields
from createpdf.fitting import DoesNotFit, check_fits
from monday_integration import identity, webhooks
from monday_integration.client import MondayClient
from monday_integration.conf import conf
from monday_integration.errors import MondayError
from monday_integration.models import BoardMapping
from monday_integration.parsing import BoardSummary, Column
from monday_integration.subitem_checks import SUBITEMS_COLUMN_TYPE

# Reading boards and columns is interactive: one quick retry, then say monday is unavailable.
PICKER_RETRIES = 1
PICKER_MAX_WAIT = 5.0
PICKER_TIMEOUT = 10.0
# An editor page (``EditorReads``) waits this long for monday in all, with no retry, before
# showing the typed-id fallback; what it read is kept this long (monday's daily call budget).
PICKER_BUDGET = 3.0
PICKER_CACHE_SECONDS = 60
# What a webhook subscribes to: status changes of the trigger column (as the command does).
WEBHOOK_EVENT = "change_status_column_value"
TEST_ITEM_NAME = "BetterForm test delivery"


def _client() -> MondayClient:
    return MondayClient(
        max_retries=PICKER_RETRIES, max_wait=PICKER_MAX_WAIT, timeout=PICKER_TIMEOUT
    )


def list_boards(client: MondayClient | None = None) -> tuple[list[BoardSummary], str]:
    """``(boards, "")``, or ``([], why)`` when monday cannot list them (the picker then takes
    a board id typed by hand)."""
    owned = client is None
    client = client or _client()
    try:
        return client.list_boards(), ""
    except MondayError as error:
        return [], f"monday could not list the boards: {error}"
    finally:
        if owned:
            client.close()


@dataclass
class BoardColumns:
    """A board's columns and its subitems board's (``subitem_columns``); ``error`` says why
    they could not be read (then both are empty and the editor falls back to typed ids)."""

    board_id: str
    columns: list[Column] = field(default_factory=list)
    subitem_columns: list[Column] = field(default_factory=list)
    error: str = ""

    def of_type(self, *types: str) -> list[Column]:
        return [column for column in self.columns if column.type in types]


def board_columns(board_id: str, client: MondayClient | None = None) -> BoardColumns:
    """The columns of ``board_id`` and of its subitems board (named by its subitems column's
    ``boardIds``); never raises: a monday error is kept in ``error``."""
    owned = client is None
    client = client or _client()
    try:
        columns = client.get_board_columns(board_id)
        subitems = next((c for c in columns if c.type == SUBITEMS_COLUMN_TYPE), None)
        board_ids = subitems.settings.get("boardIds") or [] if subitems else []
        sub = client.get_board_columns(str(board_ids[0])) if board_ids else []
        return BoardColumns(str(board_id), columns, sub)
    except MondayError as error:
        return BoardColumns(str(board_id), error=f"monday could not read board {board_id}: {error}")
    finally:
        if owned:
            client.close()


class EditorReads:
    """One editor page's reads of monday: the boards and a board's columns, each from the
    cache when read in the last ``PICKER_CACHE_SECONDS`` (keyed by the API URL and a hash of
    the token, and the board id), else from monday within what is left of ``budget`` seconds,
    with no retry. Once a read failed (or the budget is spent) monday is not asked again for
    this page: the reads that follow fail at once with the first failure."""

    def __init__(self, budget: float = PICKER_BUDGET) -> None:
        self.deadline = time.monotonic() + budget
        self.failure = ""  # why monday is not asked again
        account = f"{conf.MONDAY_API_URL}\0{conf.MONDAY_API_TOKEN}"
        self._account = hashlib.sha256(account.encode()).hexdigest()

    def _key(self, *parts: str) -> str:
        digest = hashlib.sha256("\0".join((self._account, *parts)).encode()).hexdigest()
        return f"monday_integration:editor:{digest}"

    def _client(self) -> MondayClient | None:
        """A client allowed what is left of the budget, or None (failure says why)."""
        left = self.deadline - time.monotonic()
        if not self.failure and left <= 0:
            self.failure = "monday did not answer in time"
        if self.failure:
            return None
        return MondayClient(max_retries=0, max_wait=0.0, timeout=left)

    def _skipped(self) -> str:
        return f"not asked ({self.failure})"

    def boards(self) -> tuple[list[BoardSummary], str]:
        """As ``list_boards``."""
        key = self._key("boards")
        cached = cache.get(key)
        if cached is not None:
            return cached, ""
        client = self._client()
        if client is None:
            return [], f"monday could not list the boards: {self._skipped()}"
        with client:
            boards, error = list_boards(client)
        if error:
            self.failure = error
        else:
            cache.set(key, boards, PICKER_CACHE_SECONDS)
        return boards, error

    def columns(self, board_id: str) -> BoardColumns:
        """As ``board_columns``."""
        key = self._key("columns", str(board_id))
        cached = cache.get(key)
        if cached is not None:
            return cached
        client = self._client()
        if client is None:
            return BoardColumns(
                str(board_id), error=f"monday could not read board {board_id}: {self._skipped()}"
            )
        with client:
            board = board_columns(board_id, client)
        if board.error:
            self.failure = board.error
        else:
            cache.set(key, board, PICKER_CACHE_SECONDS)
        return board


def answer_targets(form: Form | None) -> list[tuple[str, str]]:
    """``[(target, label)]``: each customer detail, then each field of ``form``."""
    targets = [(f"customer.{name}", f"Customer {name}") for name in form_services.CUSTOMER_FIELDS]
    if form is not None:
        schema = form_services.current_version(form).schema
        targets += [
            (f"answers.{key}", str(field.get("label") or key))
            for key, field in form_fields(schema).items()
        ]
    return targets


class RegisterRefused(Exception):
    """monday did not create the webhook (the message says why, e.g. the URL did not answer
    monday's challenge)."""


def register_webhook(
    mapping: BoardMapping, url: str, client: MondayClient | None = None
) -> BoardMapping:
    """Subscribe ``url`` to the status changes of the mapping's trigger column, store the
    webhook id, and learn the token's monday user (so our own writes are recognised). A
    webhook already registered is replaced by the new one (the old one is deleted on
    monday, best effort). Raises ``RegisterRefused`` with monday's reason."""
    owned = client is None
    client = client or _client()
    try:
        webhook_id = client.create_webhook(
            mapping.board_id,
            url,
            event=WEBHOOK_EVENT,
            config={"columnId": mapping.trigger_column_id},
        )
        old = mapping.webhook_id
        source = f"the id monday gave board {mapping.board_id}'s new webhook"
        mapping.webhook_id = check_fits(BoardMapping, "webhook_id", webhook_id, source=source)
        mapping.save(update_fields=["webhook_id", "updated_at"])
        if old and old != mapping.webhook_id:
            # Gone already, or monday is busy: the new webhook is what counts.
            with contextlib.suppress(MondayError):
                client.delete_webhook(old)
        identity.learn_quietly(client)
        return mapping
    except MondayError as error:
        reason = _reason(error)
        raise RegisterRefused(f"monday refused the webhook for {url}: {reason}") from None
    except DoesNotFit as error:
        message = f"{error}; the webhook exists on monday but is not recorded"
        raise RegisterRefused(message) from None
    finally:
        if owned:
            client.close()


def _reason(error: MondayError) -> str:
    """monday's message, with the reason its ``error_data`` gives (the fake's and monday's
    "Failed to communicate with URL provided." says little on its own)."""
    data = getattr(error, "error_data", None) or {}
    detail = data.get("reason") if isinstance(data, dict) else None
    return f"{error} ({detail})" if detail else str(error)


@dataclass(frozen=True)
class DeliveryOutcome:
    """How the endpoint took a test delivery: ``http_status`` as it would answer monday,
    ``status`` of the stored event (``ignored``, ``own_write``, ``refused``...) or ``""``,
    ``event_id`` or None, and ``detail`` (the refusal's reason)."""

    http_status: int
    status: str
    event_id: int | None
    detail: str = ""
    signed: bool = False


def sample_delivery(mapping: BoardMapping) -> dict[str, Any]:
    """A change of the mapping's status column to its "working" label, shaped as monday
    delivers ``update_column_value`` (``TEST_ITEM_NAME`` as the item, item id 0, no user): not
    the trigger, so it is stored and never synced."""
    label = (mapping.stage_labels or {}).get("working") or "Working on it"
    return {
        "event": {
            "app": "monday",
            "type": "update_column_value",
            "triggerTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "subscriptionId": int(mapping.webhook_id) if mapping.webhook_id.isdigit() else 0,
            "originalTriggerUuid": None,
            "boardId": int(mapping.board_id) if mapping.board_id.isdigit() else mapping.board_id,
            "groupId": "topics",
            "pulseId": 0,
            "pulseName": TEST_ITEM_NAME,
            "columnId": mapping.status_column_id,
            "columnType": "color",
            "columnTitle": "Status",
            "value": {"label": {"index": 0, "text": label, "style": {}, "is_done": False}},
            "previousValue": None,
            "changedAt": time.time(),
            "isTopGroup": True,
            "triggerUuid": f"admin-test-{uuid.uuid4().hex}",
        }
    }


def send_test_delivery(mapping: BoardMapping, url: str) -> DeliveryOutcome:
    """Hand a test delivery (``sample_delivery``) for ``url`` to the endpoint's code in this
    process. It is signed as an app webhook's (HS256, ``aud`` = ``url``) when
    ``MONDAY_SIGNING_SECRET`` is set, unsigned otherwise, as a personal token's webhook is."""
    secret = conf.MONDAY_SIGNING_SECRET
    authorization = ""
    if secret:
        now = int(time.time())
        claims = {"aud": url, "iat": now, "exp": now + 60, "accountId": 0, "userId": 0}
        authorization = jwt.encode(claims, secret, algorithm="HS256")
    payload = sample_delivery(mapping)
    body = json.dumps(payload).encode()
    try:
        delivery = webhooks.receive(mapping.webhook_secret, body, authorization, url)
    except webhooks.WebhookRejected as rejected:
        # A refused signature is stored (as ``refused``) before the 401; other refusals are not.
        uuid_ = payload["event"]["triggerUuid"]
        event = mapping.events.filter(trigger_uuid=uuid_).first()
        return DeliveryOutcome(
            rejected.status,
            event.status if event else "",
            event.pk if event else None,
            str(rejected),
            bool(secret),
        )
    event = delivery.event
    return DeliveryOutcome(200, event.status, event.pk, "", bool(secret))
