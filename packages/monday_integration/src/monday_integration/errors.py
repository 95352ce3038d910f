"""The errors monday's API answers with, as typed exceptions, and how each answer is classified.

monday reports most failures as HTTP 200 with an ``errors`` array (``extensions.code``,
``status_code``, ``error_data``, ``retry_in_seconds``), older ones as a top-level
``error_code``/``error_message`` body, and transport failures as 4xx/5xx statuses.
``error_from_response`` maps all three forms onto one class per way a caller reacts:
re-authenticate, give up on a missing item, wait and retry, fix the request, or retry later;
``retry_wait`` says which of them the client retries, and after how long.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

BUDGET_CODES = {"COMPLEXITY_BUDGET_EXHAUSTED", "ComplexityException"}
RATE_LIMIT_CODES = {
    "Rate Limit Exceeded",
    "RATE_LIMIT_EXCEEDED",
    "maxConcurrencyExceeded",
    "IP_RATE_LIMIT_EXCEEDED",
    "FIELD_LIMIT_EXCEEDED",
    "DAILY_LIMIT_EXCEEDED",
}
NOT_FOUND_CODES = {
    "InvalidItemIdException",
    "InvalidBoardIdException",
    "InvalidColumnIdException",
    "ResourceNotFoundException",
}
AUTH_CODES = {"UserUnauthorizedException", "USER_UNAUTHORIZED", "Unauthorized", "UNAUTHENTICATED"}
VALIDATION_CODES = {
    "GRAPHQL_VALIDATION_FAILED",
    "GraphQLValidationError",
    "BAD_USER_INPUT",
    "InvalidArgumentException",
    "ColumnValueException",
    "CorrectedValueException",
    "JsonParseException",
    "maxComplexityExceeded",
    "argumentLiteralsIncompatible",
    "undefinedField",
    "missingRequiredArguments",
}
RESET_IN = re.compile(r"reset in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


class MondayError(Exception):
    """A failed call to monday's API; ``str()`` names monday's code, message and request id."""

    def __init__(
        self,
        message: str,
        code: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        error_data: Any = None,
        path: list[Any] | None = None,
        *,
        data: Any = None,
        errors: list[Any] | None = None,
        retry_in_seconds: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.request_id = request_id
        self.error_data = error_data
        self.path = path
        self.data = data  # the partial ``data`` monday sent along with ``errors``, if any
        self.errors = errors or []
        self.retry_in_seconds = retry_in_seconds

    hint = ""

    def __str__(self) -> str:
        parts = [f"monday {self.code or 'error'}: {self.message}"]
        details = [f"HTTP {self.status_code}"] if self.status_code else []
        if self.path:
            details.append("path " + ".".join(str(part) for part in self.path))
        if self.request_id:
            details.append(f"request id {self.request_id}")
        if details:
            parts.append(f"({', '.join(details)})")
        if self.hint:
            parts.append(f"- {self.hint}")
        return " ".join(parts)


class MondayAuthError(MondayError):
    hint = "check MONDAY_API_TOKEN and the token's scopes"


class MondayNotFound(MondayError):
    hint = "the board, item or column does not exist or this token cannot see it"


class MondayRateLimited(MondayError):
    """Wait ``retry_in_seconds`` (None: monday did not say) and try again."""


class MondayComplexityError(MondayRateLimited):
    """The complexity budget is spent until monday's reset; a rate limit with a known wait."""


class MondayValidationError(MondayError):
    hint = "the request does not fit monday's schema or the column's value format"


class MondayServerError(MondayError):
    """monday failed (5xx); the same request may succeed later."""


class MondayResourceLocked(MondayError):
    """HTTP 423: another change to the board is in progress; retry shortly."""


class MondayIdempotencyConflict(MondayError):
    """HTTP 409: a request with the same Idempotency-Key is still running; retry after it."""


class MondayTransportError(MondayError):
    """monday could not be reached or did not answer in time."""


class MondayEmptyAnswer(MondayError):
    """monday answered a call with ``null`` (or nothing) where a result was expected, and no
    ``errors``. monday's schema makes the results of ``create_webhook``, ``add_file_to_column``,
    ``create_update`` and the ``change_*`` mutations nullable, and such answers are seen: the
    change may not have been made. Not retried (a retry under the same Idempotency-Key would
    replay the same answer)."""

    hint = "monday did not say why; check the item, board or webhook on monday"


