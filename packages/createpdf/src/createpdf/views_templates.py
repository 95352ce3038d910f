"""createpdf's API for document templates (staff): stored overrides, the list of every
template a document can use, and the size-limited synchronous preview."""

from __future__ import annotations

import reversion
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import filters, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from createpdf import filtering
from createpdf.conf import conf
from createpdf.isolation import render_pdf
from createpdf.models import DocumentTemplate
from createpdf.parsers import JSONParser
from createpdf.renderers import FILE_ACTION, NO_FORMAT_PARAMETER, JSONErrorsMixin
from createpdf.rendering import RenderError
from createpdf.serializers import (
    AvailableTemplateSerializer,
    DocumentTemplateSerializer,
    PreviewSerializer,
)
from createpdf.template_store import available_templates
from createpdf.views import PDF_RESPONSE

PREVIEW_HEADERS = [
    OpenApiParameter(
        "Content-Disposition",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        response=[200],
        description='inline; filename="preview.pdf"',
    )
]


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
    lookup_value_regex = "[-a-zA-Z0-9_]+"  # a slug; DRF's default lets NUL through
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
        parameters=[*PREVIEW_HEADERS, NO_FORMAT_PARAMETER],
        responses={
            (200, "application/pdf"): PDF_RESPONSE,
            400: OpenApiResponse(description="Template error."),
        },
    )
    @action(detail=False, methods=["post"], **FILE_ACTION)
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
