"""The permission matrix: every operation of the live OpenAPI document, called as every
principal, against an explicit table of who may do what.

An outcome is ``ok`` (the request reached the view: 2xx, 3xx or a client error other than
401/403/404, e.g. the 400 an empty body earns), or ``401``, ``403``, ``404``. Anything else
(429, 5xx, 405) is a miss too. An operation the table does not name fails the suite, and so
does a row naming an operation the API no longer has: new endpoints cannot slip through.
"""

from __future__ import annotations

import json
import re

import httpx

from suites.live import System
from suites.security_common import Check, client
from suites.security_fixtures import Factories, Objects

PRINCIPALS = ("anonymous", "rep_a", "rep_b", "staff", "api_key", "revoked_key")

# Who gets what, per rule, in the order of PRINCIPALS.
RULES: dict[str, tuple[str, ...]] = {
    # betterform collections, documents: users and API key clients.
    "client": ("401", "ok", "ok", "ok", "ok", "401"),
    # rep_a's form, submission or quote: rep_b must not learn it exists.
    "owned": ("401", "ok", "404", "ok", "ok", "401"),
    # rep_a's document: its requester and staff; other users and keys see nothing.
    "document": ("401", "ok", "404", "ok", "404", "401"),
    # A logged-in user, not a machine key.
    "user": ("401", "ok", "ok", "ok", "403", "401"),
    # rep_a's user record (djoser hides other users from non-staff).
    "self": ("401", "ok", "404", "ok", "403", "401"),
    # Staff only (monday, database templates, preview, the staff report).
    "staff": ("401", "403", "403", "ok", "403", "401"),
    # Open to anyone, but a presented credential is still checked.
    "open": ("ok", "ok", "ok", "ok", "ok", "401"),
    # No authentication at all (the public form, by its unguessable token).
    "public": ("ok", "ok", "ok", "ok", "ok", "ok"),
    # Only a JWT signed with MONDAY_SIGNING_SECRET; no API credential is one.
    "webhook": ("401", "401", "401", "401", "401", "401"),
}


def _crud(prefix: str, detail: str, collection: str = "client") -> dict[str, str]:
    rows = {f"GET {prefix}": collection, f"POST {prefix}": collection}
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        rows[f"{method} {prefix}{{{detail}}}/"] = "owned" if collection == "client" else collection
    return rows


def _history(prefix: str) -> dict[str, str]:
    return {
        f"GET {prefix}{{id}}/history/": "owned",
        f"POST {prefix}{{id}}/revert/": "owned",
        f"GET {prefix}deleted/": "client",
        f"POST {prefix}recover/": "client",
    }


EXPECTED: dict[str, str] = {
    "POST /api/auth/token/login/": "open",
    "POST /api/auth/token/logout/": "user",
    "GET /api/auth/users/": "user",
    "POST /api/auth/users/": "open",
    "GET /api/auth/users/{id}/": "self",
    "PUT /api/auth/users/{id}/": "self",
    "PATCH /api/auth/users/{id}/": "self",
    "DELETE /api/auth/users/{id}/": "self",
    "GET /api/auth/users/me/": "user",
    "PUT /api/auth/users/me/": "user",
    "PATCH /api/auth/users/me/": "user",
    "DELETE /api/auth/users/me/": "user",
    "POST /api/auth/users/activation/": "open",
    "POST /api/auth/users/resend_activation/": "open",
    "POST /api/auth/users/reset_password/": "open",
    "POST /api/auth/users/reset_password_confirm/": "open",
    "POST /api/auth/users/reset_username/": "open",
    "POST /api/auth/users/reset_username_confirm/": "open",
    "POST /api/auth/users/set_password/": "user",
    "POST /api/auth/users/set_username/": "user",
    **_crud("/api/forms/", "id"),
    **_history("/api/forms/"),
    "POST /api/forms/{id}/publish/": "owned",
    "POST /api/forms/{id}/unpublish/": "owned",
    "GET /api/public/forms/{token}/": "public",
    "POST /api/public/forms/{token}/": "public",
    **_crud("/api/submissions/", "id"),
    **_history("/api/submissions/"),
    "POST /api/submissions/{id}/quote/": "owned",
    "POST /api/submissions/{id}/status/": "owned",
    **_crud("/api/quotes/", "id"),
    **_history("/api/quotes/"),
    "POST /api/quotes/{id}/pdf/": "owned",
    "POST /api/quotes/{id}/send/": "owned",
    "POST /api/quotes/{id}/record_answer/": "owned",
    "POST /api/quotes/{id}/new_version/": "owned",
    "GET /api/pdf/documents/": "client",
    "POST /api/pdf/documents/": "client",
    "GET /api/pdf/documents/{id}/": "document",
    "GET /api/pdf/documents/{id}/download/": "document",
    "POST /api/pdf/documents/{id}/rerender/": "document",
    **_crud("/api/pdf/templates/", "slug", "staff"),
    "GET /api/pdf/templates/available/": "user",
    "POST /api/pdf/templates/preview/": "staff",
    "GET /api/pdf/reports/": "user",
    "POST /api/pdf/reports/{name}/": "staff",  # quotes-summary: a staff report
    **_crud("/api/monday/mappings/", "id", "staff"),
    "GET /api/monday/events/": "staff",
    "GET /api/monday/events/{id}/": "staff",
    "POST /api/monday/events/{id}/replay/": "staff",
    "POST /api/monday/webhooks/{secret}/": "webhook",
}

