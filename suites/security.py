"""The security suite (``nox -s security``): the whole system, attacked from outside.

Runs a fresh system (``suites.live.running_system``: PostgreSQL, uvicorn with 2 workers, a
task worker) against a fake monday.com, and proves:

1. the permission matrix: every operation of the live OpenAPI document as every principal
   (``security_matrix.EXPECTED``), the pages outside the API (admin, docs, accounts), and
   lists, filters and deleted-object lists that must not show another rep's objects;
2. login brute force is throttled after the documented 10 a minute per address (token login;
   the admin login form too), and admin sessions need staff and CSRF tokens;
3. template sandbox escapes and URL fetches are refused (``security_sandbox``);
4. forged monday webhook JWTs are refused, a correctly signed one is accepted;
5. the customer's pages: token guessing and enumeration, CSRF, one token one quote, framing
   and indexing headers, an accepted quote locked against API writes (``security_customer``).

Prints one table (check, cases, failures), then every failure; exits 1 on any.
Run: ``python -m suites.security`` (``SECURITY_VERBOSE=1`` also lists every case).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable

from monday_integration.testing import FakeMonday, build_demo_board
from suites.live import running_system
from suites.security_common import Check, client
from suites.security_customer import check_customer_pages
from suites.security_fixtures import Factories, create_objects
from suites.security_matrix import check_matrix, check_pages
from suites.security_probes import (
    check_account_emails,
    check_isolation,
    check_login_throttle,
    check_webhook_jwt,
)
from suites.security_sandbox import check_sandbox, check_url_fetches
from suites.security_sessions import check_sessions


def guarded(name: str, check: Callable[..., Check], *args: object) -> Check:
    """Run one check; a crash is a failure of that check, and the others still run."""
    started = time.monotonic()
    try:
        result = check(*args)
    except Exception:
        result = Check(name)
        result.expect(False, f"crashed:\n{traceback.format_exc()}")
    result.seconds = time.monotonic() - started
    return result


def run() -> list[Check]:
    secret = f"suite-signing-{uuid.uuid4().hex}"
    with FakeMonday() as fake:
        env = {
            "MONDAY_API_URL": fake.url,
            "MONDAY_API_TOKEN": fake.token,
            "MONDAY_SIGNING_SECRET": secret,
            # The strict setting: every delivery must carry a valid app JWT (by default the
            # URL's secret is enough, as for webhooks made with a personal token).
            "MONDAY_REQUIRE_SIGNED_DELIVERIES": "true",
        }
        # One web process: throttle counters live in each process's cache unless REDIS_URL
        # shares them (README, "Deploying"), and the login limit is checked exactly.
        with running_system(env=env, web_workers=1) as system:
            rep = client(system, "rep_a", address="127.0.0.7")
            staff = client(system, "staff", address="127.0.0.8")
            try:
                factories = Factories(rep, staff, lambda: build_demo_board(fake))
                objects = create_objects(factories)
                checks = [
                    guarded("login throttle", check_login_throttle, system),
                    guarded("webhook JWT", check_webhook_jwt, system, objects, secret),
                    guarded("account emails", check_account_emails, system),
                    guarded("sandbox", check_sandbox, system),
                    guarded("URL fetches", check_url_fetches, system),
                    guarded("pages", check_pages, system),
                    guarded("sessions", check_sessions, system),
                    guarded("isolation", check_isolation, system, objects, factories),
                    guarded("customer pages", check_customer_pages, system, objects, rep),
                    # Last: its logout operations revoke the users' tokens.
                    guarded("matrix", check_matrix, system, objects, factories),
                ]
            except Exception:
                print(system.logs(), file=sys.stderr)
                raise
            finally:
                rep.close()
                staff.close()
    return checks


def report(checks: list[Check], seconds: float) -> None:
    width = max(len(check.name) for check in checks)
    print(f"\n{'check'.ljust(width)}  cases  failures  seconds")
    for check in checks:
        row = f"{check.cases:5}  {len(check.failures):8}  {check.seconds:7.1f}"
        print(f"{check.name.ljust(width)}  {row}")
    total = sum(len(check.failures) for check in checks)
    cases = sum(check.cases for check in checks)
    print(f"{'total (with start-up)'.ljust(width)}  {cases:5}  {total:8}  {seconds:7.1f}")
    if os.environ.get("SECURITY_VERBOSE"):
        for check in checks:
            print(f"\n== {check.name}", *check.log, sep="\n")
    for check in checks:
        for failure in check.failures:
            print(f"\nFAIL [{check.name}] {failure}")


def main() -> int:
    started = time.monotonic()
    try:
        checks = run()
    except Exception:
        traceback.print_exc()
        return 1
    report(checks, time.monotonic() - started)
    return 1 if any(check.failures for check in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
