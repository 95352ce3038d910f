"""Content negotiation for the actions that answer a file (a document's download, a template
preview).

Such an action lists ``BINARY_RENDERERS``: JSON, and ``PDFRenderer`` so that a client sending
``Accept: application/pdf`` (what a client generated from the schema sends) reaches the view
instead of a 406. The view answers the PDF itself (a ``FileResponse`` or ``HttpResponse``,
whatever the ``Accept``); its errors are DRF ``Response`` objects, and ``JSONErrorsMixin``
renders those as JSON with the API's error body whatever the ``Accept`` said, since a PDF
renderer cannot carry them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings


class PDFRenderer(BaseRenderer):
    """``application/pdf``: passes the bytes a view already rendered through unchanged."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if not isinstance(data, bytes):
            raise TypeError(f"PDFRenderer renders bytes, not {type(data).__name__}.")
        return data


# JSON first: what DRF falls back to when it answers a failed negotiation (406).
BINARY_RENDERERS = [JSONRenderer, PDFRenderer]


class _WithoutFormatOverride:
    """DRF's settings, but for the URL format override (``?format=``)."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str) -> Any:
        return getattr(api_settings, name)


class AcceptHeaderNegotiation(DefaultContentNegotiation):
    """A file action negotiates by the ``Accept`` header alone. Its answer is the file whatever
    ``?format=`` says: DRF's override would pick a renderer by it and then 406 an ``Accept``
    that takes JSON, where the same request without it gets the file."""

    settings = _WithoutFormatOverride()


# ``@action(..., **FILE_ACTION)`` for an action that answers a file, and, in its
# ``extend_schema(parameters=...)``, ``NO_FORMAT_PARAMETER``: the schema offers no ``format``.
FILE_ACTION: dict[str, Any] = {
    "renderer_classes": BINARY_RENDERERS,
    "content_negotiation_class": AcceptHeaderNegotiation,
}
NO_FORMAT_PARAMETER = OpenApiParameter(api_settings.URL_FORMAT_OVERRIDE or "format", exclude=True)


class JSONErrorsMixin:
    """For an APIView or viewset: every error answer (status >= 400) is rendered as JSON
    (``application/json``) whatever renderer the ``Accept`` header chose, and so is any other
    answer that is not bytes where the PDF renderer was chosen (e.g. ``OPTIONS``)."""

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(  # type: ignore[misc]
            request, response, *args, **kwargs
        )
        if not isinstance(response, Response):
            return response  # the file itself
        renderer = response.accepted_renderer
        binary_data = isinstance(response.data, bytes)
        if isinstance(renderer, JSONRenderer):
            return response
        if response.status_code >= 400 or (isinstance(renderer, PDFRenderer) and not binary_data):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response
