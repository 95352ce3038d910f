"""The customer's side of a quote in the API, all read-only: the link to its page, whether it
is locked, and the customer's answer (``betterform.answering``).

Each field works out its value from the quote alone, never from the request, so the quotes
list shares its representation steps across requests (``representation``).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch
from rest_framework import serializers

from betterform import sending, services
from betterform.api.representation import FastRepresentation, Getter, Shower
from betterform.models import Quote, QuoteAnswer


def customer_url(quote: Quote) -> str | None:
    """The quote page's absolute URL, as e-mailed (``sending.customer_url``); None where the
    site does not serve the customer's pages (``betterform.customer.urls``)."""
    try:
        return sending.customer_url(quote)
    except NoReverseMatch:
        return None


def _context_free(show: Shower) -> Shower:
    """``show``, marked as reading nothing of the request (``representation``)."""

    def shown(value: Any) -> Any:
        return show(value)

    shown.context_free = True  # type: ignore[attr-defined]
    return shown


class CustomerUrlField(serializers.URLField):
    """``customer_url``, read-only: the link the customer is sent (the same for every
    caller, so it reads the setting, not the request)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(read_only=True, source="*", allow_null=True)
        super().__init__(**kwargs)

    def to_representation(self, quote: Quote) -> str | None:  # type: ignore[override]
        return customer_url(quote)

    def representation_step(self) -> tuple[Getter, Shower]:
        return (lambda quote: quote), _context_free(customer_url)


class LockedField(serializers.BooleanField):
    """``locked``, read-only: accepted, declined or expired; writes are refused (409) and
    changes go to a new version (``services.new_version``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(read_only=True, source="status")
        super().__init__(**kwargs)

    def to_representation(self, status: str) -> bool:
        return status in services.LOCKED_STATUSES

    def representation_step(self) -> tuple[Getter, Shower]:
        return attrgetter("status"), _context_free(self.to_representation)


def answer_of(quote: Quote) -> QuoteAnswer | None:
    """The quote's answer (prefetched by the quotes viewset), or None."""
    try:
        return quote.answer
    except ObjectDoesNotExist:
        return None


class QuoteAnswerSerializer(FastRepresentation, serializers.ModelSerializer):
    """The customer's answer to a quote, as the quote page recorded it, or as a team member
    recorded it (``record_quote_answer``: ``recorded_by`` and ``recorded_by_name`` say who)."""

    recorded_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The username of the team member who recorded the answer (by phone, e-mail, "
        "on paper); null for the customer's own answer on the quote page, or an API key's.",
    )

    class Meta:
        model = QuoteAnswer
        fields = [
            "decision",
            "signer_name",
            "reason",
            "answered_at",
            "ip_address",
            "shown_sha256",
            "signed_document",
            "recorded_by",
            "recorded_by_name",
            "note",
        ]
        read_only_fields = fields

    def representation_step(self) -> tuple[Getter, Shower]:
        """As a field of the quote: the same JSON, shared by every request."""
        return answer_of, _context_free(self.to_representation)
