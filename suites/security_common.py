"""What the security suite's checks share: a result tally and HTTP clients.

A client can bind its own loopback source address (``127.0.0.x``): the throttles count per
client address, so each check (and each principal of the permission matrix) gets its own and
no check spends another's budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from suites.live import System


@dataclass
class Check:
    """One row of the suite's table: how many cases ran and what failed."""

    name: str
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)

    def expect(self, ok: bool, detail: str) -> bool:
        self.cases += 1
        self.log.append(f"{'ok  ' if ok else 'FAIL'} {detail}")
        if not ok:
            self.failures.append(detail)
        return ok


def client(
    system: System, who: str = "anonymous", *, address: str = "127.0.0.1", keep_alive: bool = True
) -> httpx.Client:
    """A client for ``system`` as ``who``, from ``address``; without keep-alive every request
    opens a new connection (so the kernel may hand it to any uvicorn worker)."""
    limits = httpx.Limits() if keep_alive else httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(
        base_url=system.base_url,
        headers=system.headers(who),
        timeout=60,
        follow_redirects=False,
        transport=httpx.HTTPTransport(local_address=address, limits=limits),
    )


def created(response: httpx.Response, what: str) -> dict:
    """The JSON body of a successful create, or an error naming ``what`` and the answer."""
    if response.status_code not in (200, 201, 202):
        raise RuntimeError(f"creating {what}: {response.status_code} {response.text[:500]}")
    return response.json()
