"""createpdf's API: thin views over ``services``; rendering never happens in a request,
except the size-limited staff preview."""

from __future__ import annotations

from typing import Any

import reversion
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from createpdf import filtering, registry, services
from createpdf.access import IsUserOrAPIKey, api_key_id, user_of, visible_documents
from createpdf.conf import conf
from createpdf.filters import DocumentFilter
from createpdf.isolation import render_pdf
from createpdf.models import Document, DocumentTemplate
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
        request=DocumentRequestSerializer,
        responses={
            202: DocumentSerializer,
            200: OpenApiResponse(DocumentSerializer, description="Already rendered: no new job."),
            400: OpenApiResponse(description="Unknown template or source, or a bad context."),
        },
    )
)
class DocumentViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Documents you asked for (staff see all). Creating one queues a render job."""

    serializer_class = DocumentSerializer
    permission_classes = [IsUserOrAPIKey]
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
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)."),
            409: OpenApiResponse(description="Not rendered yet, or the render failed."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        document = self.get_object()
        if document.status != Document.Status.DONE or not document.file:
            detail = (
                f"the render failed: {document.error}"
                if document.status == Document.Status.FAILED
                else f"the document is {document.status}; download it when its status is done."
            )
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
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

    @extend_schema(request=None, responses={202: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def rerender(self, request: Request, pk: str | None = None) -> Response:
        """Render the document again with the current template (same id and URL)."""
        document = services.rerender(self.get_object())
        return queued_response(request, document)


class DocumentTemplateViewSet(viewsets.ModelViewSet):
    """Templates stored in the database (staff). A slug here overrides the packaged default."""

    queryset = DocumentTemplate.objects.all()
    serializer_class = DocumentTemplateSerializer
    permission_classes = [permissions.IsAdminUser]
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

    @extend_schema(responses=AvailableTemplateSerializer(many=True))
    # A plain list: neither paginated nor filtered (the schema must not say otherwise).
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[permissions.IsAuthenticated],
        pagination_class=None,
        filter_backends=[],
    )
    def available(self, request: Request) -> Response:
        """Every template a document can use: packaged defaults and database overrides."""
        rows = [
            {"slug": t.slug, "name": t.name, "origin": t.origin, "version": t.version}
            for t in available_templates()
        ]
        return Response(AvailableTemplateSerializer(rows, many=True).data)

    @extend_schema(
        request=PreviewSerializer,
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            400: OpenApiResponse(description="Template error."),
        },
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> HttpResponse:
        """Render synchronously for template authors (at most CREATEPDF_PREVIEW_MAX_PAGES)."""
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

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The reports you may request, with their parameters."""
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

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            202: DocumentSerializer,
            400: OpenApiResponse(description="Invalid parameters."),
            404: OpenApiResponse(description="No such report."),
        },
    )
    def post(self, request: Request, name: str) -> Response:
        """Queue a report; the parameters depend on the report (see the list)."""
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
