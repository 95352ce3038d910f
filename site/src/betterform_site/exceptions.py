"""The API's one error body, for every 4xx DRF answers and the errors Django raises on the way.

Every error answer of the API is::

    {"detail": "<one sentence a person can act on>",
     "code": "<DRF's error code: invalid, parse_error, not_authenticated, not_found, ...>",
     "errors": {"<field>": ["<message>", ...]}}

``errors`` holds DRF's per-field detail (nested serializers keep DRF's nested dict/list shape;
a lone message becomes a one-item list) and is ``{}`` when the error is not about fields; a
``ValidationError`` raised with a list goes under ``errors["non_field_errors"]``. For a
validation error ``detail`` names the first error's path and how many more there are. An
exception may carry ``extra`` (a dict): more top-level keys, such as ``missing`` for a restore
refused for a deleted parent (``createpdf.errors.Conflict``). Issue 17 (the error contract
generated clients are typed from) is where this shape comes from.

``exception_handler`` is the site's ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``; ``error_body``
is the pure shaping; ``not_found`` answers unknown ``/api/`` URLs the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class RequestTooLarge(exceptions.APIException):
    """413: the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django refuses to read it)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """``{"detail": str, "code": str, "errors": dict}`` (plus ``exc.extra``) for ``exc``.

    ``exc.detail`` is a message (an ``ErrorDetail`` carrying its code), a list of messages, or
    a dict of field -> messages, nested as DRF nests serializer errors (a ``many=True`` field
    gives a list with one dict per item, ``{}`` for the valid ones)."""
    detail = exc.detail
    if isinstance(detail, dict | list):
        errors = _field_errors(
            detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
        )
        is_validation = isinstance(exc, exceptions.ValidationError)
        heading = "Invalid input" if is_validation else str(exc.default_detail).rstrip(".")
        body = {
            "detail": _summary(heading, errors),
            "code": "invalid" if is_validation else exc.default_code,
            "errors": errors,
        }
    else:
        code = getattr(detail, "code", None) or exc.default_code
        body = {"detail": str(detail), "code": str(code), "errors": {}}
    extra = getattr(exc, "extra", None) or {}
    return body | {key: value for key, value in extra.items() if key not in body}


def _field_errors(value: Any) -> Any:
    """DRF's error detail with every message directly under a key made a one-item list."""
    if isinstance(value, dict):
        return {
            str(key): [item] if isinstance(item, str) else _field_errors(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [item if isinstance(item, str) else _field_errors(item) for item in value]
    return value


def _messages(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """``(dotted path, message)`` for every message, in order; ``non_field_errors`` is left
    out of the path (it is the object's own error)."""
    if isinstance(value, str):
        yield ".".join(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            step = () if key == api_settings.NON_FIELD_ERRORS_KEY else (str(key),)
            yield from _messages(item, path + step)
    elif isinstance(value, list):
        strings = all(isinstance(item, str) for item in value)
        for index, item in enumerate(value):
            yield from _messages(item, path if strings else (*path, str(index)))


def _summary(heading: str, errors: dict[str, Any]) -> str:
    """``Invalid input: lines.1.tax_rate: Ensure ... (and 2 more errors)``."""
    messages = list(_messages(errors))
    if not messages:
        return f"{heading}."
    path, message = messages[0]
    first = f"{path}: {message}" if path else message
    more = len(messages) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{heading}: {first}{tail}"


def _media_types(items: Sequence[Any]) -> str:
    return ", ".join(dict.fromkeys(item.media_type for item in items)) or "nothing"


def as_api_exception(exc: Exception, context: dict[str, Any]) -> exceptions.APIException | None:
    """``exc`` as the ``APIException`` the client is answered with (None: not an API error,
    Django answers it), with the 415 and 406 naming what the endpoint accepts and answers."""
    request, view = context.get("request"), context.get("view")
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return RequestTooLarge(f"The request body is larger than the limit of {limit} bytes.")
    if isinstance(exc, exceptions.UnsupportedMediaType) and request is not None:
        sent = (request.content_type or "").split(";")[0].strip()
        what = f"The request body is {sent}" if sent else "The request body has no Content-Type"
        return exceptions.UnsupportedMediaType(
            sent,
            detail=f"{what}; this endpoint accepts {_media_types(request.parsers)} only.",
        )
    if isinstance(exc, exceptions.NotAcceptable) and view is not None and request is not None:
        accept = request.headers.get("Accept", "")
        return exceptions.NotAcceptable(
            f"This endpoint answers {_media_types(view.get_renderers())}; the Accept header "
            f"({accept}) allows none of them."
        )
    return exc if isinstance(exc, exceptions.APIException) else None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, ``WWW-Authenticate``, ``Retry-After``, rollback) with the
    API's error body."""
    api_exc = as_api_exception(exc, context)
    if api_exc is None:
        return drf_exception_handler(exc, context)
    response = drf_exception_handler(api_exc, context)
    if response is not None:
        response.data = error_body(api_exc)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: an unknown URL under ``/api/`` is the API's 404 body; elsewhere
    Django's page."""
    if request.path.startswith("/api/"):
        body = error_body(exceptions.NotFound(f"No API endpoint at {request.path}."))
        return JsonResponse(body, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
