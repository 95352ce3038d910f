"""Shapes of the quotes API: a quote with its lines, written in one request.

Amounts are computed on the server (``betterform.pricing``) and sent as strings, so clients
never add floats. Writes go through ``services.create_quote`` / ``services.update_quote``;
the serializer only validates and hands them plain dicts.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from betterform import services
from betterform.api.permissions import scope_to_owner
from betterform.api.representation import FastRepresentation, Getter, Shower, decimal_step
from betterform.api.serializers_customer import (
    CustomerUrlField,
    LockedField,
    QuoteAnswerSerializer,
)
from betterform.models import Quote, QuoteLine, Submission

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
# Quote totals are stored in DecimalField(max_digits=14, decimal_places=2).
MAX_TOTAL = services.MAX_QUOTE_TOTAL
MAX_LINES = services.MAX_QUOTE_LINES
# Where the quotes list puts each quote's lines (``Prefetch(to_attr=...)``): a plain list, so
# loading a page builds no related manager or queryset per quote.
PAGE_LINES = "page_lines"


class LineAmountField(serializers.DecimalField):
    """One of a line's computed amounts (gross, discount, tax, total), read-only.

    Computed from the line on output with the one rounding rule, so the API, the PDF and the
    stored quote totals always agree."""

    def __init__(self, amount: str, **kwargs: Any) -> None:
        self.amount = amount
        kwargs.update(read_only=True, source="*", max_digits=14, decimal_places=2)
        super().__init__(**kwargs)

    def to_representation(self, line: QuoteLine) -> str:
        return super().to_representation(getattr(line.amounts, self.amount))

    def representation_step(self) -> tuple[Getter, Shower]:
        """For ``FastRepresentation``: the same string, the amount's format set up once."""
        show, amount = decimal_step(self, as_decimal_field=True), self.amount

        def show_amount(line: QuoteLine) -> str:
            return show(getattr(line.amounts, amount))

        show_amount.context_free = True  # type: ignore[attr-defined]
        return (lambda line: line), show_amount


class LineListSerializer(serializers.ListSerializer):
    """Line errors as a list with one entry per line sent, ``{}`` for a good one:
    ``{"lines": [{}, {"quantity": ["..."]}]}``, so a client can match errors to the lines it
    sent by position. (DRF 3.18 answers a dict keyed by index by default.)"""

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            by_index = error.detail
            if isinstance(by_index, dict) and all(isinstance(key, int) for key in by_index):
                per_line = [by_index.get(index, {}) for index in range(len(data))]
                raise serializers.ValidationError(per_line) from None
            raise


