"""createpdf's API: thin views over ``services``; rendering never happens in a request,
except the size-limited staff preview."""

from __future__ import annotations

from typing import Any

import reversion
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from createpdf import filtering, registry, services
from createpdf.access import IsUserOrAPIKey, api_key_id, user_of, visible_documents
from createpdf.conf import conf
from createpdf.errors import Conflict
from createpdf.filters import DocumentFilter
from createpdf.isolation import render_pdf
from createpdf.models import Document, DocumentTemplate
from createpdf.parsers import JSONParser
from createpdf.renderers import BINARY_RENDERERS, JSONErrorsMixin
from createpdf.rendering import RenderError
from createpdf.serializers import (
    AvailableTemplateSerializer,
    DocumentRequestSerializer,
    DocumentSerializer,
    DocumentTemplateSerializer,
    PreviewSerializer,
    ReportSerializer,
)
from createpdf.template_store import available_templates

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
PREVIEW_HEADERS = [
    OpenApiParameter(
        "Content-Disposition",
        OpenApiTypes.STR,
        _HEADER,
        required=True,
        response=[200],
        description='inline; filename="preview.pdf"',
    )
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
            202: DocumentSerializer,
            200: OpenApiResponse(DocumentSerializer, description="Already rendered: no new job."),
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
        parameters=DOWNLOAD_HEADERS,
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)."),
            409: OpenApiResponse(description="Not rendered yet, or the render failed."),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=BINARY_RENDERERS)
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

    @extend_schema(request=None, parameters=QUEUED_HEADERS, responses={202: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def rerender(self, request: Request, pk: str | None = None) -> Response:
        """Render a document again.

        Render the document again with the current template, say after a template fix or a
        failed render; it keeps its id and URL. The answer is 202 with the document, queued
        (``Location``: its ``url``, to poll). A document already queued, or rendering, is left
        to that render."""
        document = services.rerender(self.get_object())
        return queued_response(request, document)


class DocumentTemplateViewSet(JSONErrorsMixin, viewsets.ModelViewSet):
    """Templates stored in the database (staff). A slug here overrides the packaged default.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    Only the templates stored in the database; ``list_available_templates`` lists every
    template a document can use, packaged ones too.

    create:
    ``html`` and ``css`` must compile as templates (a 400 says where they do not). An active
    template overrides the packaged one of the same slug for the documents requested from now
    on.

    update, partial_update:
    Documents requested from now on use the new text; rendered ones keep their PDF until
    ``rerender_document``.

    destroy:
    Documents of that slug use the packaged template again, if there is one. Staff can
    recover a deleted template in the admin (Recover deleted).
    """

    queryset = DocumentTemplate.objects.all()
    serializer_class = DocumentTemplateSerializer
    permission_classes = [permissions.IsAdminUser]
    parser_classes = [JSONParser]
    lookup_field = "slug"
    filter_backends = [filtering.SearchFilter, filters.OrderingFilter]
    search_fields = ["slug", "name"]
    ordering = ["slug"]

    def perform_create(self, serializer: DocumentTemplateSerializer) -> None:
        with reversion.create_revision():
            serializer.save()
            reversion.set_user(self.request.user)
            reversion.set_comment("Created through the API.")

    def perform_update(self, serializer: DocumentTemplateSerializer) -> None:
        with reversion.create_revision():
            serializer.save()
            reversion.set_user(self.request.user)
            reversion.set_comment("Changed through the API.")

    @extend_schema(
        operation_id="list_available_templates", responses=AvailableTemplateSerializer(many=True)
    )
    # A plain list: neither paginated nor filtered (the schema must not say otherwise).
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[permissions.IsAuthenticated],
        pagination_class=None,
        filter_backends=[],
    )
    def available(self, request: Request) -> Response:
        """List the templates a document can use.

        Every template a document can be requested with: the packaged defaults and the active
        database templates, which override the default of their slug (``origin`` says which).
        One list sorted by slug, not paginated; for any logged-in user or API client."""
        rows = [
            {"slug": t.slug, "name": t.name, "origin": t.origin, "version": t.version}
            for t in available_templates()
        ]
        return Response(AvailableTemplateSerializer(rows, many=True).data)

    @extend_schema(
        request=PreviewSerializer,
        parameters=PREVIEW_HEADERS,
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            400: OpenApiResponse(description="Template error."),
        },
    )
    @action(detail=False, methods=["post"], renderer_classes=BINARY_RENDERERS)
    def preview(self, request: Request) -> HttpResponse:
        """Preview a template as a PDF.

        Render a stored ``template`` (by slug) or unsaved ``html`` and ``css`` at once, with
        ``context`` (default: the template's sample context), for template authors (staff); up
        to the site's ``CREATEPDF_PREVIEW_MAX_PAGES`` pages, nothing stored. The answer is the
        PDF; errors are JSON whatever you accept: a 400 under ``html`` when the template does
        not compile or render, or passes a limit."""
        serializer = PreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            rendered = render_pdf(
                data["html"],
                data["css"],
                data["context"],
                max_pages=conf.CREATEPDF_PREVIEW_MAX_PAGES,
            )
        except RenderError as error:
            raise ValidationError({"html": [str(error)]}) from None
        return HttpResponse(
            rendered.content,
            content_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="preview.pdf"'},
        )


class ReportListView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="list_reports", responses=ReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        """List the reports you may request.

        Each report you may run, with its ``parameters`` (name -> type and help) and the
        ``url`` to request it at (``request_report``). One list, not paginated."""
        rows = [
            {
                "name": report.name,
                "title": report.title,
                "description": report.description,
                "parameters": {
                    name: {"type": type(field).__name__, "help": str(field.help_text or "")}
                    for name, field in report.parameters().fields.items()
                },
                "url": request.build_absolute_uri(
                    reverse("createpdf:report-request", args=[report.name])
                ),
            }
            for report in registry.reports().values()
            if report.allowed(request)
        ]
        return Response(ReportSerializer(rows, many=True).data)


class ReportRequestView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="request_report",
        request=OpenApiTypes.OBJECT,
        parameters=QUEUED_HEADERS,
        responses={
            202: DocumentSerializer,
            # The same report within the minute (its generated_at) is the finished document.
            200: OpenApiResponse(DocumentSerializer, description="Already rendered: no new job."),
            400: OpenApiResponse(description="Invalid parameters."),
            404: OpenApiResponse(description="No such report."),
        },
    )
    def post(self, request: Request, name: str) -> Response:
        """Request a report.

        Queue the report's PDF with the parameters in the body (each report's are in
        ``list_reports``; a 400 names each one at fault). The answer is the document, as for
        ``request_document``: 202 while it is on its way, 200 when the same report is already
        rendered. A 404 for no report of that name, a 403 for one you may not run."""
        report = registry.reports().get(name)
        if report is None:
            raise NotFound(f"no report named {name!r}.")
        if not report.allowed(request):
            raise PermissionDenied(f"you may not run the {name!r} report.")
        parameters = report.parameters(data=request.data)
        parameters.is_valid(raise_exception=True)
        document, _ = services.request_document(
            template_slug=report.template_slug,
            context=report.build_context(parameters.validated_data, request),
            requested_by=request.user,
            title=report.title,
        )
        return queued_response(request, document)