# Pages outside the OpenAPI document: (method, path, principal, status, Location starts with).
PAGES = [
    ("GET", "/admin/", "anonymous", 302, "/admin/login/?next=/admin/"),
    ("GET", "/admin/", "rep_a", 302, "/admin/login/"),  # an API token is not an admin session
    ("GET", "/admin/", "staff", 302, "/admin/login/"),
    ("GET", "/admin/", "api_key", 302, "/admin/login/"),
    ("GET", "/admin/betterform/form/", "anonymous", 302, "/admin/login/"),
    ("GET", "/admin/rest_framework_api_key/apikey/", "anonymous", 302, "/admin/login/"),
    ("GET", "/admin/login/", "anonymous", 200, ""),
    ("GET", "/api/", "anonymous", 401, ""),
    ("GET", "/api/pdf/", "anonymous", 401, ""),
    ("GET", "/api/monday/", "anonymous", 401, ""),
    ("GET", "/api/forms.json", "anonymous", 401, ""),
    ("GET", "/api/schema/", "anonymous", 200, ""),
    ("GET", "/api/docs/", "anonymous", 200, ""),
    ("GET", "/api/redoc/", "anonymous", 200, ""),
    ("GET", "/healthz", "anonymous", 200, ""),
    ("GET", "/accounts/activate/MQ/not-a-token/", "anonymous", 200, ""),
    ("POST", "/accounts/activate/MQ/not-a-token/", "anonymous", 403, ""),  # no CSRF token
    ("GET", "/accounts/reset/done/", "anonymous", 200, ""),
    # The customer's pages (security_customer probes them with real tokens): an unknown token
    # is a 404 to everyone, logged in or not; a post without a CSRF token a 403.
    ("GET", "/f/not-a-token/", "anonymous", 404, ""),
    ("GET", "/f/not-a-token/", "staff", 404, ""),
    ("POST", "/f/not-a-token/", "anonymous", 403, ""),
    ("GET", "/f/not-a-token/thanks/", "anonymous", 404, ""),
    ("GET", "/q/not-a-token/", "anonymous", 404, ""),
    ("GET", "/q/not-a-token/", "rep_a", 404, ""),
    ("GET", "/q/not-a-token/pdf/", "anonymous", 404, ""),
    ("GET", "/q/not-a-token/signed.pdf", "anonymous", 404, ""),
    ("POST", "/q/not-a-token/accept/", "anonymous", 403, ""),
    ("POST", "/q/not-a-token/decline/", "anonymous", 403, ""),
]


def operations(schema: dict) -> list[tuple[str, str]]:
    found = [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]

    def order(operation: tuple[str, str]) -> tuple[int, str, str]:
        method, path = operation
        # The public form before anyone unpublishes it; deletes and logout (which revokes
        # the users' tokens) last.
        rank = 0 if "/public/" in path else 3 if path.endswith("/logout/") else 1
        return (rank + (method == "DELETE"), path, method)

    return sorted(found, key=order)


def outcome(status: int) -> str:
    if status in (401, 403, 404):
        return str(status)
    if status < 400 or status in (400, 409, 413, 415):
        return "ok"
    return str(status)


