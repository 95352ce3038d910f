"""The quote template's layout with right-to-left text, long footers and long descriptions
(issue 14, second pass), rendered from the shipped template and its sample context.

WeasyPrint ignores ``dir="auto"``: each element that holds user text gets an explicit ``dir``
from the server (``|text_attrs``). Read back with pdfminer (``pdf_pages``): a right-to-left
paragraph ends at the left (its final period is its leftmost glyph), is aligned to the right of
its box, and a value mixing words and numbers keeps its logical order.
"""

# ruff: noqa: RUF001 (Hebrew letters that look Latin are meant)
from __future__ import annotations

import copy
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

import betterform
from createpdf.rendering import render_pdf

MM = 72 / 25.4
MARGIN = 15 * MM + 6  # quote.css: @page { margin: 16mm 15mm 20mm }, and the body's 8px
WIDTH = 180 * MM - 12  # the body's width
TEMPLATES = Path(betterform.__file__).parent / "document_templates"
HTML, CSS = ((TEMPLATES / f"quote.{kind}").read_text() for kind in ("html", "css"))
SAMPLE = json.loads((TEMPLATES / "quote.json").read_text())

RTL = {
    "arabic": {
        "customer": {"name": "محمد عبد الله", "email": "m@example.sa"},
        "title": "تجديد المطبخ والحمام بالكامل",
        "issued_on": "2 مارس 2026",
        "notes": "الأسعار تشمل التوصيل والتركيب (حتى 50 كم).\nيبدأ العمل بعد أربعة أسابيع.",
        "description": "إزالة المطبخ القديم",
        "unit": "م²",
    },
    "hebrew": {
        "customer": {"name": "דוד כהן", "email": "david@example.co.il"},
        "title": "שיפוץ מטבח ואמבטיה מלא",
        "issued_on": "2 במרץ 2026",
        "notes": "המחירים כוללים משלוח והתקנה (עד 50 קמ).\nהעבודה תתחיל בעוד ארבעה שבועות.",
        "description": "פירוק המטבח הישן",
        "unit": "יח׳",
    },
}


def _render(pdf_pages, **changes: Any) -> Any:
    context = copy.deepcopy(SAMPLE)
    context.update(changes)
    (page, *_) = pdf_pages(render_pdf(HTML, CSS, context).content)
    return page


def _is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def _line(page: Any, word: str) -> list[Any]:
    """The glyphs, left to right, of the first line (top down) that has ``word``, a
    right-to-left word read from its glyphs taken backwards. Glyphs of one line have their
    centres within 5 pt (their boxes differ between fonts: Noto Sans Arabic's is deeper)."""
    word = "".join(word.split())
    glyphs = sorted((g for g in page.glyphs if g.text.strip()), key=lambda g: -(g.y0 + g.y1))
    rows: list[list[Any]] = []
    for glyph in glyphs:
        centre = (glyph.y0 + glyph.y1) / 2
        if rows and abs((rows[-1][0].y0 + rows[-1][0].y1) / 2 - centre) < 5:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    for row in rows:
        row.sort(key=lambda g: g.x0)
        if word in "".join(g.text for g in row) or word in "".join(g.text for g in row[::-1]):
            return row
    raise AssertionError(f"{word!r} is not on the page")


@pytest.mark.parametrize("case", list(RTL))
def test_right_to_left_text_ends_at_the_left_and_aligns_to_the_right(pdf_pages, case):
    text = RTL[case]
    lines = [dict(SAMPLE["lines"][2], description=text["description"], unit=text["unit"])]
    page = _render(
        pdf_pages, customer=text["customer"], title=text["title"], issued_on=text["issued_on"],
        notes=text["notes"], lines=lines, chart=None,
    )  # fmt: skip
    right = page.width - MARGIN

    # The notes' first line: its final period is drawn at its left end; it fills to the right.
    notes = [g for g in _line(page, text["notes"].split()[0]) if g.x0 > MARGIN - 1]
    assert notes[0].text == ".", "".join(g.text for g in notes)
    assert notes[-1].x1 == pytest.approx(right, abs=2)

    # The title runs the width of the page: right-aligned.
    title = _line(page, text["title"].split()[0])
    assert title[-1].x1 == pytest.approx(right, abs=2)

    # The customer's name ends at the right of its cell (55% of the body's width).
    cell = MARGIN + 0.55 * WIDTH
    customer = [g for g in _line(page, text["customer"]["name"]) if _is_rtl(g.text)]
    customer = [g for g in customer if g.x0 < cell]  # not the date beside it
    assert customer[-1].x1 == pytest.approx(cell, abs=4)

    # The line's description ends at the right of its column, just before the quantity.
    row = _line(page, text["description"])
    quantity = next(g for g in row if g.text == "1")
    description = [g for g in row if _is_rtl(g.text) and g.x0 < quantity.x0]  # not the unit
    assert 0 < quantity.x0 - description[-1].x1 < 12 * MM

    # "2 <month> 2026" keeps its order read from the right: 2, the month, 2026.
    date = [g for g in _line(page, text["issued_on"].split()[1]) if g.x0 > page.width / 2]
    digits = "".join(g.text if g.text.isdigit() else " " for g in date).split()
    assert digits == ["2026", "2"], "".join(g.text for g in date)


def test_the_footer_keeps_the_company_with_a_long_customer_and_number(pdf_pages):
    page = _render(
        pdf_pages,
        number="Q-" + "7" * 78,
        customer={"name": "Customer " * 22, "email": ""},
        company=dict(SAMPLE["company"], name="Northwind Kitchens Ltd"),
    )
    footer = "".join(g.text for g in page.glyphs if g.y1 < 20 * MM and g.x0 < page.width * 0.8)
    assert "NorthwindKitchensLtd" in footer.replace(" ", ""), footer
    assert footer.replace(" ", "").startswith("Q-777"), footer
    assert "\u2026" in footer


def test_the_description_gets_about_half_the_table(pdf_pages):
    words = "ω " * 150  # a letter found nowhere else on the page, short words that fill lines
    lines = [dict(SAMPLE["lines"][1], description=words)]
    page = _render(pdf_pages, lines=lines, chart=None)
    header = _line(page, "Description")
    start = next(g for g in header if g.text == "D").x0
    end = max(g.x1 for g in page.glyphs if g.text == "ω")
    assert end - start >= 0.45 * WIDTH, f"{(end - start) / MM:.0f} mm of {WIDTH / MM:.0f}"
