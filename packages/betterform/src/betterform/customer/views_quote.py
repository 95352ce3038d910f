"""PLACEHOLDER (helper C replaces this module)."""

from django.http import Http404, HttpRequest, HttpResponse


def quote_page(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404


quote_pdf = signed_pdf = accept = decline = quote_page
