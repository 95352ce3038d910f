"""Attacks on the running system: login brute force, monday webhook forgeries, account
enumeration and duplicate accounts by email.

(The template sandbox and URL-fetch probes are in ``security_sandbox``.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
import warnings

import jwt

from suites.live import PASSWORD, System
from suites.security_common import Check, client
from suites.security_fixtures import SCHEMA, Factories, Objects

warnings.filterwarnings("ignore", message="The HMAC key is")
LOGIN = "/api/auth/token/login/"
LOGIN_LIMIT = 10  # README: token login 10 a minute per address


def check_login_throttle(system: System) -> Check:
    check = Check("login brute force throttled (10/min/address)")
    wrong = {"username": "rep_a", "password": "wrong-password"}
    # One keep-alive connection: every attempt lands on the same uvicorn worker.
    with client(system, address="127.0.0.2") as http:
        answers = [http.post(LOGIN, json=wrong) for _ in range(LOGIN_LIMIT + 1)]
        allowed, over = answers[:LOGIN_LIMIT], answers[LOGIN_LIMIT]
        codes = [r.status_code for r in allowed]
        check.expect(all(c == 400 for c in codes), f"first {LOGIN_LIMIT} wrong logins: {codes}")
        retry = over.headers.get("Retry-After", "")
        check.expect(
            over.status_code == 429 and retry.isdigit() and 0 < int(retry) <= 60,
            f"attempt {LOGIN_LIMIT + 1}: {over.status_code}, Retry-After {retry!r}",
        )
        right = http.post(LOGIN, json={"username": "rep_a", "password": PASSWORD})
        check.expect(
            right.status_code == 429,
            f"the right password while throttled: {right.status_code} (expected 429)",
        )
        spoofed = [
            http.post(LOGIN, json=wrong, headers={"X-Forwarded-For": f"203.0.113.{n}"})
            for n in range(1, 6)
        ]
        codes = [r.status_code for r in spoofed]
        check.expect(
            all(c == 429 for c in codes),
            f"a throttled client sending its own X-Forwarded-For got {codes} (expected 429s): "
            "the login throttle keys on a client-chosen header (REST_FRAMEWORK NUM_PROXIES)",
        )
    # New connections: the kernel spreads them over the workers; the limit is per address.
    with client(system, address="127.0.0.2", keep_alive=False) as http:
        codes = [http.post(LOGIN, json=wrong).status_code for _ in range(2 * LOGIN_LIMIT)]
        check.expect(
            all(c == 429 for c in codes),
            f"the same address over new connections got {codes.count(400)} more wrong-password "
            f"answers (400) of {len(codes)}: the throttle counts per uvicorn worker, not per "
            "address (per-process cache)",
        )
    return check


EMAIL_LOOKUPS = (
    "/api/auth/users/resend_activation/",
    "/api/auth/users/reset_password/",
    "/api/auth/users/reset_username/",
)


def check_account_emails(system: System) -> Check:
    """One email, one account: a sign-up with a taken address in another case is a 400, and
    the endpoints that look a user up by email answer an unknown, a known and a case-variant
    address alike (no 5xx, nothing that tells who has an account)."""
    check = Check("account emails: one account each, no enumeration")
    email = f"probe-{uuid.uuid4().hex[:12]}@example.com"
    with client(system, address="127.0.0.30") as http:
        first = http.post(
            "/api/auth/users/",
            json={"username": f"probe-{email[6:18]}", "email": email, "password": PASSWORD},
        )
        check.expect(first.status_code == 201, f"sign-up with {email}: {first.status_code}")
        again = http.post(
            "/api/auth/users/",
            json={
                "username": f"probe2-{email[6:18]}",
                "email": email.upper(),
                "password": PASSWORD,
            },
        )
        check.expect(
            again.status_code == 400 and "email" in again.json()["errors"],
            f"a second sign-up with the same email upper-cased: {again.status_code} "
            f"{again.text[:200]} (expected 400 on email)",
        )
        for path in EMAIL_LOOKUPS:
            variants = ("nobody-" + email, email, email.swapcase())
            answers = [http.post(path, json={"email": variant}) for variant in variants]
            shapes = {(answer.status_code, answer.content) for answer in answers}
            check.expect(
                len(shapes) == 1 and all(answer.status_code < 500 for answer in answers),
                f"{path} unknown / known / other-case email: "
                f"{[(a.status_code, a.text[:80]) for a in answers]} (expected one same answer)",
            )
    return check


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def monday_claims(url: str, **changes: object) -> dict:
    """What monday's app JWT carries (see monday_integration.testing.webhooks.sign)."""
    now = int(time.time())
    claims = {
        "accountId": 9_000_001,
        "userId": 40_000_002,
        "aud": url,
        "iat": now,
        "exp": now + 300,
        "shortLivedToken": "suite",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _hs256_empty_key(claims: dict) -> str:
    """HS256 with an empty key (PyJWT refuses to make one)."""
    signed = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    mac = hmac.new(b"", signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def forged_tokens(url: str, secret: str) -> dict[str, str | None]:
    good = jwt.encode(monday_claims(url), secret, algorithm="HS256")
    header, _, signature = good.split(".")
    other = "https://attacker.example/api/monday/webhooks/x/"
    return {
        "no Authorization": None,
        "empty Bearer": "Bearer",
        "alg=none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(monday_claims(url))}.",
        "alg=none, Bearer": f"Bearer {_b64({'alg': 'none'})}.{_b64(monday_claims(url))}.",
        "wrong secret": jwt.encode(monday_claims(url), "x" * 32, algorithm="HS256"),
        "empty secret": _hs256_empty_key(monday_claims(url)),
        "HS512 with the secret": jwt.encode(monday_claims(url), secret, algorithm="HS512"),
        "expired": jwt.encode(
            monday_claims(url, iat=int(time.time()) - 900, exp=int(time.time()) - 600),
            secret,
            algorithm="HS256",
        ),
        "no exp": jwt.encode(monday_claims(url, exp=None), secret, algorithm="HS256"),
        "wrong audience": jwt.encode(monday_claims(url, aud=other), secret, algorithm="HS256"),
        "no audience": jwt.encode(monday_claims(url, aud=None), secret, algorithm="HS256"),
        "tampered claims": f"{header}.{_b64(monday_claims(url, userId=1, exp=2**40))}.{signature}",
        "signature stripped": f"{header}.{good.split('.')[1]}.",
        "API token instead": "Token not-a-jwt",
    }


def monday_event(**changes: object) -> dict:
    event = {
        "triggerUuid": uuid.uuid4().hex,
        "type": "create_pulse",  # not the trigger: stored as ignored, no sync runs
        "boardId": 1,
        "pulseId": 1,
        "app": "monday",
    }
    event.update(changes)
    return {"event": event}


def check_webhook_jwt(system: System, objects: Objects, secret: str) -> Check:
    check = Check("monday webhook JWT forgeries")
    url = objects.webhook_url
    path = url.removeprefix(system.base_url)
    with client(system, address="127.0.0.3") as http:
        for name, token in forged_tokens(url, secret).items():
            headers = {} if token is None else {"Authorization": token}
            response = http.post(path, json=monday_event(), headers=headers)
            check.expect(
                response.status_code == 401,
                f"{name}: expected 401, got {response.status_code} {response.text[:200]!r}",
            )
        good = jwt.encode(monday_claims(url), secret, algorithm="HS256")
        for prefix in ("", "Bearer "):
            response = http.post(
                path, json=monday_event(), headers={"Authorization": prefix + good}
            )
            ok = check.expect(
                response.status_code == 200 and "event" in response.json(),
                f"correctly signed ({prefix or 'bare'}): {response.status_code} {response.text!r}",
            )
            if ok:
                objects.event = response.json()["event"]
        unknown = http.post(
            "/api/monday/webhooks/not-a-mapping/",
            json=monday_event(),
            headers={"Authorization": good},
        )
        check.expect(unknown.status_code == 404, f"unknown webhook URL: {unknown.status_code}")
        events = system.headers("staff")

        def count(status: str) -> int:
            listed = http.get(f"/api/monday/events/?status={status}", headers=events).json()
            return listed.get("count", len(listed.get("results", [])))

        accepted = count("ignored") + count("received")
        check.expect(accepted == 2, f"{accepted} accepted; only the 2 signed deliveries may be")
        # Refused deliveries are kept for staff to see (never scheduled), one per triggerUuid.
        refused = count("refused")
        forgeries = len(forged_tokens(url, secret))
        check.expect(refused == forgeries, f"{refused} refused rows for {forgeries} forgeries")
    return check


# Lists rep_b and the API key read; rep_a's ids must not appear in them.
LISTS = {
    "rep_b": [
        ("forms", "/api/forms/?page_size=100"),
        ("forms", "/api/forms/deleted/"),
        ("submissions", "/api/submissions/?page_size=100"),
        ("submissions", "/api/submissions/?form={form}"),
        ("submissions", "/api/submissions/?search=ada"),
        ("submissions", "/api/submissions/deleted/"),
        ("quotes", "/api/quotes/?page_size=100"),
        ("quotes", "/api/quotes/deleted/"),
        ("documents", "/api/pdf/documents/?page_size=100"),
        ("users", "/api/auth/users/"),
    ],
    "api_key": [("documents", "/api/pdf/documents/?page_size=100")],
}


def _ids(body: object) -> set[str]:
    rows = body.get("results", []) if isinstance(body, dict) else body
    found = set()
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            found |= {str(row.get(key)) for key in ("id", "object_id") if row.get(key)}
    return found


def check_isolation(system: System, objects: Objects, factories: Factories) -> Check:
    """rep_a's objects, alive or deleted, never show in another principal's lists."""
    check = Check("lists and filters hide others' objects")
    hidden = {
        "forms": {str(objects.form)},
        "submissions": {str(objects.submission)},
        "quotes": {str(objects.quote)},
        "documents": {objects.document},
        "users": {str(objects.user)},
    }
    with client(system, "rep_a", address="127.0.0.6") as rep:
        for resource in ("forms", "submissions", "quotes"):
            gone = factories.for_delete(resource)
            deleted = rep.delete(f"/api/{resource}/{gone}/")
            check.expect(
                deleted.status_code == 204, f"rep_a deleting its {resource}: {deleted.status_code}"
            )
            hidden[resource].add(str(gone))
            mine = _ids(rep.get(f"/api/{resource}/deleted/").json())
            seen = str(gone) in mine
            check.expect(seen, f"rep_a's deleted {resource} {gone} in its deleted list: {seen}")
            rows = rep.get(f"/api/{resource}/deleted/").json()
            rows = rows.get("results", []) if isinstance(rows, dict) else rows
            versions = [r["id"] for r in rows if str(r.get("object_id")) == str(gone)]
            if versions:
                _steal(check, system, resource, versions[0], objects)
    for who, urls in LISTS.items():
        with client(system, who, address="127.0.0.6") as http:
            for resource, url in urls:
                url = url.format(form=objects.form)
                response = http.get(url)
                shown = _ids(response.json()) & hidden[resource] if response.is_success else set()
                check.expect(
                    response.status_code in (200, 400) and not shown,
                    f"GET {url} as {who}: {response.status_code}, shows rep_a's {sorted(shown)}",
                )
    return check


def _steal(check: Check, system: System, resource: str, version: int, objects: Objects) -> None:
    """rep_b names rep_a's version ids: recovering or reverting with them must fail."""
    with client(system, "rep_b", address="127.0.0.6") as rep_b:
        recovered = rep_b.post(f"/api/{resource}/recover/", json={"version": version})
        check.expect(
            recovered.status_code in (400, 404),
            f"rep_b recovering rep_a's deleted {resource} (version {version}): "
            f"{recovered.status_code} {recovered.text[:120]!r}",
        )
        if resource == "forms":
            own = rep_b.post(
                "/api/forms/",
                json={"name": "B", "slug": f"b-{uuid.uuid4().hex[:8]}", "schema": SCHEMA},
            )
            check.expect(own.status_code == 201, f"rep_b creating a form: {own.status_code}")
            if own.status_code == 201:
                reverted = rep_b.post(
                    f"/api/forms/{own.json()['id']}/revert/", json={"version": version}
                )
                check.expect(
                    reverted.status_code in (400, 404),
                    f"rep_b reverting its form to rep_a's version {version}: "
                    f"{reverted.status_code} {reverted.text[:120]!r}",
                )
