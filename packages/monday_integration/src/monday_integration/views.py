"""monday_integration's HTTP endpoints: the webhook receiver and the staff API."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import filters, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from createpdf import filtering
from createpdf.errors import Conflict
from createpdf.parsers import JSONParser
from monday_integration import sync, webhooks
from monday_integration.filters import WebhookEventFilter
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.serializers import BoardMappingSerializer, WebhookEventSerializer


class DeliveryRefused(APIException):
    """A refused delivery (``webhooks.WebhookRejected``) as an API error, with its status:
    400 for the body, 401 for the signature (monday retries those), 404 for an unknown URL.
    Not DRF's ``AuthenticationFailed``, which becomes a 403 on a view without authentication
    classes."""

    CODES = {400: "invalid", 401: "authentication_failed", 404: "not_found"}

    def __init__(self, rejected: webhooks.WebhookRejected) -> None:
        self.status_code = rejected.status
        super().__init__(str(rejected), self.CODES.get(rejected.status))


# A refused delivery is stored (``refused``) before the 401 is raised: a host project with
# ``ATOMIC_REQUESTS`` would roll that row back with the error (DRF's handler marks the request's
# transaction for rollback), so this view commits as it goes.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class WebhookView(APIView):
    """monday.com delivers here. The URL's secret names the board mapping and authenticates
    the delivery; a JWT present is verified when a signing secret is configured, and required
    only where the mapping (or the site) requires signed deliveries. Every kind of event is
    stored and answered 200 at once (``ignored`` unless it is the trigger)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[Any] = []
    # The body is read raw (``webhooks.receive`` checks its size and parses it); declared so
    # the schema says JSON, which is what monday sends.
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="receive_webhook",
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Challenge echoed, or event stored."
            ),
            400: OpenApiResponse(description="Malformed or oversized payload."),
            401: OpenApiResponse(
                description=(
                    "A JWT that does not verify (forged, expired, another URL), or none where "
                    "signed deliveries are required; the delivery is stored as refused."
                )
            ),
            404: OpenApiResponse(description="Unknown webhook URL."),
        },
    )
    def post(self, request: Request, secret: str) -> Response:
        """Receive a monday.com delivery.

        For monday.com, not for API clients: the board mapping's webhook URL, whose secret
        authenticates the delivery (no credentials; a JWT in ``Authorization`` is checked where
        signed deliveries are required). monday's ``challenge`` is echoed back. Any other
        event is stored and answered 200 at once with ``event``, its ``status`` (``ignored``
        unless it is the mapping's trigger, then synced by a worker) and ``duplicate`` (monday
        sent it before). A 404 for an unknown URL, a 401 for a signature that does not verify,
        a 400 for a malformed or oversized body."""
        try:
            delivery = webhooks.receive(
                secret,
                request._request.body,
                request.headers.get("Authorization", ""),
                request.build_absolute_uri(),
            )
        except webhooks.WebhookRejected as rejected:
            raise DeliveryRefused(rejected) from None
        if delivery.challenge is not None:
            return Response({"challenge": delivery.challenge})
        event = delivery.event
        return Response(
            {"event": event.pk, "status": event.status, "duplicate": not delivery.created}
        )


class BoardMappingViewSet(viewsets.ModelViewSet):
    """Boards and the forms they feed (staff). Saving checks every column id on monday.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    Every board mapping (staff only).

    create, update, partial_update:
    The mapping is checked against the real board and its form before it is saved: monday is
    asked for the board, and each column id, target and stage label that does not fit is a
    400 under its field. A 503 with ``Retry-After`` when monday cannot be asked. The answer
    includes the webhook URL to give monday.

    destroy:
    The webhook URL stops answering (404); the events it received stay, no longer linked to
    it, and its links between monday items and submissions go.
    """

    queryset = BoardMapping.objects.select_related("form", "owner")
    serializer_class = BoardMappingSerializer
    permission_classes = [permissions.IsAdminUser]
    parser_classes = [JSONParser]
    filter_backends = [filtering.FilterBackend, filtering.SearchFilter, filters.OrderingFilter]
    search_fields = ["name", "board_id"]
    filterset_fields = ["active", "form"]


class WebhookEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """What monday delivered and what became of it (staff); failed events can be replayed.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    Every delivery monday made to a board mapping's webhook URL (staff only), refused ones
    too.

    retrieve:
    The delivery's ``payload``, its ``status`` and ``stage`` in the sync, its ``attempts``
    and, for a failed one, the ``error``.
    """

    queryset = WebhookEvent.objects.select_related("mapping")
    serializer_class = WebhookEventSerializer
    permission_classes = [permissions.IsAdminUser]
    parser_classes = [JSONParser]
    filter_backends = [filtering.FilterBackend, filters.OrderingFilter]
    filterset_class = WebhookEventFilter
    ordering = ["-received_at", "-id"]

    @extend_schema(request=None, responses={202: WebhookEventSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Replay a webhook event.

        Queue the event for a worker again: a failed one, or one that monday's outage left
        stuck; a finished event runs its whole flow again. The answer (202) is the event,
        ``received`` again. A 409 for an ``ignored`` event (not a trigger), a ``refused``
        delivery (never authenticated; monday retries it), or one a worker is syncing now."""
        try:
            event = sync.schedule_replay(self.get_object())
        except sync.SyncError as error:
            raise Conflict(str(error)) from None
        return Response(self.get_serializer(event).data, status=status.HTTP_202_ACCEPTED)
