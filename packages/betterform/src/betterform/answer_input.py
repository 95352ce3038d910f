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


# Embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI): they
# make a name display in another order than it is stored ("Ada\u202e" reverses what follows
# it on the PDF and in monday). The marks (LRM, RLM), joiners and the like stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _visible(text: str) -> str:
    """``text`` without its format characters (Unicode category Cf: zero-width spaces and
    joiners, direction marks...), which show nothing on their own."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def clean_text(value: Any, field: str, limit: int, *, multiline: bool = False) -> tuple[str, str]:
    """``(cleaned, error)``: surrounding (and, on one line, repeated) white space removed;
    ``""`` for a value that is blank once its format characters are removed (only
    zero-width spaces: a required value is then missing); an error for a value that is not
    text, holds a NUL or control character or a bidirectional embedding, override or isolate
    control (``BIDI_CONTROLS``), or is longer than ``limit`` characters. Format characters
    inside visible text (a zero-width joiner in a name) are kept."""
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
    if any(char in BIDI_CONTROLS for char in text):
        return "", (
            f"The {field} holds an invisible character that changes the direction of the "
            "text (such as a right-to-left override); type it again without it."
        )
    if not _visible(text).strip():
        return "", ""
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
