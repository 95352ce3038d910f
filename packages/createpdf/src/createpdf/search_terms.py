"""Which search words a search index can serve (``filtering.SearchFilter``, the admin)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# pg_trgm serves ``LIKE '%term%'`` through its index only with a trigram taken from the term:
# three letters or digits in a row, or a word edge inside the term (a letter or digit next to
# a space or punctuation, which pg_trgm pads with blanks). Without one (``zq``, ``%``) the
# search reads the whole table (pg_trgm's documentation, "Index Support").
SEARCH_MIN_RUN = 3
_SEARCHABLE = re.compile(rf"[^\W_]{{{SEARCH_MIN_RUN}}}|[^\W_][\W_]|[\W_][^\W_]")


def unsearchable_terms(terms: Iterable[str]) -> list[str]:
    """The terms a search index cannot serve (neither ``SEARCH_MIN_RUN`` letters or digits
    in a row nor a word edge inside); searching them would read every row of the table."""
    return [term for term in terms if not _SEARCHABLE.search(term)]


def short_terms_message(terms: list[str]) -> str:
    """The message naming the words that are too short (the 400's, the admin's)."""
    quoted = ", ".join(f"'{term}'" for term in terms[:5])
    return (
        f"Each search word needs at least {SEARCH_MIN_RUN} letters or digits in a row (or "
        f"letters and punctuation, as in Q-20); too short: {quoted}."
    )
