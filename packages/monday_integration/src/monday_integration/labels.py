"""One rule for matching status labels, wherever a label is compared: the trigger a delivery
carries, the stage labels a mapping names, the labels a board's status column has.

monday shows labels as people typed them; a mapping typed by hand may differ in case or in
spaces ("Quote Requested", "quote  requested"). Labels match when they are equal after
collapsing runs of whitespace and case-folding.
"""

from __future__ import annotations

from collections.abc import Iterable


def normalized(label: str) -> str:
    return " ".join(label.split()).casefold()


def same_label(first: str | None, second: str | None) -> bool:
    """True when both are labels and they match by the rule above."""
    if first is None or second is None:
        return False
    return normalized(first) == normalized(second)


def find_label(labels: Iterable[str], wanted: str) -> str | None:
    """The label among ``labels`` (as the board spells it) that matches ``wanted``, or None."""
    return next((label for label in labels if same_label(label, wanted)), None)
