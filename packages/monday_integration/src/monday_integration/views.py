"""monday_integration's HTTP endpoints: the webhook receiver and the staff API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import filters, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from createpdf import filtering
from monday_integration import sync, webhooks
from monday_integration.filters import WebhookEventFilter
from monday_integration.models import BoardMapping, WebhookEvent
from monday_integration.serializers import BoardMappingSerializer, WebhookEventSerializer


class WebhookView(APIView):
    """monday.com delivers here. The URL's secret names the board mapping and authenticates
    the delivery; a JWT present is verified when a signing secret is configured, and required
    only where the mapping (or the site) requires signed deliveries. Every kind of event is
    stored and answered 200 at once (``ignored`` unless it is the trigger)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
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
        try:
            delivery = webhooks.receive(
                secret,
                request._request.body,
                request.headers.get("Authorization", ""),
                request.build_absolute_uri(),
            )
        except webhooks.WebhookRejected as rejected:
            return Response({"detail": str(rejected)}, status=rejected.status)
        if delivery.challenge is not None:
            return Response({"challenge": delivery.challenge})
        event = delivery.event
        return Response(
            {"event": event.pk, "status": event.status, "duplicate": not delivery.created}
        )


class BoardMappingViewSet(viewsets.ModelViewSet):
    """Boards and the forms they feed (staff). Saving checks every column id on monday."""

    queryset = BoardMapping.objects.select_related("form", "owner")
    serializer_class = BoardMappingSerializer
    permission_classes = [permissions.IsAdminUser]
    filter_backends = [filtering.FilterBackend, filtering.SearchFilter, filters.OrderingFilter]
    search_fields = ["name", "board_id"]
    filterset_fields = ["active", "form"]


class WebhookEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """What monday delivered and what became of it (staff); failed events can be replayed."""

    queryset = WebhookEvent.objects.select_related("mapping")
    serializer_class = WebhookEventSerializer
    permission_classes = [permissions.IsAdminUser]
    filter_backends = [filtering.FilterBackend, filters.OrderingFilter]
    filterset_class = WebhookEventFilter
    ordering = ["-received_at", "-id"]

    @extend_schema(request=None, responses={202: WebhookEventSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Queue the event again (for failed events, or ones monday's outage left stuck)."""
        try:
            event = sync.schedule_replay(self.get_object())
        except sync.SyncError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(event).data, status=status.HTTP_202_ACCEPTED)