class QuoteLineSerializer(FastRepresentation, serializers.ModelSerializer):
    gross = LineAmountField("gross", help_text="quantity x unit price, rounded to cents.")
    discount = LineAmountField("discount", help_text="gross x discount percent, rounded.")
    tax = LineAmountField("tax", help_text="(gross - discount) x tax rate, rounded.")
    total = LineAmountField("total", help_text="gross - discount + tax.")

    class Meta:
        model = QuoteLine
        list_serializer_class = LineListSerializer
        fields = [
            "id",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "tax_rate",
            "discount_percent",
            "gross",
            "discount",
            "tax",
            "total",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {
            "tax_rate": {"help_text": "Percent, 0-100 (e.g. 21.00)."},
            "discount_percent": {"help_text": "Percent, 0-100."},
        }


class ScopedSubmissionField(serializers.PrimaryKeyRelatedField):
    """A submission id the requester may see; anyone else's is "does not exist", like a 404."""

    def get_queryset(self) -> QuerySet[Submission]:
        return scope_to_owner(Submission.objects.select_related("form"), self.context["request"])


class QuoteSerializer(FastRepresentation, serializers.ModelSerializer):
    submission = ScopedSubmissionField(
        queryset=Submission.objects.all(),
        required=False,
        allow_null=True,
        help_text="The submission this quote answers; the quote's form follows from it.",
    )
    currency = serializers.CharField(
        required=False,
        min_length=3,
        max_length=3,
        help_text="ISO 4217 code; defaults to BETTERFORM_DEFAULT_CURRENCY.",
    )
    lines = QuoteLineSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text="Sent on update: replaces every line. Left out: the lines stay as they are.",
    )
    customer_url = CustomerUrlField(
        help_text="The quote's page for the customer (absolute); send it, or use send_quote."
    )
    locked = LockedField(
        help_text="Accepted, declined or expired: changes are refused (409); make a new "
        "version (new_quote_version) instead."
    )
    answer = QuoteAnswerSerializer(
        read_only=True,
        allow_null=True,
        help_text="The customer's answer on the quote page, or as a team member recorded it "
        "(record_quote_answer: `recorded_by`, `note`), or null. `signed_document`: the id of "
        "the accepted PDF with its acceptance page, once rendered (none for a recorded answer).",
    )

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "status",
            "submission",
            "form",
            "title",
            "customer_name",
            "customer_email",
            "currency",
            "valid_until",
            "notes",
            "subtotal",
            "discount_total",
            "tax_total",
            "total",
            "owner",
            "lines",
            "created_at",
            "updated_at",
            "customer_url",
            "sent_at",
            "first_viewed_at",
            "last_viewed_at",
            "view_count",
            "reminded_at",
            "previous_version",
            "locked",
            "answer",
        ]
        read_only_fields = [
            "number",
            "form",
            "subtotal",
            "discount_total",
            "tax_total",
            "total",
            "owner",
            "created_at",
            "updated_at",
            "sent_at",
            "first_viewed_at",
            "last_viewed_at",
            "view_count",
            "reminded_at",
            "previous_version",
        ]
        extra_kwargs = {
            "status": {
                "help_text": "Write draft or sent. A quote becomes accepted or rejected by its "
                "customer's answer (the quote page, or record_quote_answer), expired past its "
                "valid_until: writing those is a 400."
            }
        }

    def representation_getter(self, field: serializers.Field) -> Getter | None:
        if field.field_name == "lines":
            return _lines
        return None

    def validate_status(self, value: str) -> str:
        """Accepted, rejected and expired are refused (``services.check_settable_status``)."""
        quote_id = self.instance.pk if isinstance(self.instance, Quote) else None
        try:
            services.check_settable_status(value, quote_id)
        except services.StatusNotSettable as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def validate_currency(self, value: str) -> str:
        code = value.upper()
        if not _CURRENCY_CODE.fullmatch(code):
            raise serializers.ValidationError("Use a three-letter ISO 4217 code such as 'EUR'.")
        return code

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Refuse lines the quote cannot hold together (``services.check_lines``, which the
        admin's inline calls too)."""
        try:
            services.check_lines(lines)
        except ValueError as error:  # LinesInvalid, DoesNotFit
            raise serializers.ValidationError(str(error)) from None
        return lines

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "submission" in attrs:  # the form always follows the submission
            submission = attrs["submission"]
            attrs["form"] = submission.form if submission is not None else None
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Quote:
        lines = [dict(line) for line in validated_data.pop("lines", [])]
        return services.create_quote(lines=lines, **validated_data)

    def update(self, instance: Quote, validated_data: dict[str, Any]) -> Quote:
        lines = validated_data.pop("lines", None)
        # The view loads lines with prefetch_related; drop that cache so the totals and the
        # revision are computed from the lines as stored now, not as they were loaded.
        getattr(instance, "_prefetched_objects_cache", {}).pop("lines", None)
        instance.__dict__.pop(PAGE_LINES, None)
        return services.update_quote(
            instance,
            lines=None if lines is None else [dict(line) for line in lines],
            **validated_data,
        )


def _lines(quote: Quote) -> Any:
    """The quote's lines as the quotes list loaded them, else its related manager."""
    loaded = quote.__dict__.get(PAGE_LINES)
    return quote.lines if loaded is None else loaded
