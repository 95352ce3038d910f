"""The load's clients: each loops over a weighted mix of requests until the deadline.

Kinds: API reads (lists and details, by token; a few by API key), API writes (submissions,
their answers, quotes), monday webhook deliveries (new events, triggers among them, and
deliberate duplicates: re-sent later or twice at once) and document requests.

Every request is recorded as ``(kind, status, seconds)`` (status 0: no answer). A request's time
runs from when it was due: from the call for the closed loop's clients, from its slot on the
schedule for the open loop (``DUE``), so the open loop's figures include any wait for the
client, a connection or the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from suites.load_http import Client, Response, TransportError
from suites.load_setup import Board, Monday, Principal

WEIGHTS = {
    "read_list": 30,
    "read_detail": 15,
    "write_submission": 10,
    "write_update": 6,
    "write_quote": 6,
    "webhook": 15,
    "document": 4,
    "api_key_read": 4,
}
# Load shapes, not secrets: a plain generator (seeded per run by the OS).
RNG = random.Random()  # noqa: S311
LIST_PATHS = (
    "/api/submissions/?page_size=10",
    "/api/submissions/?status=submitted&ordering=-created_at&page_size=10",
    "/api/quotes/?page_size=10",
    "/api/forms/",
)
# When the current operation was due (time.perf_counter()), set by the open loop's scheduler.
DUE: contextvars.ContextVar[float | None] = contextvars.ContextVar("due", default=None)


class Pace:
    """At most ``rate`` grants a second (a token bucket); ``take`` says whether one is free."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Load:
    """Everything the clients share: the system, the board, what was sent and measured."""

    http: Client
    monday: Monday
    board: Board
    api_key: dict[str, str]
    staff: dict[str, str]
    triggers: Pace
    documents_pace: Pace
    api_key_pace: Pace
    records: list[tuple[str, int, float]] = field(default_factory=list)
    sent: dict[str, str] = field(default_factory=dict)  # uuid -> "trigger" | "ignored"
    acked: set[str] = field(default_factory=set)
    resent: int = 0
    wrong_duplicate_flags: list[str] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    closed: int = 0  # how many of ``records`` the closed loop made (the open loop's follow)
    errors: Counter[str] = field(default_factory=Counter)
    # The first answers >= 500, as "<status> <method> <url>: <body>" (the body cut to 300).
    failures: list[str] = field(default_factory=list)

    async def request(self, kind: str, method: str, url: str, **kwargs: Any) -> Response:
        due = DUE.get()
        start = time.perf_counter() if due is None else due
        try:
            response = await self.http.request(method, url, **kwargs)
        except TransportError as error:
            self.records.append((kind, 0, time.perf_counter() - start))
            self.errors[error.kind] += 1
            raise
        self.records.append((kind, response.status_code, time.perf_counter() - start))
        if response.status_code >= 500 and len(self.failures) < 10:
            body = response.content[:300].decode(errors="replace")
            self.failures.append(f"{response.status_code} {method} {url}: {body}")
        return response

    # -- the kinds ---------------------------------------------------------------------------
    async def read_list(self, who: Principal) -> None:
        await self.request("read_list", "GET", RNG.choice(LIST_PATHS), headers=who.headers)

    async def read_detail(self, who: Principal) -> None:
        if who.quoted and RNG.random() < 0.4:
            path = f"/api/quotes/{RNG.choice(who.quoted)}/"
        else:
            path = f"/api/submissions/{RNG.choice(who.submissions)}/"
        await self.request("read_detail", "GET", path, headers=who.headers)

    async def api_key_read(self, who: Principal) -> None:
        if not self.api_key_pace.take():  # API keys are throttled as anonymous: see load.py
            return await self.read_list(who)
        path = RNG.choice(LIST_PATHS)
        await self.request("api_key_read", "GET", path, headers=self.api_key)

    async def write_submission(self, who: Principal) -> None:
        body = {
            "form": who.form_id,
            "answers": {
                "area": RNG.randint(5, 400),
                "finish": RNG.choice(["basic", "premium"]),
            },
            "customer": {"name": "Load Customer", "email": f"c{RNG.randint(1, 10**6)}@x.test"},
        }
        response = await self.request(
            "write_submission", "POST", "/api/submissions/", json=body, headers=who.headers
        )
        if response.status_code == 201:
            who.submissions.append(response.json()["id"])

    async def write_update(self, who: Principal) -> None:
        target = RNG.choice(who.submissions)
        body = {"answers": {"area": RNG.randint(5, 400), "finish": "premium"}}
        path = f"/api/submissions/{target}/"
        await self.request("write_update", "PATCH", path, json=body, headers=who.headers)

    async def write_quote(self, who: Principal) -> None:
        target = RNG.choice(who.submissions)
        path = f"/api/submissions/{target}/quote/"
        response = await self.request("write_quote", "POST", path, headers=who.headers)
        if response.status_code in (200, 201):
            quote = response.json()["id"]
            if quote not in who.quoted:
                who.quoted.append(quote)

    async def document(self, who: Principal) -> None:
        if not self.documents_pace.take():
            return await self.read_list(who)
        context = {
            "title": f"Load report {uuid.uuid4().hex[:8]}",
            "subtitle": "Load suite",
            "generated_at": "2026-04-01 09:00 UTC",
            "sections": [
                {
                    "title": "Numbers",
                    "chart": {
                        "kind": "bar",
                        "title": "Requests",
                        "labels": ["a", "b"],
                        "series": {"N": [RNG.randint(1, 99), RNG.randint(1, 99)]},
                    },
                    "table": {"columns": ["Kind", "N"], "rows": [["a", RNG.randint(1, 99)]]},
                }
            ],
        }
        body = {"template": "report", "context": context}
        response = await self.request(
            "document", "POST", "/api/pdf/documents/", json=body, headers=who.headers
        )
        if response.status_code in (200, 202):
            self.documents.append(response.json()["id"])

    async def webhook(self, who: Principal) -> None:
        """A new event (a trigger when the pace allows), or a duplicate of an acknowledged one:
        re-sent later (monday's retries) or twice at once (concurrent duplicates)."""
        if self.acked and RNG.random() < 0.25:
            trigger_uuid = RNG.choice(tuple(self.acked))
            self.resent += 1
            await self.deliver(trigger_uuid, self.sent[trigger_uuid], expect_duplicate=True)
            return
        trigger_uuid = f"load-{uuid.uuid4().hex}"
        kind = "trigger" if self.triggers.take() else "ignored"
        self.sent[trigger_uuid] = kind
        if RNG.random() < 0.1:
            self.resent += 1
            await asyncio.gather(self.deliver(trigger_uuid, kind), self.deliver(trigger_uuid, kind))
        else:
            await self.deliver(trigger_uuid, kind)

    async def deliver(
        self, trigger_uuid: str, kind: str, *, expect_duplicate: bool = False
    ) -> None:
        board = self.board
        label = board.trigger_label if kind == "trigger" else "Working on it"
        event = {
            "app": "monday",
            "type": "update_column_value",
            "triggerTime": "2026-11-23T10:00:00.000Z",
            "subscriptionId": 1,
            "userId": 1,
            "originalTriggerUuid": None,
            "boardId": int(board.board_id),
            "groupId": "topics",
            "pulseId": int(RNG.choice(board.items)),
            "pulseName": "Load",
            "columnId": board.column_id,
            "columnType": "color",
            "columnTitle": "Status",
            "value": {"label": {"index": 3 if kind == "trigger" else 0, "text": label}},
            "previousValue": None,
            "changedAt": time.time(),
            "isTopGroup": True,
            "triggerUuid": trigger_uuid,
            "isRetry": expect_duplicate,
        }
        headers = {"Authorization": self.monday.sign(board.url)}
        response = await self.request(
            "webhook", "POST", board.url, json={"event": event}, headers=headers
        )
        if response.status_code == 200:
            self.acked.add(trigger_uuid)
            if expect_duplicate and not response.json().get("duplicate"):
                self.wrong_duplicate_flags.append(trigger_uuid)


KINDS, KIND_WEIGHTS = list(WEIGHTS), list(WEIGHTS.values())


async def one(load: Load, who: Principal) -> None:
    """One operation of the mix, drawn by ``WEIGHTS``, for ``who``."""
    kind = RNG.choices(KINDS, KIND_WEIGHTS)[0]
    with contextlib.suppress(TransportError):  # recorded as status 0 by Load.request
        await getattr(load, kind)(who)


async def client(load: Load, who: Principal, deadline: float) -> None:
    """A closed-loop client: the next operation as soon as the last one is answered."""
    while time.monotonic() < deadline:
        await one(load, who)
