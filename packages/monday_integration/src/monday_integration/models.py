"""Board mappings, the webhook events monday delivers, and the item <-> submission links."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Aggregate, Count, Min, Q
from django.db.models.expressions import Combinable
from django.utils import timezone

from createpdf import leases
from createpdf.storable import StorableJSONField


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(24)


def default_stage_labels() -> dict[str, str]:
    return {"working": "Quote in progress", "done": "Quote ready", "failed": "Quote failed"}


# The pipeline's stages, each with a label every mapping names, and what the customer does
# with a quote (``betterform.signals``), each with a label a mapping may name (``stage_labels``
# without it, or with "", leaves the item's status alone when the customer does it).
PIPELINE_STAGES = ("working", "done", "failed")
CUSTOMER_STAGES = ("viewed", "accepted", "declined", "expired")
# A customer mapping's message may be no longer than the send endpoint takes.
CUSTOMER_MESSAGE_MAX_LENGTH = 5000


class BoardMapping(models.Model):
    """How one monday board feeds one betterform form.

    ``column_map`` maps a monday column id to ``customer.<name|email|phone|company|address>``
    or ``answers.<field key>``; ``subitem_map`` maps quote line fields (``description``,
    ``quantity``, ``unit``, ``unit_price``, ``tax_rate``) to subitem column ids (``name`` is
    the subitem's name). ``stage_labels`` names the status label for each pipeline stage
    (``working``, ``done``, ``failed``) and, optionally, for what the customer does with the
    quote (``viewed``, ``accepted``, ``declined``, ``expired``; see ``customer_sync``).
    ``send_quote_to_customer`` makes the pipeline e-mail the quote to the item's customer once
    its PDF is on the item (``quote_sending``), with ``customer_message``.
    """

    name = models.CharField(max_length=200)
    board_id = models.CharField(max_length=32, unique=True)
    form = models.ForeignKey(
        "betterform.Form", on_delete=models.PROTECT, related_name="monday_mappings"
    )
    trigger_column_id = models.CharField(max_length=100)
    trigger_label = models.CharField(max_length=100, default="Quote requested")
    column_map = StorableJSONField(default=dict, blank=True)
    subitem_map = StorableJSONField(default=dict, blank=True)
    file_column_id = models.CharField(max_length=100, blank=True)
    status_column_id = models.CharField(max_length=100)
    stage_labels = StorableJSONField(default=default_stage_labels)
    template_slug = models.SlugField(max_length=100, default="quote")
    send_quote_to_customer = models.BooleanField(
        default=False,
        help_text=(
            "E-mail the quote (its PDF and the link to its page) to the customer e-mail read "
            "from the item (the column mapped to customer.email), once the PDF is on the item. "
            "An item without an e-mail is not sent; its update says so."
        ),
    )
    customer_message = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(CUSTOMER_MESSAGE_MAX_LENGTH)],
        help_text="The message sent with the quote (optional).",
    )
    webhook_secret = models.CharField(max_length=64, unique=True, default=new_webhook_secret)
    webhook_id = models.CharField(max_length=32, blank=True, help_text="monday's webhook id.")
    active = models.BooleanField(default=True)
    require_signed_deliveries = models.BooleanField(
        default=False,
        help_text=(
            "Refuse deliveries without a valid app JWT (401, stored as refused). Only "
            "webhooks created with a monday app's token are signed; ones created with a "
            "personal API token never are."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Owns the submissions and quotes this board creates.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} (board {self.board_id})"


def _stalled(now: datetime | Combinable | None = None) -> Q:
    return Q(leases.stalled(now), status=WebhookEvent.Status.PROCESSING)


class WebhookEventQuerySet(models.QuerySet):
    def stalled(self) -> WebhookEventQuerySet:
        """``processing`` events whose worker stopped renewing the lease: it died."""
        return self.filter(_stalled())

    def troubles(self, refused_since: datetime) -> dict[str, Any]:
        """What ``/healthz`` reports, in one query: ``{"stalled_events": int,
        "stalled_since": datetime | None (the oldest stalled lease's expiry),
        "refused_deliveries": int}`` (as ``stalled()`` and ``refused_since()`` count them)."""
        now = timezone.now()
        return self.trouble_rows(now, refused_since).aggregate(
            **trouble_aggregates(now, refused_since)
        )

    def trouble_rows(
        self, now: datetime | Combinable, refused_since: datetime | Combinable
    ) -> WebhookEventQuerySet:
        """The rows ``troubles`` counts: stalled at ``now``, or refused since
        ``refused_since``; either may be a database time (``Now()``, ``Now() - interval``)."""
        stalled, refused = _trouble_filters(now, refused_since)
        return self.filter(stalled | refused)

    def refused_since(self, since: datetime) -> WebhookEventQuerySet:
        """Deliveries refused (answered 401) and never accepted since, first seen after
        ``since``."""
        return self.filter(status=WebhookEvent.Status.REFUSED, received_at__gte=since)

    def with_status(self, status: str) -> WebhookEventQuerySet:
        """Events in ``status`` as the API shows it: ``processing`` means a live worker holds
        the event; ``stalled`` is a processing event whose worker is gone."""
        if status == WebhookEvent.STALLED:
            return self.stalled()
        if status == WebhookEvent.Status.PROCESSING:
            return self.filter(leases.live(), status=status)
        return self.filter(status=status)


def _trouble_filters(
    now: datetime | Combinable, refused_since: datetime | Combinable
) -> tuple[Q, Q]:
    stalled = _stalled(now)
    refused = Q(status=WebhookEvent.Status.REFUSED, received_at__gte=refused_since)
    return stalled, refused


def trouble_aggregates(
    now: datetime | Combinable, refused_since: datetime | Combinable
) -> dict[str, Aggregate]:
    """The aggregates of ``WebhookEventQuerySet.troubles``, to compute over ``trouble_rows``
    with the same arguments."""
    stalled, refused = _trouble_filters(now, refused_since)
    return {
        "stalled_events": Count("pk", filter=stalled),
        "stalled_since": Min("lease_expires_at", filter=stalled),
        "refused_deliveries": Count("pk", filter=refused),
    }


class WebhookEvent(models.Model):
    """One delivery of monday's, stored before anything else happens; duplicates (monday
    retries) collapse on ``trigger_uuid``. ``board_id``/``item_id`` are empty for a kind that
    names no board or item (``create_column`` names no item).

    A worker holds a ``processing`` event under a lease (``createpdf.leases``) that it renews;
    ``effects`` records each external effect on monday once it is done (see ``effects``).
    """

    # Shown (never stored) for a processing event whose lease ran out: its worker is gone.
    STALLED = "stalled"

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSING = "processing"
        DONE = "done"
        IGNORED = "ignored"
        FAILED = "failed"
        # Answered 401 (unsigned where a signature is required, or a JWT that does not
        # verify); kept so staff see it. An accepted retry of it is processed as usual.
        REFUSED = "refused"
        # A change this integration made itself (its ``userId`` is the API token's user,
        # ``identity``): never scheduled, hidden from the admin's event list by default.
        OWN_WRITE = "own_write", "Own write"

    trigger_uuid = models.CharField(max_length=64, unique=True)
    mapping = models.ForeignKey(
        BoardMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    board_id = models.CharField(max_length=32, blank=True, db_index=True)
    item_id = models.CharField(max_length=32, blank=True, db_index=True)
    event_type = models.CharField(max_length=64)
    payload = StorableJSONField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    effects = StorableJSONField(
        default=dict,
        blank=True,
        help_text="Effects on monday already done, by step.",
    )
    leased_by = models.CharField(
        max_length=leases.HOLDER_MAX_LENGTH, blank=True, help_text="The worker syncing it now."
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Another worker may take the event over after this."
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookEventQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} item {self.item_id} ({self.status})"

    @property
    def is_stalled(self) -> bool:
        expires = self.lease_expires_at
        return self.status == self.Status.PROCESSING and (
            expires is None or expires < timezone.now()
        )

    @property
    def shown_status(self) -> str:
        """The status, or ``stalled`` for a processing event whose worker is gone."""
        return self.STALLED if self.is_stalled else self.status


class ApiIdentity(models.Model):
    """Who the configured API token is on monday (the ``me`` query), by a hash of the token:
    a new token is learned again. Webhooks name whoever made a change in ``userId``, so the
    changes this integration makes come back carrying ``user_id`` (see ``identity``)."""

    token_fingerprint = models.CharField(max_length=64, unique=True)
    user_id = models.CharField(max_length=32)
    user_name = models.CharField(max_length=200, blank=True)
    account_id = models.CharField(max_length=32, blank=True)
    account_slug = models.CharField(max_length=100, blank=True)
    learned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "monday API identity"
        verbose_name_plural = "monday API identities"

    def __str__(self) -> str:
        return f"user {self.user_id} ({self.account_slug or 'account ' + self.account_id})"


class ItemLink(models.Model):
    """A monday item and what BetterForm made of it; re-syncing updates the same rows."""

    mapping = models.ForeignKey(BoardMapping, on_delete=models.CASCADE, related_name="links")
    item_id = models.CharField(max_length=32)
    submission = models.OneToOneField(
        "betterform.Submission", on_delete=models.CASCADE, related_name="monday_link"
    )
    quote = models.ForeignKey(
        "betterform.Quote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # The last PDF put on the item: an unchanged quote is not uploaded again while it is there.
    uploaded_sha256 = models.CharField(max_length=64, blank=True)
    uploaded_asset_id = models.CharField(max_length=32, blank=True)
    uploaded_asset_url = models.URLField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mapping", "item_id"], name="monday_item_link")
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} -> submission {self.submission_id}"
