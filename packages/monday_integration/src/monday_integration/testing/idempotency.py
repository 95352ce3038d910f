"""``Idempotency-Key`` for mutations: the first answer for a key is replayed for ``ttl`` seconds
(monday: 30 minutes) with ``Idempotency-Replayed: true`` and the mutation is not applied again.

The same key with a different request, or while the first request is still running, is answered
409 ``IDEMPOTENCY_CONFLICT``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class StoredAnswer:
    fingerprint: str
    expires: float
    status: int = 0
    body: bytes = b""
    done: bool = False


class IdempotencyStore:
    def __init__(self, ttl: float = 1800.0) -> None:
        self.ttl = ttl
        self._answers: dict[str, StoredAnswer] = {}
        self._lock = threading.Lock()

    def begin(self, key: str, fingerprint: str) -> tuple[str, StoredAnswer | None]:
        """``("new", None)``: run it, then :meth:`finish`; ``("replay", answer)``;
        ``("conflict", None)``."""
        now = time.monotonic()
        with self._lock:
            self._answers = {k: a for k, a in self._answers.items() if a.expires > now}
            answer = self._answers.get(key)
            if answer is None:
                self._answers[key] = StoredAnswer(fingerprint, now + self.ttl)
                return "new", None
            if answer.fingerprint != fingerprint or not answer.done:
                return "conflict", None
            return "replay", answer

    def finish(self, key: str, status: int, body: bytes) -> None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                answer.status, answer.body, answer.done = status, body, True

    def abandon(self, key: str) -> None:
        """Forget a key whose request failed before it was answered (it may be retried)."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None and not answer.done:
                del self._answers[key]

    def expire_all(self) -> None:
        """Forget every key, as monday does once its window (30 minutes) has passed."""
        with self._lock:
            self._answers.clear()
