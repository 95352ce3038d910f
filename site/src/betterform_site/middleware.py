"""Answer 503 (retry later) instead of 500 while the database is unreachable, with the API's
error body (``betterform_site.exceptions``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import APIException

from betterform_site.exceptions import error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "database unavailable during %s %s: %s", request.method, request.path, exception
        )
        refused = APIException(
            "The database is unavailable; retry in a few seconds.", "service_unavailable"
        )
        response = JsonResponse(error_body(refused), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
