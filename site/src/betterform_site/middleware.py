"""The site's own middleware.

``NulInPathMiddleware``: a NUL (``%00``) in a URL's path is a 404 before any view runs. No
route of ours matches one (``createpdf.converters``), but views of the libraries the site
serves take their captures as text (django-reversion's admin history, an API key's admin
page) and look them up, which PostgreSQL refuses with a ``DataError``: a 500 for anyone who
types ``%00``. ``tests/site/test_url_text_edges.py`` tries every route.

``DatabaseUnavailableMiddleware``: answer 503 (retry later) instead of 500 while the
database is unreachable, with the API's error body (``betterform_site.exceptions``). When the
database is up but every pooled connection stayed busy for ``DATABASE_POOL_TIMEOUT``
(psycopg-pool's ``PoolTimeout``: more requests than the pool serves), the 503 says the site
is busy and asks for a retry in a second instead."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import APIException

from betterform_site.exceptions import error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
BUSY_RETRY_AFTER_SECONDS = 1


def _pool_exhausted(exception: BaseException) -> bool:
    """Whether psycopg-pool's ``PoolTimeout`` caused it (Django wraps it in its own
    ``OperationalError``) while the pool held all the connections it may: busy. A pool that
    cannot open connections times out the same way, and that is the database being down.
    Found by name: psycopg_pool is installed only for PostgreSQL."""
    seen: BaseException | None = exception
    while seen is not None:
        if type(seen).__name__ == "PoolTimeout" and type(seen).__module__.startswith(
            "psycopg_pool"
        ):
            pool = getattr(connection, "pool", None)
            return pool is not None and pool.get_stats().get("pool_size", 0) >= pool.max_size
        seen = seen.__cause__ or seen.__context__
    return False


class NulInPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404("No page has a NUL character in its address.")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if _pool_exhausted(exception):
            logger.warning("no free database connection for %s %s", request.method, request.path)
            message, retry_after = (
                "The server is busy; retry in a second.",
                BUSY_RETRY_AFTER_SECONDS,
            )
        else:
            logger.error(
                "database unavailable during %s %s: %s", request.method, request.path, exception
            )
            message = "The database is unavailable; retry in a few seconds."
            retry_after = RETRY_AFTER_SECONDS
        response = JsonResponse(
            error_body(APIException(message, "service_unavailable")), status=503
        )
        response["Retry-After"] = str(retry_after)
        return response
