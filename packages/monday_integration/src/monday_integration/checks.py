"""System checks for monday_integration's settings (ids ``monday_integration.E0xx/W0xx``)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning, register

from monday_integration.conf import conf

_API_VERSION = re.compile(r"\d{4}-(01|04|07|10)")


@register()
def check_settings(**kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    url = urlsplit(conf.MONDAY_API_URL)
    if url.scheme not in ("http", "https") or not url.netloc:
        messages.append(
            Error(
                f"MONDAY_API_URL must be an http(s) URL, not {conf.MONDAY_API_URL!r}.",
                id="monday_integration.E001",
            )
        )
    if not _API_VERSION.fullmatch(conf.MONDAY_API_VERSION):
        messages.append(
            Error(
                f"MONDAY_API_VERSION must name a quarterly release such as '2026-07', "
                f"not {conf.MONDAY_API_VERSION!r}.",
                id="monday_integration.E002",
            )
        )
    if conf.MONDAY_REQUIRE_SIGNED_DELIVERIES and not conf.MONDAY_SIGNING_SECRET:
        messages.append(
            Error(
                "MONDAY_REQUIRE_SIGNED_DELIVERIES is on but MONDAY_SIGNING_SECRET is empty: "
                "every delivery would be refused. Set the monday app's signing secret, or "
                "turn the requirement off (webhooks made with a personal token are unsigned).",
                id="monday_integration.E003",
            )
        )
    if not conf.MONDAY_API_TOKEN:
        messages.append(
            Warning(
                "MONDAY_API_TOKEN is empty: webhooks are stored but items cannot be read "
                "or updated until a token is set.",
                id="monday_integration.W001",
            )
        )
    return messages
