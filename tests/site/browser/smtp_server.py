"""A real SMTP server on loopback for the tests that send e-mail through Django's SMTP backend
rather than the locmem outbox: aiosmtpd's ``Controller`` on 127.0.0.1 and a free port, in a
thread of its own, keeping every message it accepts.

    with LoopbackSMTP() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        ...
        [message] = smtp.wait_for(1)   # email.message.EmailMessage, parsed with policy.default
"""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One accepted message: the SMTP envelope and the message as it arrived."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes = field(repr=False)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class _Collect:
    """aiosmtpd handler: accept every message and keep it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackSMTP:
    """The server, started on entering and stopped on leaving the ``with`` block."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = _free_port()
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname=self.host, port=self.port)

    def __enter__(self) -> LoopbackSMTP:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def received(self) -> list[Received]:
        with self._handler.arrived:
            return list(self._handler.received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` messages, waiting up to ``timeout`` seconds for them; an
        ``AssertionError`` naming how many came when fewer did."""
        deadline = time.monotonic() + timeout
        with self._handler.arrived:
            while len(self._handler.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self._handler.received)} of {count} messages reached the SMTP"
                        f" server on {self.host}:{self.port} in {timeout} s"
                    )
                self._handler.arrived.wait(left)
            return list(self._handler.received[:count])