def fill(path: str, objects: Objects, override: object | None = None) -> str | None:
    """The path with its parameters filled from ``objects`` (``override`` for the id)."""
    resource = path.split("/")[-3] if path.endswith("}/") else path.split("/")[-4]
    ids = {
        "forms": objects.form,
        "submissions": objects.submission,
        "quotes": objects.quote,
        "documents": objects.document,
        "mappings": objects.mapping,
        "events": objects.event,
        "users": objects.user,
    }
    values = {
        "id": override if override is not None else ids.get(resource),
        "slug": override if override is not None else objects.template,
        "name": "quotes-summary",
        "token": objects.public_token,
        "secret": objects.webhook_url.rstrip("/").rsplit("/", 1)[-1],
    }
    missing = False

    def value(match: re.Match) -> str:
        nonlocal missing
        found = values.get(match.group(1))
        missing = missing or found in (None, "", 0)
        return str(found)

    filled = re.sub(r"\{(\w+)\}", value, path)
    return None if missing else filled


def check_matrix(system: System, objects: Objects, factories: Factories) -> Check:
    check = Check("permission matrix (OpenAPI x principals)")
    schema = httpx.get(f"{system.base_url}/api/schema/?format=json", timeout=60).json()
    found = operations(schema)
    names = {f"{m} {p}" for m, p in found}
    for stale in sorted(set(EXPECTED) - names):
        check.expect(False, f"{stale}: in the expected table but not in the API any more")
    clients = {
        who: client(system, who, address=f"127.0.0.{10 + i}") for i, who in enumerate(PRINCIPALS)
    }
    try:
        for method, path in found:
            rule = EXPECTED.get(f"{method} {path}")
            if rule is None:
                check.expect(False, f"{method} {path}: not in the expected table (add a row)")
                continue
            for who, expected in zip(PRINCIPALS, RULES[rule], strict=True):
                _call(check, clients[who], who, method, path, expected, objects, factories)
    finally:
        for each in clients.values():
            each.close()
    return check


def _call(
    check: Check,
    http: httpx.Client,
    who: str,
    method: str,
    path: str,
    expected: str,
    objects: Objects,
    factories: Factories,
) -> None:
    override = None
    if method == "DELETE" and expected == "ok":
        try:
            override = factories.for_delete(path.split("/")[-3])
        except RuntimeError as error:
            check.expect(False, f"{method} {path} as {who}: no throwaway object: {error}")
            return
    url = fill(path, objects, override)
    if url is None:
        check.expect(False, f"{method} {path}: no object to fill its path parameters")
        return
    body = None if method in ("GET", "DELETE") else {}
    response = http.request(method, url, json=body)
    got = outcome(response.status_code)
    check.expect(
        got == expected,
        f"{method} {url} as {who}: expected {expected}, got {response.status_code} "
        f"{response.text[:160]!r}",
    )


# Every URL pattern outside /api/ must start with one of these (PAGES probes each), so a new
# page cannot slip in unprobed. /api/ routes are held to the OpenAPI document by the matrix.
PAGE_PREFIXES = ("admin/", "healthz", "accounts/activate/", "accounts/reset/", "f/", "q/")
LIST_URLS = """
import json
from django.urls import get_resolver
def walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if hasattr(p, "url_patterns"):
            yield from walk(p.url_patterns, route)
        else:
            yield route
print(json.dumps(sorted(set(walk(get_resolver().url_patterns)))))
"""


def check_pages(system: System) -> Check:
    check = Check("non-API pages (admin, docs, accounts)")
    routes = json.loads(system.manage("shell", "-v", "0", "-c", LIST_URLS).splitlines()[-1])
    unprobed = [r for r in routes if not r.lstrip("^").startswith(("api/", *PAGE_PREFIXES))]
    check.expect(
        not unprobed,
        f"{len(routes)} URL patterns; outside /api/ and not probed by PAGES: {unprobed}",
    )
    # Every admin page without parameters: anonymous visitors are sent to the login page.
    # (Login is a page of its own; logout only ends a session, and sends anonymous callers on.)
    paths = {"/" + r.replace("^", "").replace("$", "") for r in routes if r.startswith("admin/")}
    paths -= {"/admin/login/", "/admin/logout/"}
    admin = sorted(p for p in paths if not re.search(r"[<(\\]", p))
    with client(system, address="127.0.0.9") as http:
        for path in admin:
            response = http.get(path)
            where = response.headers.get("Location", "")
            check.expect(
                response.status_code == 302 and where.startswith("/admin/login/"),
                f"GET {path} as anonymous: {response.status_code} {where}",
            )
    for method, path, who, status, location in PAGES:
        with client(system, who, address="127.0.0.9") as http:
            response = http.request(method, path)
        where = response.headers.get("Location", "")
        ok = response.status_code == status and where.startswith(location)
        check.expect(
            ok,
            f"{method} {path} as {who}: expected {status} {location}, got "
            f"{response.status_code} {where}",
        )
    return check
