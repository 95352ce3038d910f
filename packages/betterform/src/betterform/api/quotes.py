"""The quotes API: ``/quotes/`` with nested lines, its audit history and ``pdf/``.

Registered on the app's router by ``register(router)``. Reps see and change only their own
quotes (anyone else's is a 404); staff and API clients see all. Every write is one revision
(``HistoryMixin``), and the totals are always computed by ``services``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Prefetch, ProtectedError, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from betterform import services
from betterform.api.errors import Conflict
from betterform.api.history import HistoryMixin, record_revision
from betterform.api.history_schema import RestoreRefused, history_schema, restored_serializer
from betterform.api.permissions import IsStaffRepOrAPIKey, owner_for_new_object, scope_to_owner
from betterform.api.quote_answers import QuoteAnswerMixin
from betterform.api.quote_sending import QuoteSendMixin
from betterform.api.serializers_quotes import PAGE_LINES, QuoteSerializer
from betterform.documents import request_quote_pdf
from betterform.models import Quote
from betterform.quote_filters import QuoteFilter
from createpdf.access import api_key_id, user_of
from createpdf.parsers import JSONParser
from createpdf.views import QUEUED_HEADERS, QUEUED_RESPONSES, queued_response

_NOT_FOUND = OpenApiResponse(description="No such quote that you can see.")
_LOCKED = OpenApiResponse(
    description="The quote is accepted, declined or expired, so it is locked: `detail` says "
    "how to make a new version (new_quote_version)."
)
# The writes a locked quote refuses (409), checked before the request body is.
LOCKED_ACTIONS = frozenset({"update", "partial_update", "destroy", "revert"})
_HISTORY = history_schema(QuoteSerializer)
_HISTORY["revert"] = [  # the history's revert, and its 409 for a locked quote too
    _HISTORY["revert"],
    extend_schema(
        responses={
            200: restored_serializer(QuoteSerializer),
            400: OpenApiResponse(description="No version id sent."),
            404: OpenApiResponse(description="No such version that you can see."),
            409: OpenApiResponse(
                RestoreRefused,
                description="A required parent no longer exists (`missing` names it), or the "
                "quote is locked (accepted, declined or expired; `missing` is empty).",
            ),
        }
    ),
]


@contextmanager
def conflict_when_locked(**extra: Any) -> Iterator[None]:
    """``services.QuoteLocked`` raised inside becomes the API's 409 with its message."""
    try:
        yield
    except services.QuoteLocked as error:
        raise Conflict(str(error), code="locked", extra=extra or None) from None


class OwnedCreateMixin:
    """New objects belong to the requesting user (nobody, for an API key client). Sits
    after ``HistoryMixin`` so the save happens inside its revision."""

    request: Request

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.save(owner=owner_for_new_object(self.request))


