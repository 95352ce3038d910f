"""Faults switchable at runtime: ``fake.faults.rate_limit(...)``, ``server_error``, ``slow``,
``drop_webhooks``, ``duplicate_webhooks``, ``clear``.

Each fault counts down ``times`` (``None``: until cleared). Request faults apply to the API
endpoints (``/v2`` and ``/v2/file``) after authentication, in the order they were switched on.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from monday_integration.testing.errors import error_body

RATE_LIMIT_FORMS = ("current", "legacy", "http429")


@dataclass
class Fault:
    kind: str
    times: int | None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FaultResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Fault] = []

    # -- switching faults on ---------------------------------------------------------------
    def rate_limit(
        self,
        times: int | None = 1,
        retry_in_seconds: float = 30,
        form: str = "current",
        *,
        http_status: int = 429,
        code: str = "Rate Limit Exceeded",
    ) -> Fault:
        """Answer like monday when a budget is exhausted.

        ``current``: ``http_status`` (429, or 200 as monday sometimes does) with
        ``errors[0].extensions.code == "COMPLEXITY_BUDGET_EXHAUSTED"``, ``retry_in_seconds`` and
        a ``Retry-After`` header. ``legacy``: 429 with top-level ``error_code:
        "ComplexityException"`` and "reset in N seconds" in ``error_message`` (no header).
        ``http429``: 429 with ``code`` (``Rate Limit Exceeded``; or ``maxConcurrencyExceeded``,
        ``IP_RATE_LIMIT_EXCEEDED``) and only a ``Retry-After`` header.
        """
        if form not in RATE_LIMIT_FORMS:
            raise ValueError(f"form must be one of {RATE_LIMIT_FORMS}, not {form!r}")
        params = {
            "retry_in_seconds": retry_in_seconds,
            "form": form,
            "http_status": http_status,
            "code": code,
        }
        return self._add(Fault("rate_limit", times, params))

    def server_error(
        self, times: int | None = 1, status: int = 500, body: str | dict | None = None
    ) -> Fault:
        """Answer ``status``; ``body`` (text or JSON object) replaces the default JSON error."""
        return self._add(Fault("server_error", times, {"status": status, "body": body}))

    def slow(self, seconds: float, times: int | None = 1) -> Fault:
        """Delay the answer by ``seconds`` (the request still succeeds)."""
        return self._add(Fault("slow", times, {"seconds": seconds}))

    def drop_webhooks(self, times: int | None = 1) -> Fault:
        """The next ``times`` changes fire no delivery at all (for reconcile tests)."""
        return self._add(Fault("drop_webhooks", times))

    def duplicate_webhooks(self, copies: int = 2, times: int | None = None) -> Fault:
        """Each delivery of the next ``times`` changes is sent ``copies`` times (same
        ``triggerUuid``), half at once and the rest shortly after."""
        if copies < 1:
            raise ValueError("copies must be at least 1")
        return self._add(Fault("duplicate_webhooks", times, {"copies": copies}))

    def null_answer(self, field: str, times: int | None = 1) -> Fault:
        """The next ``times`` calls of mutation ``field`` answer ``null`` with no ``errors``
        and apply nothing. monday's schema makes ``create_webhook``, ``add_file_to_column``,
        ``create_update`` and the ``change_*`` results nullable, and such an answer to
        ``create_webhook`` has been seen."""
        return self._add(Fault(f"null_answer:{field}", times, {"field": field}))

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._active)

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._active.append(fault)
        return fault

    # -- consuming faults ------------------------------------------------------------------
    def _take(self, kinds: tuple[str, ...]) -> Fault | None:
        with self._lock:
            for fault in self._active:
                if fault.kind in kinds:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._active.remove(fault)
                    return fault
        return None

    def take_null(self, field: str) -> bool:
        """Whether this call of mutation ``field`` answers null (uses one count)."""
        return self._take((f"null_answer:{field}",)) is not None

    def take_delay(self) -> float:
        fault = self._take(("slow",))
        return float(fault.params["seconds"]) if fault else 0.0

    def take_error(self, request_id: str, account_id: int) -> FaultResponse | None:
        fault = self._take(("rate_limit", "server_error"))
        if fault is None:
            return None
        if fault.kind == "server_error":
            return _server_error(fault.params, request_id, account_id)
        return _rate_limited(fault.params, request_id, account_id)

    def take_drop(self) -> bool:
        return self._take(("drop_webhooks",)) is not None

    def take_copies(self) -> int:
        fault = self._take(("duplicate_webhooks",))
        return int(fault.params["copies"]) if fault else 1


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> FaultResponse:
    return FaultResponse(
        status,
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        json.dumps(body).encode(),
    )


_CODES = {423: "RESOURCE_LOCKED", 500: "INTERNAL_SERVER_ERROR"}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Server error"


def _server_error(params: dict[str, Any], request_id: str, account_id: int) -> FaultResponse:
    status, body = params["status"], params["body"]
    if isinstance(body, str):
        return FaultResponse(status, {"Content-Type": "text/html; charset=utf-8"}, body.encode())
    if body is None:
        phrase = _phrase(status)
        body = error_body(
            phrase,
            _CODES.get(status, phrase.upper().replace(" ", "_")),
            status,
            request_id,
            account_id=account_id,
        )
    return _json(status, body)


def _rate_limited(params: dict[str, Any], request_id: str, account_id: int) -> FaultResponse:
    seconds = params["retry_in_seconds"]
    whole = max(0, math.ceil(seconds))
    retry_after = {"Retry-After": str(whole)}
    if params["form"] == "legacy":
        message = (
            "Complexity budget exhausted, query cost 30001 budget remaining 0 out of 1000000 "
            f"reset in {whole} seconds"
        )
        body = {
            "error_code": "ComplexityException",
            "status_code": 429,
            "error_message": message,
            "error_data": {},
            "account_id": account_id,
        }
        return _json(429, body)
    if params["form"] == "http429":
        body = error_body(
            "Rate limit exceeded, please try again later",
            params["code"],
            429,
            request_id,
            account_id=account_id,
        )
        return _json(429, body, retry_after)
    body = error_body(
        f"Complexity budget exhausted, budget resets in {whole} seconds",
        "COMPLEXITY_BUDGET_EXHAUSTED",
        429,
        request_id,
        account_id=account_id,
        complexity=30001,
        complexity_budget_left=0,
        complexity_budget_limit=10_000_000,
        retry_in_seconds=seconds,
    )
    body["data"] = None
    return _json(params["http_status"], body, retry_after)
