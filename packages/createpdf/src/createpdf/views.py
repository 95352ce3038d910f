"""createpdf's API for documents: thin views over ``services``; rendering never happens in a
request (templates and their preview: ``views_templates``; reports: ``views_reports``)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from createpdf import filtering, services
from createpdf.access import IsUserOrAPIKey, api_key_id, user_of, visible_documents
from createpdf.errors import Conflict
from createpdf.filters import DocumentFilter
from createpdf.models import Document
from createpdf.parsers import JSONParser
from createpdf.renderers import FILE_ACTION, NO_FORMAT_PARAMETER, JSONErrorsMixin
from createpdf.serializers import (
    DocumentRequestSerializer,
    DocumentSerializer,
)

PDF_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF file.")

# Headers, for the schema (drf-spectacular: an OpenApiParameter with ``response`` is a response
# header of those codes). What ``queued_response`` and the PDF actions send.
_HEADER = OpenApiParameter.HEADER
QUEUED_HEADERS = [
    OpenApiParameter(
        "Location",
        OpenApiTypes.URI,
        _HEADER,
        required=True,
        response=[200, 202],
        description="The document's status URL (its `url`): poll it until `status` is done.",
    )
]
# The answers of an action that queues a document (``queued_response``).
QUEUED_RESPONSES = {
    202: DocumentSerializer,
    200: OpenApiResponse(DocumentSerializer, description="Already rendered: no new job."),
}
DOWNLOAD_HEADERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        _HEADER,
        description="The ETag of the copy you have: 304 (no body) while it is still the PDF.",
    ),
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        _HEADER,
        required=True,
        response=[200, 304],
        description="The PDF's SHA-256, quoted.",
    ),
    OpenApiParameter(
        "Content-Disposition",
        OpenApiTypes.STR,
        _HEADER,
        required=True,
        response=[200],
        description='attachment; filename="<title>-<id>.pdf"',
    ),
]


def queued_response(request: Request, document: Document) -> Response:
    """202 with the status URL while the document is on its way; 200 when it already is done."""
    body = DocumentSerializer(document, context={"request": request}).data
    code = (
        status.HTTP_200_OK if document.status == Document.Status.DONE else status.HTTP_202_ACCEPTED
    )
    headers = {"Location": body["url"]}
    return Response(body, status=code, headers=headers)


@extend_schema_view(
    create=extend_schema(
        operation_id="request_document",
        summary="Request a document",
        description=(
            "Queue a PDF: either a `template` slug (see `list_available_templates`) with its "
            '`context`, or a registered `source` (`{"type": ..., "id": ...}`) whose '
            "template and context the server builds. The answer is 202 with the document "
            "(`Location`: its `url`): poll `get_document` until its `status` is `done`, then "
            "`download_document`. The same request again gets the document already asked for: "
            "200 once it is rendered, 202 while it is on its way. A 400 names an unknown "
            "template or source, or a bad context."
        ),
        request=DocumentRequestSerializer,
        parameters=QUEUED_HEADERS,
        responses={
            **QUEUED_RESPONSES,
            400: OpenApiResponse(description="Unknown template or source, or a bad context."),
        },
    )
)
class DocumentViewSet(
    JSONErrorsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Documents you asked for (staff see all). Creating one queues a render job.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    Your documents (an API key client: the ones it asked for); staff get every document.

    retrieve:
    Poll this while ``status`` is ``queued`` or ``rendering``: at ``done`` its
    ``download_url`` gives the PDF; at ``failed``, ``error`` says why.
    """

    serializer_class = DocumentSerializer
    permission_classes = [IsUserOrAPIKey]
    parser_classes = [JSONParser]
    filter_backends = [filtering.FilterBackend, filters.OrderingFilter]
    filterset_class = DocumentFilter
    ordering_fields = ["created_at", "finished_at", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        documents = Document.objects.select_related("source_type")
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real user
            return documents.none()
        return visible_documents(documents, self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DocumentRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "source_definition" in data:
            source, instance = data["source_definition"], data["source_instance"]
            document, _ = services.request_document(
                template_slug=source.template_slug,
                context=source.build_context(instance),
                requested_by=user_of(request),
                requested_by_key=api_key_id(request),
                source=instance,
                title=data.get("title") or source.title(instance),
            )
        else:
            document, _ = services.request_document(
                template_slug=data["template"],
                template=data["resolved_template"],
                context=data["context"],
                requested_by=user_of(request),
                requested_by_key=api_key_id(request),
                title=data.get("title", ""),
            )
        return queued_response(request, document)

    @extend_schema(
        parameters=[*DOWNLOAD_HEADERS, NO_FORMAT_PARAMETER],
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)."),
            409: OpenApiResponse(description="Not rendered yet, or the render failed."),
        },
    )
    @action(detail=True, methods=["get"], **FILE_ACTION)
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        """Download the document's PDF.

        The PDF (``Accept: application/pdf`` or any) once the document's ``status`` is
        ``done``; errors are JSON whatever you accept. A 409 while it is queued or rendering
        (poll ``get_document``) or when its render failed (``detail`` says why;
        ``rerender_document`` tries again). Send the ``ETag`` back as ``If-None-Match`` for a
        304 with no body while the PDF is unchanged."""
        document = self.get_object()
        if document.status != Document.Status.DONE or not document.file:
            raise Conflict(
                f"The render failed: {document.error}"
                if document.status == Document.Status.FAILED
                else f"The document is {document.status}; download it when its status is done."
            )
        etag = f'"{document.sha256}"'
        if etag in request.headers.get("If-None-Match", ""):
            return HttpResponse(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type="application/pdf",
        )
        response["ETag"] = etag
        return response

    @extend_schema(
        request=None,
        parameters=QUEUED_HEADERS,
        responses={
            202: DocumentSerializer,
            200: OpenApiResponse(
                DocumentSerializer,
                description="The render it was left to finished before the answer: done.",
            ),
            409: OpenApiResponse(
                description="The document is kept as a record: it is never rendered again."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def rerender(self, request: Request, pk: str | None = None) -> Response:
        """Render a document again.

        Render the document again with the current template, say after a template fix or a
        failed render; it keeps its id and URL. The answer is 202 with the document, queued
        (``Location``: its ``url``, to poll). A document already queued, or rendering, is left
        to that render; when that render finishes before the answer goes out, the answer is
        200 with the document done (found by ``./dev fuzz``'s stateful phase). A document kept
        as a record (``kept``: e.g. a PDF someone signed) is never rendered
        again: 409, and its file stays as it is; request a new document instead."""
        try:
            document = services.rerender(self.get_object())
        except services.DocumentKept as error:
            raise Conflict(str(error)) from None
        return queued_response(request, document)
