"""Serializers for submissions: the full submission (API clients, reps, staff), the public
form's submission and its receipt, and the bodies of the status and quote actions.

Writes go through ``services.create_submission`` / ``services.update_submission``, which
validate the answers against the form version; their errors become 400s keyed by field.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from betterform import services
from betterform.answers import AnswersError
from betterform.api.permissions import owner_for_new_object, scope_to_owner
from betterform.api.representation import FastRepresentation
from betterform.limits import max_length
from betterform.models import Form, Quote, Submission

Status = Submission.Status
NEW_STATUSES = (Status.DRAFT, Status.SUBMITTED)


def answers_error(error: AnswersError, answers: Any) -> serializers.ValidationError:
    """``{"answers": {"<key>": [...]}}``; a problem with the answers as a whole (too large) is
    ``{"answers": [...]}``, unless a field is really called ``answers``."""
    errors = error.errors
    if set(errors) == {"answers"} and not (isinstance(answers, dict) and "answers" in answers):
        return serializers.ValidationError({"answers": errors["answers"]})
    return serializers.ValidationError({"answers": errors})


def _customer(validated_data: dict[str, Any]) -> dict[str, Any]:
    """Take the customer's fields (flattened by ``CustomerSerializer(source="*")``) out."""
    return {
        name: validated_data.pop(f"customer_{name}")
        for name in services.CUSTOMER_FIELDS
        if f"customer_{name}" in validated_data
    }


def _answers(value: Any) -> Any:
    if not isinstance(value, dict):
        raise serializers.ValidationError("must be an object of field key -> answer")
    return value


def _limit(field: str) -> int | None:
    return max_length(Submission, field)


class CustomerSerializer(FastRepresentation, serializers.Serializer):
    """The customer, stored on the submission's ``customer_*`` columns; the API refuses what
    is longer than a column holds (``max_length`` read from the model)."""

    name = serializers.CharField(
        source="customer_name", max_length=_limit("customer_name"), required=False, allow_blank=True
    )
    email = serializers.EmailField(
        source="customer_email",
        max_length=_limit("customer_email"),
        required=False,
        allow_blank=True,
    )
    phone = serializers.CharField(
        source="customer_phone",
        max_length=_limit("customer_phone"),
        required=False,
        allow_blank=True,
    )
    company = serializers.CharField(
        source="customer_company",
        max_length=_limit("customer_company"),
        required=False,
        allow_blank=True,
    )
    address = serializers.CharField(source="customer_address", required=False, allow_blank=True)


class VisibleFormField(serializers.PrimaryKeyRelatedField):
    """A form id the requester may see: another rep's form "does not exist" for a rep."""

    def get_queryset(self) -> QuerySet[Form]:
        return scope_to_owner(Form.objects.all(), self.context["request"])


class SubmissionSerializer(FastRepresentation, serializers.ModelSerializer):
    form = VisibleFormField(
        queryset=Form.objects.all(), help_text="The form answered; set on create only."
    )
    form_version = serializers.IntegerField(source="form_version.number", read_only=True)
    customer = CustomerSerializer(source="*", required=False)
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="On create: 'submitted' (default) or 'draft'. Afterwards change it with "
        "POST /submissions/{id}/status/.",
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "form",
            "form_version",
            "answers",
            "customer",
            "status",
            "source",
            "external_reference",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["source", "created_at", "updated_at"]

    def validate_answers(self, value: Any) -> Any:
        return _answers(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        submission = self.instance
        if submission is None:
            if attrs.get("status", Status.SUBMITTED) not in NEW_STATUSES:
                raise serializers.ValidationError(
                    {"status": "a new submission is 'draft' or 'submitted'."}
                )
            return attrs
        if "form" in attrs and attrs["form"] != submission.form:
            raise serializers.ValidationError(
                {"form": "cannot be changed; create a new submission for another form."}
            )
        if "status" in attrs and attrs["status"] != submission.status:
            raise serializers.ValidationError(
                {"status": "change it with POST /submissions/{id}/status/."}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Submission:
        customer = _customer(validated_data)
        answers = validated_data.get("answers", {})
        try:
            return services.create_submission(
                validated_data["form"],
                answers=answers,
                customer=customer,
                status=validated_data.get("status", Status.SUBMITTED),
                source=Submission.Source.API,
                owner=owner_for_new_object(self.context["request"]),
                external_reference=validated_data.get("external_reference", ""),
            )
        except AnswersError as error:
            raise answers_error(error, answers) from None

    def update(self, instance: Submission, validated_data: dict[str, Any]) -> Submission:
        customer = _customer(validated_data)
        answers = validated_data.get("answers")
        try:
            return services.update_submission(
                instance,
                answers=answers,
                customer=customer,
                external_reference=validated_data.get("external_reference"),
            )
        except AnswersError as error:
            raise answers_error(error, answers) from None


class PublicSubmissionSerializer(serializers.Serializer):
    """An anonymous visitor's answers to a published form (``context["form"]``)."""

    answers = serializers.JSONField()
    customer = CustomerSerializer(source="*", required=False)

    def validate_answers(self, value: Any) -> Any:
        return _answers(value)

    def create(self, validated_data: dict[str, Any]) -> Submission:
        form: Form = self.context["form"]
        customer = _customer(validated_data)
        answers = validated_data["answers"]
        try:
            return services.create_submission(
                form,
                answers=answers,
                customer=customer,
                status=Status.SUBMITTED,
                source=Submission.Source.PUBLIC,
                owner=form.owner,  # the form's rep follows up what their form brings in
            )
        except AnswersError as error:
            raise answers_error(error, answers) from None


class SubmissionReceiptSerializer(serializers.ModelSerializer):
    """What the public endpoint answers: proof of receipt, nothing internal."""

    class Meta:
        model = Submission
        fields = ["id", "status", "created_at"]
        read_only_fields = fields


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


class QuoteReceiptSerializer(serializers.ModelSerializer):
    """The quote built from a submission, with the address of its full representation."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = ["id", "number", "total", "currency", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, quote: Quote) -> str:
        try:
            path = reverse("betterform:quote-detail", args=[quote.pk])
        except NoReverseMatch:  # the quotes API is not routed: its address by convention
            path = f"{reverse('betterform:api-root')}quotes/{quote.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
