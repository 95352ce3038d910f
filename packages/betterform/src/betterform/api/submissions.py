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
from createpdf.parsers import JSONParser

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

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    A rep gets their own submissions; staff and API clients get every submission.

    create:
    Answers to ``form`` (a form you may see), checked against its current version: a 400 names
    each answer at fault. ``status`` is ``submitted`` (the default: every required answer
    given) or ``draft`` (answers may be incomplete). The submission belongs to you (to nobody
    for an API key client) and its ``source`` is ``api``.

    update, partial_update:
    ``answers`` are checked against the form version the submission answered (a draft's may
    still be incomplete). ``form`` cannot change, and neither can ``status`` here (a 400):
    move it with ``set_submission_status``.

    destroy:
    Quotes built from the submission stay, no longer linked to it. A deleted submission's
    last version is kept: ``list_deleted_submissions`` lists it and ``recover_submission``
    brings it back.
    """

    serializer_class = SubmissionSerializer
    permission_classes = [IsStaffRepOrAPIKey]
    parser_classes = [JSONParser]
    filterset_class = SubmissionFilter
    search_fields = ["customer_name", "customer_email", "customer_company"]
    ordering_fields = ["created_at", "updated_at", "status"]

    def get_queryset(self) -> QuerySet[Submission]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request user
            return Submission.objects.none()
        submissions = Submission.objects.select_related("owner", "form_version")
        if self.action == "list":  # a page shows the version's number: not its schema's JSON
            submissions = submissions.defer("form_version__schema")
        return scope_to_owner(submissions, self.request)

    @extend_schema(
        operation_id="set_submission_status",
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
        """Set a submission's status.

        Move the submission one step through its workflow: ``draft`` -> ``submitted`` (its
        answers must be complete, else a 400 naming them); ``submitted`` -> ``quoted`` or back
        to ``draft``; ``quoted`` -> ``sent`` or back to ``submitted``; ``sent`` ->
        ``accepted``, ``rejected`` or back to ``quoted``. ``accepted`` and ``rejected`` are
        final. Any other move is a 409 whose ``detail`` lists the moves allowed. The answer is
        the submission."""
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
        """Build the submission's quote.

        Price the answers with the pricing of the form version they answered, into a quote
        with its lines. The first time, a new quote (201); again (say after the answers
        changed), the same quote re-priced (200); either way the answer is the quote's id,
        ``number``, ``total``, ``currency`` and ``url``. A ``draft`` or ``submitted``
        submission becomes ``quoted``. A 400 for a draft whose answers are incomplete, or
        answers priced into amounts larger than a quote holds; a 409 once the submission is
        ``accepted`` or ``rejected`` (its quote is final), or its quote is locked (answered or
        expired: make a new version of it)."""
        submission = self.get_object()
        existed = submission.quotes.exists()
        owner = submission.owner or owner_for_new_object(request)
        try:
            with record_revision(request, "Quote built from the submission through the API."):
                quote = services.build_quote(submission, owner=owner)
        except AnswersError as error:  # a draft is submitted first: its answers must be complete
            raise answers_error(error, submission.answers) from None
        except (services.IllegalTransition, services.QuoteLocked) as error:  # final, or locked
            raise Conflict(str(error)) from None
        except DoesNotFit as error:  # an answer priced into a quantity or total too large
            raise ValidationError({"answers": [str(error)]}) from None
        data = QuoteReceiptSerializer(quote, context=self.get_serializer_context()).data
        return Response(data, status=http.HTTP_200_OK if existed else http.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the app's router."""
    router.register("submissions", SubmissionViewSet, basename="submission")