@extend_schema_view(
    retrieve=extend_schema(responses={200: QuoteSerializer, 404: _NOT_FOUND}),
    update=extend_schema(responses={200: QuoteSerializer, 404: _NOT_FOUND, 409: _LOCKED}),
    partial_update=extend_schema(responses={200: QuoteSerializer, 404: _NOT_FOUND, 409: _LOCKED}),
    destroy=extend_schema(responses={204: None, 404: _NOT_FOUND, 409: _LOCKED}),
    **_HISTORY,
)
class QuoteViewSet(
    HistoryMixin, OwnedCreateMixin, QuoteSendMixin, QuoteAnswerMixin, viewsets.ModelViewSet
):
    """Quotes with their lines. Sending ``lines`` replaces them all; totals are read-only.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    A rep gets their own quotes; staff and API clients get every quote. Each comes with its
    lines.

    create:
    A quote and its ``lines`` in one request. The server gives it its ``number`` (gapless,
    per year) and computes every amount: each line's ``gross``, ``discount``, ``tax`` and
    ``total``, and the quote's totals (amounts are decimal strings). Line errors come as a
    list with one entry per line sent (``{}`` for a good one). ``submission`` (one you may
    see) sets ``form``. The quote belongs to you (to nobody for an API key client).
    ``status`` is draft or sent: accepted and rejected come from the customer's answer
    (``record_quote_answer`` for one given by phone or on paper), expired from the expiry.

    update, partial_update:
    ``lines``, when sent, replace every line of the quote (left out, they stay); the totals
    are computed again. Amounts, ``number`` and ``form`` are read-only, and so is what the
    customer's side records (``customer_url``, views, ``answer``). A quote the customer
    accepted or declined, or that expired, is ``locked``: 409, make a new version
    (``new_quote_version``) and change that.

    destroy:
    The quote goes with its lines; its PDF documents stay. A deleted quote's last version
    (with its lines) is kept: ``list_deleted_quotes`` lists it and ``recover_quote`` brings
    it back. A ``locked`` quote is kept: 409.
    """

    serializer_class = QuoteSerializer
    permission_classes = [IsStaffRepOrAPIKey]
    parser_classes = [JSONParser]
    filterset_class = QuoteFilter
    search_fields = ["number", "title", "customer_name", "customer_email"]
    ordering_fields = ["created_at", "total", "number"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Quote]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request user
            return Quote.objects.none()
        # No select_related: the answer names the owner, form and submission by id only. The
        # list takes each page's lines as plain lists (no queryset per quote); every other
        # action keeps the related manager's cache, which writes drop and reload.
        if self.action == "list":
            lines = Prefetch("lines", to_attr=PAGE_LINES)
        else:
            lines = Prefetch("lines")
        # The answer and who recorded it: one query each a page.
        quotes = Quote.objects.prefetch_related(lines, "answer", "answer__recorded_by")
        return scope_to_owner(quotes, self.request)

    def get_object(self) -> Quote:
        """The quote; for a write, only one that is not locked (409 before the body is read)."""
        quote = super().get_object()
        if self.action in LOCKED_ACTIONS:
            # A refused revert keeps its documented body: the restore error's ``missing``.
            extra = {"missing": []} if self.action == "revert" else {}
            with conflict_when_locked(**extra):
                services.check_unlocked(quote)
        return quote

    def perform_update(self, serializer: serializers.Serializer) -> None:
        with conflict_when_locked():  # locked meanwhile (the customer answered)
            super().perform_update(serializer)

    def perform_destroy(self, instance: Quote) -> None:
        try:
            super().perform_destroy(instance)
        except ProtectedError:  # answered since get_object: the answer keeps the quote
            with conflict_when_locked():
                services.check_unlocked(instance)
            raise Conflict("This quote has an answer from its customer and is kept.") from None

    def after_revert(self, instance: Quote) -> None:
        """A reverted or recovered quote gets its totals from the lines it got back; a locked
        one (an expired quote deleted in the admin, recovered) comes back as its version
        stored it, totals included."""
        getattr(instance, "_prefetched_objects_cache", {}).pop("lines", None)
        if instance.status not in services.LOCKED_STATUSES:
            services.recalculate(instance)

    @extend_schema(
        operation_id="new_quote_version",
        request=None,
        responses={201: QuoteSerializer, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        """Make a new version of a quote.

        Copy the quote into a new draft to change and send again: the way to change a quote
        the customer accepted or declined, or that expired (it is ``locked``). The copy has a
        new ``number`` and customer page, the same customer, submission, texts, lines and
        owner, a fresh ``valid_until``, and ``previous_version`` naming the quote it was
        copied from (which stays as it is).
        Any quote may be copied. The answer is 201 with the new quote."""
        quote = self.get_object()
        with record_revision(request, f"New version of {quote.number} through the API."):
            copy = services.new_version(quote)
        copy = self.get_queryset().get(pk=copy.pk)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="request_quote_pdf",
        request=None,
        parameters=QUEUED_HEADERS,
        responses={
            **QUEUED_RESPONSES,
            404: _NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def pdf(self, request: Request, pk: str | None = None) -> Response:
        """Request the quote's PDF.

        Queue the quote's PDF document and answer 202 with it (``Location``: its ``url``):
        poll ``get_document`` until its ``status`` is ``done``, then fetch the PDF with
        ``download_document`` (its ``download_url``). An unchanged quote gets the document
        already asked for: 200 once it is rendered, 202 while it is on its way."""
        quote = self.get_object()
        document, _ = request_quote_pdf(
            quote, requested_by=user_of(request), requested_by_key=api_key_id(request)
        )
        return queued_response(request, document)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the app's router."""
    router.register("quotes", QuoteViewSet, basename="quote")
