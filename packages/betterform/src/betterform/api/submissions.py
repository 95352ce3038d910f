"""The submissions API: ``/submissions/`` (answers to a form, with the customer), moving a
submission through its workflow (``status``) and pricing it (``quote``). Registered on the
app's router by ``register(router)``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from betterform import services
from betterform.answers import AnswersError
from betterform.api.errors import Conflict
from betterform.api.history import HistoryMixin, record_revision
from betterform.api.history_schema import history_schema
from betterform.api.permissions import IsStaffRepOrAPIKey, owner_for_new_object, scope_to_owner
from betterform.api.serializers_submissions import (
    QuoteReceiptSerializer,
    StatusChangeSerializer,
    SubmissionSerializer,
    answers_error,
)
from betterform.filters import SubmissionFilter
from betterform.limits import DoesNotFit
from betterform.models import Submission

_NOT_FOUND = OpenApiResponse(description="No such submission that you can see.")


@extend_schema_view(
    retrieve=extend_schema(responses={200: SubmissionSerializer, 404: _NOT_FOUND}),
    destroy=extend_schema(responses={204: None, 404: _NOT_FOUND}),
    **history_schema(SubmissionSerializer),
)
class SubmissionViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Submissions. Reps see and change only their own; staff and API clients all of them.

    The status is read-only here: it starts as ``submitted`` (or ``draft``) and moves only
    through ``POST /submissions/{id}/status/``, which enforces the workflow.
    """

    serializer_class = SubmissionSerializer
    permission_classes = [IsStaffRepOrAPIKey]
    filterset_class = SubmissionFilter
    search_fields = ["customer_name", "customer_email", "customer_company"]
    ordering_fields = ["created_at", "updated_at", "status"]

    def get_queryset(self) -> QuerySet[Submission]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request user
            return Submission.objects.none()
        submissions = Submission.objects.select_related("owner", "form_version")
        return scope_to_owner(submissions, self.request)

    @extend_schema(
        request=StatusChangeSerializer,
        responses={
            200: SubmissionSerializer,
            400: OpenApiResponse(description="Not a status, or a draft's answers incomplete."),
            404: _NOT_FOUND,
            409: OpenApiResponse(description="The workflow does not allow this move."),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=StatusChangeSerializer)
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Move the submission through its workflow (e.g. quoted -> sent)."""
        submission = self.get_object()
        body = StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new_status = body.validated_data["status"]
        try:
            with record_revision(request, f"Status changed to {new_status} through the API."):
                services.change_status(submission, new_status)
        except services.IllegalTransition as error:
            raise Conflict(str(error)) from None
        except AnswersError as error:  # a draft submitted with answers still missing
            raise answers_error(error, submission.answers) from None
        return Response(
            SubmissionSerializer(submission, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(QuoteReceiptSerializer, description="Re-priced existing quote."),
            201: OpenApiResponse(QuoteReceiptSerializer, description="New quote."),
            400: OpenApiResponse(
                description="A draft whose answers are incomplete, or answers priced into "
                "amounts larger than a quote stores."
            ),
            404: _NOT_FOUND,
            409: OpenApiResponse(description="The submission is accepted or rejected (final)."),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=QuoteReceiptSerializer)
    def quote(self, request: Request, pk: str | None = None) -> Response:
        """Price the submission from its form's pricing; building again re-prices its quote."""
        submission = self.get_object()
        existed = submission.quotes.exists()
        owner = submission.owner or owner_for_new_object(request)
        try:
            with record_revision(request, "Quote built from the submission through the API."):
                quote = services.build_quote(submission, owner=owner)
        except AnswersError as error:  # a draft is submitted first: its answers must be complete
            raise answers_error(error, submission.answers) from None
        except services.IllegalTransition as error:  # accepted or rejected: final
            raise Conflict(str(error)) from None
        except DoesNotFit as error:  # an answer priced into a quantity or total too large
            raise ValidationError({"answers": [str(error)]}) from None
        data = QuoteReceiptSerializer(quote, context=self.get_serializer_context()).data
        return Response(data, status=http.HTTP_200_OK if existed else http.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the app's router."""
    router.register("submissions", SubmissionViewSet, basename="submission")
