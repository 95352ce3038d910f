"""Throttling the customer pages per client address, with DRF's throttles.

Two scopes, both falling back to the ``anon`` rate when a site has not configured them
(``betterform.api.forms.PublicSubmitThrottle``):

- ``customer_pages``: every request to ``/f/...`` and ``/q/...``, so guessing tokens is slow;
- ``public_submit``: posting a form. The JSON endpoint (``PublicFormView``) counts in the
  same cache entries, so the HTML form and the API share one budget per address.

Both count by the client's address (``NUM_PROXIES`` as for the API), never by a logged-in
user: the JSON endpoint authenticates nobody, and the page must count in its bucket.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest

from betterform.api.forms import PublicSubmitThrottle

CUSTOMER_PAGES = "customer_pages"
PUBLIC_SUBMIT = "public_submit"


class CustomerPagesThrottle(PublicSubmitThrottle):
    """The scope's rate from ``DEFAULT_THROTTLE_RATES``, else the ``anon`` rate."""


class _ByAddress:
    """What DRF's throttle reads of a request, without its user: the address only."""

    user: Any = None

    def __init__(self, request: HttpRequest) -> None:
        self.META, self.headers = request.META, request.headers


def wait_for(request: HttpRequest, scope: str) -> float | None:
    """Count this request in ``scope``; None when it may go on, else the seconds to wait
    before the next one is allowed (at least 1)."""
    throttle = CustomerPagesThrottle() if scope == CUSTOMER_PAGES else PublicSubmitThrottle()
    view = SimpleNamespace(throttle_scope=scope)
    if throttle.allow_request(_ByAddress(request), view):  # type: ignore[arg-type]
        return None
    return max(throttle.wait() or 1, 1)
