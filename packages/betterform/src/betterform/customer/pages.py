"""Answering a customer: every page goes through ``page`` (the protective headers of
``headers.protect``); the not-found and too-many-requests pages say nothing about what exists.
A method a page does not take gets the customer's 405 page (``methods``), never Django's bare one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.log import log_response

from betterform.customer.headers import protect
from createpdf.models import Document

TEMPLATES = "betterform/customer/"


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """``templates/betterform/customer/<template>`` rendered, with the customer headers."""
    response = TemplateResponse(
        request, TEMPLATES + template, context or {}, status=status, headers=headers
    )
    response.render()
    protect(response)
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    """404: the same page for an unknown, mistyped, unpublished or withdrawn link."""
    return page(request, "not_found.html", status=404)


def method_not_allowed(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse:
    """405 with ``Allow``: this address is not used this way (a customer never gets here by
    following the pages' own links and forms)."""
    response = page(
        request, "method_not_allowed.html", status=405, headers={"Allow": ", ".join(allowed)}
    )
    log_response(
        "Method Not Allowed (%s): %s",
        request.method,
        request.path,
        response=response,
        request=request,
    )
    return response


View = Callable[..., HttpResponse]


def methods(*allowed: str) -> Callable[[View], View]:
    """``require_http_methods`` for the customer pages: any other method gets
    ``method_not_allowed``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                return method_not_allowed(request, allowed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(math.ceil(seconds), 1))}


def too_many(request: HttpRequest, wait: float) -> HttpResponse:
    """429 with ``Retry-After``: this address asked too often."""
    headers = retry_after(wait)
    context = {"retry_after": headers["Retry-After"]}
    return page(request, "too_many.html", context, status=429, headers=headers)


def pdf(document: Document, filename: str) -> FileResponse:
    """A finished document's PDF as a download named ``filename``."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    protect(response)
    return response
