"""Chart labels cut on the server to fit their box, legends that hold every entry, and the CJK
face picked per label (issue 14, second pass).

WeasyPrint places a right-to-left line that overflows its box outside it, so ``overflow: hidden``
hid the whole label, and ``text-overflow: ellipsis`` drew an ellipsis with the wrong text;
labels are cut with ``createpdf.text_fit`` instead. Read back with pdfminer: every glyph of a cut
label lies inside the chart's box and an ellipsis character ends it.
"""

from __future__ import annotations

import unicodedata

import pytest
from pdfminer.layout import LTChar

from createpdf import text_fit
from createpdf.charts import bar_chart, line_chart, pie_chart
from createpdf.fonts import css_font_family
from createpdf.rendering import render_pdf

from .conftest import pdf_chars

PX = 0.75  # PDF points per CSS px
PAGE_HEIGHT = 1400  # px
CSS = f"@page {{ size: 700px {PAGE_HEIGHT}px; margin: 0 }} body {{ margin: 0; font-family: {css_font_family()} }}"  # noqa: E501
HEBREW = "ירושלים " * 12  # 96 characters


def _glyphs(markup: str) -> list[LTChar]:
    content = render_pdf(markup, CSS, {}).content
    return [glyph for glyph in pdf_chars(content) if glyph.get_text().strip()]


def _entries(glyphs: list[LTChar], gap: float = 12) -> list[str]:
    """The texts on the page, a line split where two glyphs are more than ``gap`` apart."""
    rows: dict[int, list[LTChar]] = {}
    for glyph in glyphs:
        rows.setdefault(round(glyph.y0), []).append(glyph)
    entries: list[str] = []
    for _, row in sorted(rows.items(), reverse=True):
        row.sort(key=lambda g: g.x0)
        text, last = "", None
        for glyph in row:
            if last is not None and glyph.x0 - last > gap:
                entries.append(text)
                text, last = "", None
            space = last is not None and glyph.x0 - last > 1.5
            text += (" " if space else "") + glyph.get_text()
            last = glyph.x1
        entries.append(text)
    return entries


def _is_hebrew(glyph: LTChar) -> bool:
    return any(unicodedata.bidirectional(c) == "R" for c in glyph.get_text())


@pytest.mark.parametrize(
    ("chart", "width", "height"),
    [
        (lambda: line_chart("T", ["Jan", "Feb", HEBREW], {"A": [1, 2, 3]}, width=400,
                            truncate_label=-1), 400, 320),
        (lambda: bar_chart("T", ["Jan", "Feb"], {"A": [1, 2]}, width=300, height=200,
                           y_labels=[{"label": HEBREW, "value": 1.5}]), 300, 200),
    ],
    ids=["x-label-at-the-right-edge", "y-label-wider-than-the-chart"],
)  # fmt: skip
def test_a_right_to_left_label_too_long_for_its_box_is_cut_and_stays_inside(chart, width, height):
    glyphs = _glyphs(str(chart()))
    hebrew = [g for g in glyphs if _is_hebrew(g)]
    assert len(hebrew) >= 6, "the label is drawn, not pushed out of its box"
    assert any(g.get_text() == text_fit.ELLIPSIS for g in glyphs), "it ends in an ellipsis"
    top = PAGE_HEIGHT * PX
    for glyph in hebrew + [g for g in glyphs if g.get_text() == text_fit.ELLIPSIS]:
        assert glyph.x0 >= -0.5 and glyph.x1 <= width * PX + 0.5, glyph
        assert top - height * PX - 0.5 <= glyph.y0 <= top + 0.5, glyph


def test_a_pie_with_thirty_long_named_slices_lists_every_slice_distinctly():
    names = [f"Slice number {i} with a rather long descriptive label text" for i in range(1, 31)]
    markup = str(pie_chart("Thirty slices", {name: i for i, name in enumerate(names, 1)}))
    entries = [e for e in _entries(_glyphs(markup)) if e.startswith("Slice")]
    assert len(entries) == 30 and len(set(entries)) == 30, entries
    for i in range(1, 31):
        assert any(e.startswith(f"Slice number {i} ") or e == f"Slice number {i}{text_fit.ELLIPSIS}"
                   for e in entries), f"slice {i} is not in the legend: {entries}"  # fmt: skip
    assert "height:320px" not in markup, "the figure grew to hold the legend"


def test_legend_entries_that_differ_only_past_the_room_are_cut_in_the_middle():
    names = [f"A common and very long prefix shared by all entries {i}" for i in range(12)]
    cut = text_fit.fit_distinct(names, 16)
    assert len(set(cut)) == 12 and all(text_fit.em_width(c) <= 16 for c in cut), cut


@pytest.mark.parametrize(
    ("label", "font"),
    [("简体中文", "Noto-Sans-CJK-SC"), ("漢字とかな", "Noto-Sans-CJK-JP"),
     ("중국어 漢字", "Noto-Sans-CJK-KR")],
)  # fmt: skip
def test_each_label_gets_the_cjk_face_of_its_script(label, font):
    glyphs = _glyphs(str(pie_chart("Share", {label: 1, "Other": 2})))
    han = [g for g in glyphs if unicodedata.name(g.get_text()[0], "").startswith(("CJK", "HANGUL"))]
    assert han and {g.fontname.split("+")[-1] for g in han} == {font}


def test_fit_keeps_clusters_and_each_footer_part_keeps_a_share():
    assert text_fit.fit("👩\u200d👩\u200d👧 family", 4.5) == "👩\u200d👩\u200d👧…"
    assert text_fit.fit("👩\u200d👩\u200d👧 family", 2.5) == "…"  # not half a family
    assert text_fit.fit("short", 10) == "short"
    line = text_fit.fit_parts(["Q-" + "9" * 80, "C" * 200, "Company Ltd"], 48)
    number, customer, company = line.split(" \u2014 ")
    assert company == "Company Ltd" and number.endswith("…") and customer.endswith("…")
    assert text_fit.em_width(line) <= 48
