"""PLACEHOLDER (helper C replaces this module)."""

from django.http import Http404, HttpRequest, HttpResponse


def form_page(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
