"""Board mappings, the webhook events monday delivers, and the item <-> submission links."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(24)


def default_stage_labels() -> dict[str, str]:
    return {"working": "Quote in progress", "done": "Quote ready", "failed": "Quote failed"}


class BoardMapping(models.Model):
    """How one monday board feeds one betterform form.

    ``column_map`` maps a monday column id to ``customer.<name|email|phone|company|address>``
    or ``answers.<field key>``; ``subitem_map`` maps quote line fields (``description``,
    ``quantity``, ``unit``, ``unit_price``, ``tax_rate``) to subitem column ids (``name`` is
    the subitem's name). ``stage_labels`` names the status label for each stage.
    """

    name = models.CharField(max_length=200)
    board_id = models.CharField(max_length=32, unique=True)
    form = models.ForeignKey(
        "betterform.Form", on_delete=models.PROTECT, related_name="monday_mappings"
    )
    trigger_column_id = models.CharField(max_length=100)
    trigger_label = models.CharField(max_length=100, default="Quote requested")
    column_map = models.JSONField(default=dict, blank=True)
    subitem_map = models.JSONField(default=dict, blank=True)
    file_column_id = models.CharField(max_length=100, blank=True)
    status_column_id = models.CharField(max_length=100)
    stage_labels = models.JSONField(default=default_stage_labels)
    template_slug = models.SlugField(max_length=100, default="quote")
    webhook_secret = models.CharField(max_length=64, unique=True, default=new_webhook_secret)
    webhook_id = models.CharField(max_length=32, blank=True, help_text="monday's webhook id.")
    active = models.BooleanField(default=True)
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


class WebhookEvent(models.Model):
    """One delivery of monday's, stored before anything else happens; duplicates (monday
    retries) collapse on ``trigger_uuid``."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSING = "processing"
        DONE = "done"
        IGNORED = "ignored"
        FAILED = "failed"

    trigger_uuid = models.CharField(max_length=64, unique=True)
    mapping = models.ForeignKey(
        BoardMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    board_id = models.CharField(max_length=32, db_index=True)
    item_id = models.CharField(max_length=32, db_index=True)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} item {self.item_id} ({self.status})"


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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mapping", "item_id"], name="monday_item_link")
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} -> submission {self.submission_id}"
