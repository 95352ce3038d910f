"""Webhook subscriptions at work: the URL challenge, and deliveries in background threads.

A change is answered first and delivered afterwards, as on monday. A delivery that fails
(non-2xx or a connection error) is re-sent every ``retry_interval`` seconds up to
``max_retries`` times (monday: once a minute for 30 minutes) with ``isRetry: true``. With a
``signing_secret`` each delivery of a webhook created with an app's token carries
``Authorization: <JWT>`` (HS256, no ``Bearer``); a webhook created with a personal API token
(``unsigned``) delivers with no ``Authorization`` header, as on monday.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from monday_integration.testing.auth import Tokens
from monday_integration.testing.errors import MondayApiError
from monday_integration.testing.faults import Faults
from monday_integration.testing.payloads import build_payload, subscribed
from monday_integration.testing.records import Webhook
from monday_integration.testing.state import State
from monday_integration.testing.views import Event


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one event to one subscription."""

    subscription_id: int
    url: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first send, 2.. for retries
    copy: int  # 1.. when duplicate_webhooks is on
    status_code: int | None  # None: connection error or timeout
    error: str | None
    headers: dict[str, str]
    at: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def trigger_uuid(self) -> str:
        return self.payload["event"].get("triggerUuid", "")


@dataclass(frozen=True)
class Challenge:
    url: str
    challenge: str
    status_code: int | None
    ok: bool


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    hook: Webhook = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    user_id: int = field(compare=False)
    attempt: int = field(compare=False, default=1)
    copy: int = field(compare=False, default=1)


class Dispatcher:
    def __init__(
        self,
        state: State,
        faults: Faults,
        tokens: Tokens,
        *,
        account_id: int,
        signing_secret: str | None = None,
        retry_interval: float = 0.2,
        max_retries: int = 30,
        timeout: float = 5.0,
        workers: int = 4,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.state, self.faults, self.tokens = state, faults, tokens
        self.account_id = account_id
        self.transport = transport
        self.signing_secret = signing_secret
        self.retry_interval, self.max_retries, self.timeout = retry_interval, max_retries, timeout
        self.unsigned: set[int] = set()  # webhooks made with a personal token: never signed
        self.deliveries: list[Delivery] = []
        self.challenges: list[Challenge] = []
        self.dropped: list[Event] = []
        self._jobs: list[_Job] = []
        self._busy = 0
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._held = threading.local()  # changes made by the request this thread is answering
        self._client: httpx.Client | None = None
        self.workers = workers
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        with self._cond:
            self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"fake-monday-webhooks-{n}", daemon=True)
            for n in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._jobs.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 1)
        with self._cond:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _http(self) -> httpx.Client:
        """One client for all deliveries, made on first use (building one costs ~70 ms)."""
        with self._cond:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, transport=self.transport)
            return self._client

    # -- subscribing -----------------------------------------------------------------------
    def verify(self, url: str) -> None:
        """POST ``{"challenge": ...}`` (no Authorization); the URL must echo it with 200."""
        challenge = secrets.token_urlsafe(32)
        status, reason = None, ""
        try:
            response = self._http().post(url, json={"challenge": challenge})
            status = response.status_code
            echoed = response.json().get("challenge") if status == 200 else None
            ok = echoed == challenge
            reason = "" if ok else f"answered {status} without the challenge"
        except Exception as exc:  # unreachable URL, invalid JSON, wrong shape
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        self.challenges.append(Challenge(url, challenge, status, ok))
        if not ok:
            raise MondayApiError(
                "Failed to communicate with URL provided.",
                "InvalidWebhookUrlException",
                status_code=400,
                error_data={"url": url, "reason": reason},
            )

    # -- delivering ------------------------------------------------------------------------
    @contextlib.contextmanager
    def answer_first(self) -> Iterator[None]:
        """Hold the changes made inside (one HTTP request) and deliver them afterwards, so the
        API answer goes out before its webhooks, as on monday."""
        held: list[Event] = []
        self._held.events = held
        try:
            yield
        finally:
            self._held.events = None
            for event in held:
                self.publish(event)

    def publish(self, event: Event) -> None:
        """Queue deliveries of one change (called by the state after each write)."""
        held = getattr(self._held, "events", None)
        if held is not None:
            held.append(event)
            return
        with self.state.lock:
            hooks = [h for h in self.state.webhooks.values() if subscribed(h, event)]
        if not hooks:
            return
        if self.faults.take_drop():
            self.dropped.append(event)
            return
        copies = self.faults.take_copies()
        trigger_uuid = secrets.token_hex(16)
        now = time.monotonic()
        with self._cond:
            for hook in hooks:
                payload = build_payload(event, hook, trigger_uuid)
                for copy in range(1, copies + 1):
                    due = now if copy <= math.ceil(copies / 2) else now + 0.05
                    job = _Job(due, next(self._seq), hook, payload, event.user_id, copy=copy)
                    heapq.heappush(self._jobs, job)
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._due():
                    wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                job = heapq.heappop(self._jobs)
                self._busy += 1
            delivery = None
            try:
                delivery = self._send(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    if delivery is not None:
                        self._record(job, delivery)
                    self._cond.notify_all()

    def _record(self, job: _Job, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if not delivery.ok and job.attempt <= self.max_retries and not self._stopping:
            due = time.monotonic() + self.retry_interval
            retry = _Job(
                due, next(self._seq), job.hook, job.event, job.user_id, job.attempt + 1, job.copy
            )
            heapq.heappush(self._jobs, retry)

    def _due(self) -> bool:
        return bool(self._jobs) and self._jobs[0].due <= time.monotonic()

    def _send(self, job: _Job) -> Delivery:
        payload = {"event": {**job.event, "isRetry": job.attempt > 1}}
        headers = {"Content-Type": "application/json", "User-Agent": "monday-fake-webhooks"}
        if self.signing_secret and job.hook.id not in self.unsigned:
            headers["Authorization"] = self.sign(job.hook.url, job.user_id)
        status, error = None, None
        try:
            response = self._http().post(job.hook.url, json=payload, headers=headers)
            status = response.status_code
        except Exception as exc:  # any failure to deliver is retried, as monday does
            error = f"{type(exc).__name__}: {exc}"
        return Delivery(
            job.hook.id,
            job.hook.url,
            payload,
            job.attempt,
            job.copy,
            status,
            error,
            headers,
            time.time(),
        )

    def sign(self, url: str, user_id: int) -> str:
        now = int(time.time())
        claims = {
            "accountId": self.account_id,
            "userId": user_id,
            "aud": url,
            "iat": now,
            "exp": now + 300,
            "shortLivedToken": self.tokens.issue_short_lived(300),
        }
        return jwt.encode(claims, self.signing_secret or "", algorithm="HS256")

    # -- waiting (for tests) ---------------------------------------------------------------
    def wait(self, count: int, timeout: float, *, ok_only: bool = False) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [d for d in self.deliveries if d.ok or not ok_only]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"expected {count} deliveries, got {len(found)}: "
                        f"{[(d.url, d.status_code, d.error) for d in self.deliveries]}"
                    )
                self._cond.wait(left)

    def wait_idle(self, timeout: float) -> None:
        """Until nothing is queued or in flight (retries of failing receivers keep it busy)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._jobs)} deliveries still queued")
                self._cond.wait(left)
