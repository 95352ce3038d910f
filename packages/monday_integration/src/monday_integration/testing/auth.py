"""Which ``Authorization`` values the fake accepts: its API token and the short-lived tokens
it hands out inside signed webhook JWTs (``shortLivedToken``, valid about 5 minutes)."""

from __future__ import annotations

import hmac
import secrets
import threading
import time


class Tokens:
    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self._short_lived: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue_short_lived(self, ttl: float = 300.0) -> str:
        token = f"slt_{secrets.token_urlsafe(24)}"
        with self._lock:
            now = time.monotonic()
            self._short_lived = {t: exp for t, exp in self._short_lived.items() if exp > now}
            self._short_lived[token] = now + ttl
        return token

    def is_valid(self, authorization: str | None) -> bool:
        """monday takes the token as is, with no ``Bearer`` prefix."""
        if not authorization:
            return False
        if hmac.compare_digest(authorization.encode(), self.token.encode()):
            return True
        with self._lock:
            expires = self._short_lived.get(authorization)
        return expires is not None and expires > time.monotonic()
