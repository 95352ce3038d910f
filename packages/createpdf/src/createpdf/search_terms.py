"""Which search words a search index can serve (``filtering.SearchFilter``, the admin)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# pg_trgm finds ``LIKE '%term%'`` through its index only by trigrams inside the term, so a
# term without 3 letters or digits in a row reads the whole table (pg_trgm's documentation).
SEARCH_MIN_RUN = 3
_SEARCHABLE = re.compile(rf"[^\W_]{{{SEARCH_MIN_RUN}}}")


def unsearchable_terms(terms: Iterable[str]) -> list[str]:
    """The terms a search index cannot serve (no ``SEARCH_MIN_RUN`` letters or digits in a
    row); searching them would read every row of the table."""
    return [term for term in terms if not _SEARCHABLE.search(term)]


def short_terms_message(terms: list[str]) -> str:
    """The message naming the words that are too short (the 400's, the admin's)."""
    quoted = ", ".join(f"'{term}'" for term in terms[:5])
    return (
        f"Each search word needs at least {SEARCH_MIN_RUN} letters or digits in a row; "
        f"too short: {quoted}."
    )
