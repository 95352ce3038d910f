"""Browser sessions: the admin login (who gets in, and whether guessing is limited) and CSRF
on the API for session-authenticated clients."""

from __future__ import annotations

import re

import httpx

from suites.live import PASSWORD, System
from suites.security_common import Check, client
from suites.security_probes import LOGIN_LIMIT

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def admin_login(http: httpx.Client, username: str, password: str) -> httpx.Response:
    page = http.get(ADMIN_LOGIN)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    form = {
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "username": username,
        "password": password,
        "next": "/admin/",
    }
    return http.post(ADMIN_LOGIN, data=form, headers={"Referer": f"{http.base_url}/admin/"})


def check_sessions(system: System) -> Check:
    check = Check("admin sessions and CSRF")
    with client(system, address="127.0.0.20") as http:
        answer = admin_login(http, "rep_a", PASSWORD)
        admin = http.get("/admin/")
        check.expect(
            answer.status_code == 200 and admin.status_code == 302,
            f"a rep (not staff) logging into the admin: {answer.status_code}, then /admin/ "
            f"{admin.status_code} (expected the form again, and a redirect)",
        )
    with client(system, address="127.0.0.21") as http:
        answer = admin_login(http, "staff", PASSWORD)
        admin = http.get("/admin/")
        check.expect(
            answer.status_code == 302 and admin.status_code == 200,
            f"staff logging into the admin: {answer.status_code}, /admin/ {admin.status_code}",
        )
        read = http.get("/api/forms/")
        check.expect(read.status_code == 200, f"staff session reads the API: {read.status_code}")
        write = http.post("/api/forms/", json={"name": "csrf"})
        check.expect(
            write.status_code == 403 and "CSRF" in write.text,
            f"a session write without a CSRF token: {write.status_code} {write.text[:120]!r}",
        )
    with client(system, address="127.0.0.22") as http:
        codes = [admin_login(http, "staff", "wrong").status_code for _ in range(LOGIN_LIMIT + 5)]
        limited = any(code == 429 for code in codes)
        check.expect(
            limited,
            f"{len(codes)} wrong passwords on /admin/login/ from one address: {codes}; "
            "the admin login form is not throttled, so it bypasses the token login's limit",
        )
    return check
