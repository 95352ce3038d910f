"""System checks for betterform's settings (ids ``betterform.E0xx``)."""

from __future__ import annotations

import re
from typing import Any

from django.core.checks import CheckMessage, Error, register

from betterform.conf import conf

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@register()
def check_settings(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    currency = conf.BETTERFORM_DEFAULT_CURRENCY
    if not isinstance(currency, str) or not _CURRENCY_CODE.fullmatch(currency):
        errors.append(
            Error(
                f"BETTERFORM_DEFAULT_CURRENCY must be a three-letter ISO 4217 code such as "
                f"'EUR', not {currency!r}.",
                id="betterform.E001",
            )
        )
    days = conf.BETTERFORM_QUOTE_VALIDITY_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        errors.append(
            Error(
                "BETTERFORM_QUOTE_VALIDITY_DAYS must be a whole number of days >= 1, "
                f"not {days!r}.",
                id="betterform.E002",
            )
        )
    return errors