def empty_answer(field: str, what: str) -> MondayEmptyAnswer:
    """The error for a ``field`` that came back null: ``what`` names the missing result."""
    return MondayEmptyAnswer(
        f"monday answered {field} with null and no error: {what}", "EMPTY_ANSWER"
    )


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _status(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _worse(stated: int | None, http_status: int | None) -> int | None:
    """The body's status unless the HTTP status is the error one."""
    return stated if stated is not None and stated >= 400 else (http_status or stated)


def _class_for(code: str | None, status: int | None, message: str) -> type[MondayError]:
    if code in BUDGET_CODES:
        if code == "ComplexityException" and not RESET_IN.search(message):
            return MondayValidationError  # one query above the per-query maximum
        return MondayComplexityError
    if code in RATE_LIMIT_CODES or status == 429:
        return MondayRateLimited
    if code in NOT_FOUND_CODES or status == 404:
        return MondayNotFound
    if code in AUTH_CODES or status in (401, 403):
        return MondayAuthError
    if code == "IDEMPOTENCY_CONFLICT" or status == 409:
        return MondayIdempotencyConflict
    if status == 423:
        return MondayResourceLocked
    if code in VALIDATION_CODES or status in (400, 422):
        return MondayValidationError
    if status is not None and status >= 500:
        return MondayServerError
    return MondayError


def request_id_of(headers: Mapping[str, str], body: Any) -> str | None:
    """monday's request id: the ``x-request-id`` header, else the body's ``extensions``."""
    found = headers.get("x-request-id")
    if found or not isinstance(body, dict):
        return found
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    first = first if isinstance(first, dict) else {}
    for extensions in (first.get("extensions"), body.get("extensions")):
        if isinstance(extensions, dict) and extensions.get("request_id"):
            return str(extensions["request_id"])
    return body.get("request_id")


def error_from_response(
    status: int, headers: Mapping[str, str], body: Any, text: str = ""
) -> MondayError | None:
    """The error a response carries, or None when it is a clean success (2xx with ``data``)."""
    request_id = request_id_of(headers, body)
    retry_after = retry_after_seconds(headers.get("retry-after"))
    http_status = status if status >= 400 else None
    if isinstance(body, dict) and body.get("errors"):
        errors = body["errors"] if isinstance(body["errors"], list) else [body["errors"]]
        first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
        ext = first.get("extensions") or {}
        code = ext.get("code")
        status_code = _worse(_status(ext.get("status_code")), http_status)
        message = str(first.get("message") or code or "unknown error")
        if code is None and first.get("locations") and status_code is None:
            code = "GRAPHQL_VALIDATION_FAILED"  # a plain GraphQL validation error
        cls = _class_for(code, status_code, message)
        wait = _number(ext.get("retry_in_seconds"))
        return cls(
            message,
            code,
            status_code or status,
            request_id,
            ext.get("error_data"),
            first.get("path"),
            data=body.get("data"),
            errors=errors,
            retry_in_seconds=wait if wait is not None else retry_after,
        )
    if isinstance(body, dict) and ("error_code" in body or "error_message" in body):
        code = body.get("error_code")
        message = str(body.get("error_message") or code or "unknown error")
        status_code = _worse(_status(body.get("status_code")), http_status)
        reset = RESET_IN.search(message)
        cls = _class_for(code, status_code, message)
        return cls(
            message,
            code,
            status_code or status,
            request_id,
            body.get("error_data"),
            data=body.get("data"),
            retry_in_seconds=float(reset.group(1)) if reset else retry_after,
        )
    if http_status is not None:
        cls = _class_for(None, http_status, "")
        message = (text or "").strip()[:300] or f"HTTP {status} without a body"
        return cls(message, None, status, request_id, retry_in_seconds=retry_after)
    if not isinstance(body, dict) or "data" not in body:
        message = "monday answered without JSON data: " + ((text or "").strip()[:300] or "empty")
        return MondayError(message, None, status, request_id)
    return None


# -- retry policy ------------------------------------------------------------------------

DEFAULT_RATE_LIMIT_WAIT = 10.0  # seconds, when a rate limit comes without a wait
RETRYABLE = (
    MondayRateLimited,
    MondayServerError,
    MondayResourceLocked,
    MondayIdempotencyConflict,
    MondayTransportError,
)


def exponential_backoff(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds before retry ``attempt`` (0-based): ``base * 2**attempt`` capped, with "equal
    jitter" (between half and all of it), so waits spread out yet never shrink."""
    ceiling = min(cap, base * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrets


def retry_wait(
    error: MondayError,
    attempt: int,
    max_retries: int,
    max_wait: float,
    backoff: Callable[[int], float] = exponential_backoff,
) -> float | None:
    """Seconds to wait before retry ``attempt`` (0-based), or None to give up with ``error``:
    exactly what monday asked for when it said, else a default (rate limits) or a backoff."""
    if attempt >= max_retries or not isinstance(error, RETRYABLE):
        return None
    if error.retry_in_seconds is not None:
        wait = error.retry_in_seconds
    elif isinstance(error, MondayRateLimited):
        wait = DEFAULT_RATE_LIMIT_WAIT
    else:
        wait = backoff(attempt)
    return wait if wait <= max_wait else None
