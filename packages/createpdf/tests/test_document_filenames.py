"""A document's file name (``Document.filename``): the title's letters, digits, ``-`` and ``_``
with one dash for every run of anything else, then the id; never a double dash nor a dash at
either end of the title part, whatever the title looks like."""

from __future__ import annotations

import pytest

from createpdf.models import Document


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Quote Q-2026-0031 (signed)", "Quote-Q-2026-0031-signed-3.pdf"),
        ("Quote Q-2026-0031", "Quote-Q-2026-0031-3.pdf"),
        ("Kitchen -- phase 2", "Kitchen-phase-2-3.pdf"),
        ("Kitchen & bath / 2026", "Kitchen-bath-2026-3.pdf"),
        ("Ends in a dash -", "Ends-in-a-dash-3.pdf"),
        ("Ends in a space ", "Ends-in-a-space-3.pdf"),
        ("- (starts) with one", "starts-with-one-3.pdf"),
        ("snake_case_title", "snake_case_title-3.pdf"),
        ("Zoë's offer", "Zoë-s-offer-3.pdf"),
        ("()", "document-3.pdf"),
        ("   ", "document-3.pdf"),
    ],
)
def test_a_title_becomes_one_dash_between_words_then_the_id(title: str, expected: str) -> None:
    assert Document(pk=3, title=title, template_slug="quote").filename == expected


def test_an_empty_title_is_named_after_the_template() -> None:
    assert Document(pk=3, title="", template_slug="quote-acceptance").filename == (
        "quote-acceptance-3.pdf"
    )


def test_a_long_title_cut_at_the_limit_ends_without_a_dash() -> None:
    document = Document(pk=3, title="Quote (signed) " * 40, template_slug="quote")
    name = document.filename
    limit = Document._meta.get_field("file").max_length
    assert len(f"documents/3/{name}") <= limit
    assert "--" not in name and not name.removesuffix("-3.pdf").endswith("-")
