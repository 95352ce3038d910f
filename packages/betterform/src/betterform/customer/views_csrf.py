"""The page a customer gets when Django's CSRF check refuses their form post.

Most often the browser blocks cookies, so the CSRF cookie the form needs never came back; or
the page was left open until its token went stale. Django's stock page speaks to developers,
and lacks the customer pages' headers. ``csrf_failure`` answers posts to the customer pages
(``betterform.customer.urls``, wherever a site includes them) with a customer page saying what
to do, and hands every other path (the admin, the accounts pages) to Django's own view.

A site using the customer pages sets, in its settings::

    CSRF_FAILURE_VIEW = "betterform.customer.views_csrf.csrf_failure"

Without it, the customer pages work the same, but a refused post shows Django's page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.urls import Resolver404, ResolverMatch, resolve, reverse
from django.views import csrf

from betterform.customer import pages

NAMESPACE = "betterform_customer"
# Where a refused post sends the customer back to: the quote page for an answer's post.
BACK = {
    "form": ("form", "form"),
    "quote-accept": ("quote", "quote"),
    "quote-decline": ("quote", "quote"),
}


def _customer_match(request: HttpRequest) -> ResolverMatch | None:
    """The request's URL match when it is one of the customer pages, else None."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match if NAMESPACE in match.app_names else None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403: the customer page for a refused post to ``/f/...`` or ``/q/...`` (cookies blocked,
    or a stale page), with the customer pages' headers; Django's ``csrf_failure`` for any
    other path."""
    match = _customer_match(request)
    if match is None:
        return csrf.csrf_failure(request, reason=reason)
    back, back_what = "", ""
    if match.url_name in BACK and "token" in match.kwargs:
        name, back_what = BACK[match.url_name]
        back = reverse(f"{match.namespace}:{name}", args=[match.kwargs["token"]])
    context = {
        "no_cookie": reason == REASON_NO_CSRF_COOKIE,
        "back": back,
        "back_what": back_what,
    }
    return pages.page(request, "csrf_failure.html", context, status=403)
