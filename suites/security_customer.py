"""The customer's pages attacked from outside: the public form (``/f/<token>/``) and the quote
page (``/q/<token>/``), which anyone may reach without logging in.

Proves: guessed and enumerated tokens find nothing (and are throttled per address); one
quote's token reaches that quote only; the accept and decline forms need Django's CSRF token;
the pages cannot be framed or indexed, nor leak their token through a Referer to another site;
an accepted quote is locked against every API write (409, saying how to make a new version);
the HTML form shares the JSON endpoint's ``public_submit`` throttle.
"""

from __future__ import annotations

import re
import secrets

import httpx

from suites.live import System
from suites.security_common import Check, client, created
from suites.security_fixtures import LINE, Objects

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOCUMENT_FIELD = re.compile(r'name="document" value="(\d+)"')
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _quote(rep: httpx.Client, title: str) -> dict:
    body = {"title": title, "customer_email": "buyer@example.com", "lines": [LINE]}
    return created(rep.post("/api/quotes/", json=body), f"the quote {title!r}")


def _path(quote: dict) -> str:
    return httpx.URL(quote["customer_url"]).path


def _answer_form(http: httpx.Client, path: str) -> tuple[str, str]:
    """The CSRF token and the offered PDF's id from the quote page (its cookie stays in
    ``http``)."""
    page = http.get(path)
    csrf, document = CSRF_FIELD.search(page.text), DOCUMENT_FIELD.search(page.text)
    if page.status_code != 200 or not csrf or not document:
        raise RuntimeError(f"GET {path}: {page.status_code}, no accept form: {page.text[:300]}")
    return csrf.group(1), document.group(1)


def _guessing(check: Check, system: System, objects: Objects, quote: dict) -> None:
    http = client(system, address="127.0.0.41")
    try:
        guesses = [
            f"/q/{secrets.token_urlsafe(32)}/",
            f"/f/{secrets.token_urlsafe(16)}/",
            f"/q/{quote['id']}/",
            f"/q/{quote['number']}/",
            f"/q/{objects.public_token}/",  # a form's token is not a quote's
            f"/f/{_path(quote).split('/')[2]}/",  # nor a quote's a form's
            f"/q/{_path(quote).split('/')[2].upper()}/",  # tokens are case-sensitive
            f"/q/{_path(quote).split('/')[2][:-1]}/",
        ]
        for path in guesses:
            answer = http.get(path)
            check.expect(answer.status_code == 404, f"GET {path} -> {answer.status_code}")
            leaked = quote["number"] in answer.text or "buyer@example.com" in answer.text
            check.expect(not leaked, f"GET {path}: the 404 names nothing of the quote")
        statuses = [http.get(f"/q/{secrets.token_urlsafe(32)}/").status_code for _ in range(200)]
        throttled = 429 in statuses
        check.expect(throttled, f"200 guesses from one address are throttled ({statuses[-1]})")
    finally:
        http.close()


def _headers(check: Check, system: System, objects: Objects, quote: dict) -> None:
    http = client(system, address="127.0.0.42")
    try:
        for path in (_path(quote), f"/f/{objects.public_token}/"):
            answer = http.get(path)
            check.expect(answer.status_code == 200, f"GET {path} -> {answer.status_code}")
            for name, wanted in HEADERS.items():
                got = answer.headers.get(name, "")
                check.expect(wanted.lower() in got.lower(), f"{path}: {name} {got!r}")
            csp = answer.headers.get("Content-Security-Policy", "")
            check.expect("frame-ancestors 'none'" in csp, f"{path}: CSP {csp!r}")
    finally:
        http.close()


def _csrf_and_scope(check: Check, system: System, rep: httpx.Client, quote: dict) -> None:
    other = _quote(rep, "Someone else's quote")
    http = client(system, address="127.0.0.43")
    try:
        path = _path(quote)
        bare = http.post(f"{path}accept/", data={"signer_name": "Mallory", "consent": "on"})
        check.expect(bare.status_code == 403, f"accept without a CSRF token -> {bare.status_code}")
        csrf, _ = _answer_form(http, path)
        _, other_document = _answer_form(http, _path(other))
        form = {
            "csrfmiddlewaretoken": csrf,
            "signer_name": "Mallory",
            "consent": "on",
            "document": other_document,  # another quote's PDF, through this quote's token
        }
        crossed = http.post(f"{path}accept/", data=form)
        refused = crossed.status_code in (400, 409)
        check.expect(refused, f"another quote's PDF -> {crossed.status_code}")
        for shown in (quote, other):
            state = rep.get(f"/api/quotes/{shown['id']}/").json()
            check.expect(state["answer"] is None, f"{shown['number']} is still unanswered")
        page = http.get(path)
        check.expect(other["number"] not in page.text, "one token shows its own quote only")
    finally:
        http.close()


def _locked(check: Check, system: System, rep: httpx.Client, quote: dict) -> None:
    http = client(system, address="127.0.0.44")
    try:
        path = _path(quote)
        csrf, document = _answer_form(http, path)
        form = {
            "csrfmiddlewaretoken": csrf,
            "signer_name": "Ada Lovelace",
            "consent": "on",
            "document": document,
        }
        accepted = http.post(f"{path}accept/", data=form)
        check.expect(accepted.status_code == 303, f"accept -> {accepted.status_code}")
        again = http.post(f"{path}decline/", data={"csrfmiddlewaretoken": csrf, "reason": "x"})
        state = rep.get(f"/api/quotes/{quote['id']}/").json()
        check.expect(
            state["status"] == "accepted" and again.status_code in (200, 303, 409),
            f"declining after accepting keeps the acceptance ({state['status']})",
        )
    finally:
        http.close()
    url = f"/api/quotes/{quote['id']}/"
    writes = [
        ("PATCH", url, {"title": "Changed after signing"}),
        ("PUT", url, {"title": "Changed", "lines": [LINE]}),
        ("PATCH", url, {"lines": [{**LINE, "unit_price": "1.00"}]}),
        ("DELETE", url, None),
    ]
    for method, target, body in writes:
        answer = rep.request(method, target, json=body)
        says_how = "new_version" in answer.text or "new version" in answer.text
        check.expect(
            answer.status_code == 409 and says_how,
            f"{method} {target} on an accepted quote -> {answer.status_code} {answer.text[:120]}",
        )
    after = rep.get(url).json()
    check.expect(after["title"] == quote["title"], "the accepted quote is unchanged")


def _shared_throttle(check: Check, system: System, objects: Objects) -> None:
    http = client(system, address="127.0.0.45")
    try:
        token = objects.public_token
        statuses = [
            http.post(f"/api/public/forms/{token}/", json={"answers": {}}).status_code
            for _ in range(30)
        ]
        page = http.get(f"/f/{token}/")
        csrf = CSRF_FIELD.search(page.text)
        data = {"csrfmiddlewaretoken": csrf.group(1) if csrf else "", "area": "3"}
        html = http.post(f"/f/{token}/", data=data)
        check.expect(
            429 not in statuses and html.status_code == 429,
            f"30 JSON posts, then the HTML form is throttled too ({html.status_code})",
        )
    finally:
        http.close()


def check_customer_pages(system: System, objects: Objects, rep: httpx.Client) -> Check:
    check = Check("customer pages")
    quote = _quote(rep, "Suite customer quote")
    _guessing(check, system, objects, quote)
    _headers(check, system, objects, quote)
    _csrf_and_scope(check, system, rep, quote)
    _locked(check, system, rep, quote)
    _shared_throttle(check, system, objects)
    return check
