"""What the customer's side records: the answer a customer gave a quote (accepted with a typed
signature, or declined) and each e-mail a quote was sent in.

Imported by ``betterform.models``; use them from there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class QuoteAnswer(models.Model):
    """A customer's answer to a quote, once: who, when, from where, and the PDF they saw.

    ``shown_sha256`` is the sha256 of the PDF offered on the quote page when they answered
    (``shown_document``); the signed copy (``signed_document``) is that PDF with an acceptance
    page appended, which prints the same hash. An answer is never changed or deleted with the
    quote's history: the quote is locked once answered (``services.QuoteLocked``).

    An answer the customer gave by phone, e-mail or on paper is recorded by a team member
    (``recorded_answers.record_answer``): ``recorded_by`` (a user) or ``recorded_by_key`` (an API
    key's id) says who, ``recorded_by_name`` their name then (kept if the user goes), ``note``
    how it came in; ``signer_name`` is who answered as the team member wrote it. It has no
    consent, address or browser, and never a signed copy (nobody signed). Blank
    ``recorded_by_name``: the customer's own answer on the quote page.
    """

    class Decision(models.TextChoices):
        ACCEPTED = "accepted"
        DECLINED = "declined"

    quote = models.OneToOneField(
        "betterform.Quote", on_delete=models.PROTECT, related_name="answer"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    signer_name = models.CharField(
        max_length=200, blank=True, help_text="The full name typed as a signature."
    )
    consent_text = models.TextField(blank=True, help_text="The statement the customer ticked.")
    reason = models.TextField(blank=True, help_text="Why they declined, if they said.")
    answered_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    shown_document = models.ForeignKey(
        "createpdf.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shown_sha256 = models.CharField(max_length=64, blank=True)
    signed_document = models.ForeignKey(
        "createpdf.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The team member who recorded the answer; none for the customer's own.",
    )
    recorded_by_key = models.CharField(
        max_length=150, blank=True, help_text="The API key (its id) that recorded it."
    )
    recorded_by_name = models.CharField(
        max_length=300,
        blank=True,
        help_text="Who recorded it, as named then; blank for the customer's own answer.",
    )
    note = models.TextField(blank=True, help_text="How a recorded answer came in.")

    class Meta:
        ordering = ["-answered_at", "-id"]

    def __str__(self) -> str:
        who = self.signer_name or "the customer"
        answered = f"{self.get_decision_display()} by {who} on {self.answered_at:%Y-%m-%d %H:%M}"
        return f"{answered} (recorded by {self.recorded_by_name})" if self.is_recorded else answered

    @property
    def is_recorded(self) -> bool:
        """Recorded by a team member (``recorded_answers.record_answer``), not given on the page."""
        return bool(self.recorded_by_name or self.recorded_by_id or self.recorded_by_key)


class QuoteEmail(models.Model):
    """One e-mail a quote went out in (the quote itself or a reminder), as it was sent."""

    class Kind(models.TextChoices):
        QUOTE = "quote"
        REMINDER = "reminder"

    quote = models.ForeignKey("betterform.Quote", on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUOTE)
    to_email = models.EmailField()
    from_email = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    message = models.TextField(blank=True, help_text="The rep's own words, if any.")
    document = models.ForeignKey(
        "createpdf.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    document_sha256 = models.CharField(max_length=64, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.sent_at:%Y-%m-%d %H:%M})"
