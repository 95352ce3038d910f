"""What a customer types on the quote page, cleaned before ``answering`` records it: the name
typed as a signature, the reason for declining, and what the request says of them (address,
browser). Stored text never holds NUL or other control characters, and fits its field.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from typing import Any

from betterform.models import QuoteAnswer

MAX_SIGNER_NAME = QuoteAnswer._meta.get_field("signer_name").max_length
MAX_REASON = 2000
MAX_USER_AGENT = QuoteAnswer._meta.get_field("user_agent").max_length


class AnswerInvalid(ValueError):
    """Input the customer can correct; ``errors`` maps ``signer_name``, ``consent`` or
    ``reason`` to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def clean_text(value: Any, field: str, limit: int, *, multiline: bool = False) -> tuple[str, str]:
    """``(cleaned, error)``: surrounding (and, on one line, repeated) white space removed;
    an error for a value that is not text, holds a NUL or control character, or is longer
    than ``limit`` characters."""
    if value is None:
        return "", ""
    if not isinstance(value, str):
        return "", f"The {field} must be text."
    if len(value) > limit * 4:  # before any work on a huge value
        return "", f"The {field} is too long: at most {limit} characters."
    text = value.strip() if multiline else " ".join(value.split())
    allowed = "\n\r\t" if multiline else ""
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in text):
        return "", f"The {field} holds a control character; type it again without it."
    if len(text) > limit:
        return "", f"The {field} is too long: at most {limit} characters, not {len(text)}."
    return text, ""


def clean_ip(value: str | None) -> str | None:
    """A valid IPv4 or IPv6 address, else None (the field stores nothing else)."""
    try:
        return str(ipaddress.ip_address((value or "").strip())) if value else None
    except ValueError:
        return None


def clean_agent(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return "".join(char for char in text if unicodedata.category(char) != "Cc")[:MAX_USER_AGENT]
