"""The headers every customer page and file is answered with.

The token in the address is the customer's only key, so the pages must not leak it (no
``Referer`` to other sites, nothing cached by shared caches or kept by the browser), must not
be indexed (``X-Robots-Tag``, and the templates' ``<meta name="robots">``) and must not be
framed by another site (clickjacking the Accept button): ``X-Frame-Options`` and CSP
``frame-ancestors``. The pages need no script, so the policy allows none.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control

ROBOTS = "noindex, nofollow"
# No Referer (so no token) to any other site. Not ``no-referrer``: under it browsers send
# ``Origin: null`` with the page's own form posts, and Django's CSRF check refuses them.
REFERRER_POLICY = "same-origin"


def content_security_policy() -> str:
    """Our own styles and images (a logo may be a ``data:`` URI), no script, forms posted
    to ourselves only, never framed. A static URL on another host (a CDN) is allowed too."""
    static = urlsplit(str(settings.STATIC_URL or ""))
    own = "'self'" + (f" {static.scheme}://{static.netloc}" if static.netloc else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"style-src {own}",
            f"img-src {own} data:",
            "script-src 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def protect(response: HttpResponseBase) -> HttpResponseBase:
    """Set the customer pages' headers on ``response`` and return it."""
    response["X-Robots-Tag"] = ROBOTS
    response["X-Frame-Options"] = "DENY"  # the middleware leaves a header already set alone
    response["Content-Security-Policy"] = content_security_policy()
    response["Referrer-Policy"] = REFERRER_POLICY  # SecurityMiddleware keeps one already set
    patch_cache_control(response, no_store=True, private=True)
    return response
