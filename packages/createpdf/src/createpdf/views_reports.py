"""createpdf's API for reports: the list of the reports you may run, and queueing one."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import permissions
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from createpdf import registry, services
from createpdf.parsers import JSONParser
from createpdf.serializers import (
    ReportSerializer,
)
from createpdf.views import QUEUED_HEADERS, QUEUED_RESPONSES, queued_response


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


def _report_parameters() -> list[type]:
    """Each registered report's parameters serializer (read when the schema is generated)."""
    return [report.parameters for report in registry.reports().values()]


# The body is one report's parameters: a client generator gets a typed body per report.
REPORT_PARAMETERS = PolymorphicProxySerializer(
    component_name="ReportParameters",
    serializers=_report_parameters,
    resource_type_field_name=None,
)


class ReportRequestView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="request_report",
        request=REPORT_PARAMETERS,
        parameters=QUEUED_HEADERS,
        responses={
            # The same report within its window (a minute) is the document already asked for.
            **QUEUED_RESPONSES,
            400: OpenApiResponse(description="Invalid parameters."),
            404: OpenApiResponse(description="No such report."),
        },
    )
    def post(self, request: Request, name: str) -> Response:
        """Request a report.

        Queue the report's PDF with the parameters in the body (each report's are in
        ``list_reports``; a 400 names each one at fault). The answer is the document, as for
        ``request_document``: 202 while it is on its way, 200 when the same report is already
        rendered. The request only validates and queues: the worker computes the report. The
        same report with the same parameters within a minute is the document already asked
        for. A 404 for no report of that name, a 403 for one you may not run."""
        report = registry.reports().get(name)
        if report is None:
            raise NotFound(f"no report named {name!r}.")
        if not report.allowed(request):
            raise PermissionDenied(f"you may not run the {name!r} report.")
        parameters = report.parameters(data=request.data)
        parameters.is_valid(raise_exception=True)
        document, _ = services.request_report(
            report, parameters.validated_data, requested_by=request.user
        )
        return queued_response(request, document)
