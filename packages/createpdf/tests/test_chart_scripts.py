"""Chart labels in any script: shaped, ordered and fonted like body text, inside the chart, inert.

Each test renders a PDF and reads its glyphs back with pdfminer.six: the text a glyph stands for,
the font it was drawn with, its advance and its position. A word drawn letter by letter (as
WeasyPrint draws SVG ``<text>``) shows up as isolated letters in logical order; a word laid out
like body text shows its contextual forms in visual order, with the same advances as in a
paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

import pytest
from pdfminer.layout import LTChar

from createpdf.charts import bar_chart, line_chart, pie_chart
from createpdf.fonts import css_font_family, font_lang_rules
from createpdf.rendering import render_pdf
from createpdf.template_text import text_attrs

from .conftest import pdf_chars

PX = 0.75  # PDF points per CSS pixel
PAGE_WIDTH, PAGE_HEIGHT = 700, 900  # px
CSS = (
    f"@page {{ size: {PAGE_WIDTH}px {PAGE_HEIGHT}px; margin: 0 }}"
    f"body {{ margin: 0; font-family: {css_font_family()}; font-size: 12px }}"
    "p { margin: 0 0 20px }"
)

ARABIC = "مرحبا بالعالم"  # "hello world": every letter but the alefs joins its neighbours
HEBREW = "שלום עולם"


def _glyphs(content: bytes) -> list[LTChar]:
    return pdf_chars(content)


def _is_rtl_letter(glyph: LTChar) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in glyph.get_text())


def _lines(glyphs: list[LTChar]) -> list[list[LTChar]]:
    """Glyphs grouped by baseline, top line first, each line in visual (left to right) order."""
    lines: dict[tuple[float, float], list[LTChar]] = {}
    for glyph in glyphs:
        baseline = glyph.matrix[5]
        lines.setdefault((round(baseline), round(glyph.size, 1)), []).append(glyph)
    return [sorted(line, key=lambda g: g.x0) for _, line in sorted(lines.items(), reverse=True)]


def _font(glyph: LTChar) -> str:
    return glyph.fontname.split("+", 1)[-1]


def _shaping(line: list[LTChar]) -> list[tuple[str, str, float]]:
    """What a line looks like, whatever its size: each glyph's text, font and relative advance."""
    return [(g.get_text(), _font(g), round(g.adv / g.size, 2)) for g in line]


def _rtl_lines(body: str, chart: str) -> tuple[list[tuple], list[list[tuple]]]:
    """The right-to-left line of the body paragraph, and every right-to-left line of the chart."""
    content = render_pdf(f"<p>{body}</p>{chart}", CSS, {}).content
    lines = [_shaping(line) for line in _lines([g for g in _glyphs(content) if _is_rtl_letter(g)])]
    return lines[0], lines[1:]


CHARTS_WITH = {  # a chart with ``word`` in some labels -> how many lines have it
    "bar: title, legend, x-axis label": (
        lambda word: bar_chart(word, [word, "Feb"], {word: [1, 2], "Other": [2, 3]}),
        3,
    ),
    "line: legend, x-axis label": (
        lambda word: line_chart("Trend", ["Jan", word], {word: [1, 2], "Other": [2, 3]}),
        2,
    ),
    "pie: slice": (lambda word: pie_chart("Share", {word: 3, "Other": 1}), 1),
}


@pytest.mark.parametrize("word", [ARABIC, HEBREW], ids=["arabic", "hebrew"])
@pytest.mark.parametrize("chart", list(CHARTS_WITH), ids=["bar", "line", "pie"])
def test_right_to_left_labels_are_shaped_and_ordered_like_body_text(chart, word):
    draw, count = CHARTS_WITH[chart]
    body, labels = _rtl_lines(word, str(draw(word)))
    assert len(labels) == count, "every label in the chart reaches the PDF"
    for label in labels:
        assert label == body, "the label's glyphs, fonts and order match the paragraph's"


def test_a_mixed_direction_label_keeps_its_runs_in_body_text_order():
    label = f"Total {ARABIC} 2025"
    content = render_pdf(
        f"<p>{label}</p>{pie_chart('Share', {label: 1}, truncate_legend=-1)}", CSS, {}
    ).content
    lines = _lines([g for g in _glyphs(content) if g.get_text().strip()])
    body, legend = [line for line in lines if any(map(_is_rtl_letter, line))]
    assert "".join(g.get_text() for g in legend) == "".join(g.get_text() for g in body)
    assert _shaping(legend) == _shaping(body)


@pytest.mark.parametrize(
    "label", ["Kitchen", "漢字とかな", "중국어 한국어", "简体中文", "Ελληνικά Кириллица", "😀🚀"]
)
def test_labels_in_any_script_use_the_fonts_of_body_text(label):
    """Body text as a template writes it: its ``lang`` from ``|text_attrs`` (the CJK face of its
    script), mapped by ``font_lang_rules()``."""
    chart = bar_chart(label, [label, "2"], {label: [1, 2], "2": [2, 3]})
    body = f"<p {text_attrs(label)}>{label}</p>"
    content = render_pdf(f"{body}{chart}", CSS + font_lang_rules(), {}).content
    lines = _lines([g for g in _glyphs(content) if g.get_text() in label and g.get_text().strip()])
    body_fonts = {g.get_text(): _font(g) for g in lines[0]}
    assert not any("DejaVu" in font for font in body_fonts.values()), body_fonts
    chart_glyphs = [g for line in lines[1:] for g in line]
    assert len(chart_glyphs) >= 3 * len(body_fonts), "title, legend and x label are all drawn"
    assert {(g.get_text(), _font(g)) for g in chart_glyphs} == set(body_fonts.items())


LONG = "X" * 40 + "漢" * 20 + "مرحبا" * 4  # 80 characters, no break opportunity but the CJK


@pytest.mark.parametrize(
    "chart",
    [
        lambda: bar_chart(LONG, [LONG, "Feb"], {LONG: [1, 2], "Other": [2, 3]}),
        lambda: line_chart(LONG, ["Jan", LONG], {LONG: [1, 2], "Other": [2, 3]}),
        lambda: pie_chart(LONG, {LONG: 3, "Other": 1}, width=420, height=230),
        lambda: pie_chart(
            "Share", {LONG: 3, "Other": 1}, width=420, height=230, truncate_legend=-1
        ),
        lambda: pie_chart(LONG, {LONG: 3}, width=420, height=230, scale=0.79, truncate_legend=-1),
    ],
    ids=["bar", "line", "pie", "pie-untruncated-legend", "pie-scaled"],
)
def test_a_very_long_label_stays_inside_the_chart_box(chart):
    markup = str(chart())
    width, height = _size(markup)
    content = render_pdf(markup, CSS, {}).content
    glyphs = [g for g in _glyphs(content) if g.get_text().strip()]
    assert any(g.get_text() == "X" for g in glyphs), "the long label is drawn"
    top = PAGE_HEIGHT * PX
    for glyph in glyphs:
        assert glyph.x0 >= 0 and glyph.x1 <= width * PX + 0.5, glyph
        assert top - height * PX - 0.5 <= glyph.y0 and glyph.y1 <= top + 0.5, glyph


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(markup: str) -> _Elements:
    elements = _Elements()
    elements.feed(markup)
    return elements


def _size(markup: str) -> tuple[float, float]:
    """The figure's width and height in px, from its style."""
    style = next(v for t, n, v in _parse(markup).attributes if t == "span" and n == "style" and v)
    found = dict(re.findall(r"(?:^|;)(width|height):([\d.]+)px", style))
    return float(found["width"]), float(found["height"])


HOSTILE = '</svg></div><script>alert(1)</script><img src=x onerror="alert(2)"><b>bold</b>'


@pytest.mark.parametrize(
    "chart",
    [
        lambda: bar_chart(HOSTILE, [HOSTILE], {HOSTILE: [1], "Other": [2]}),
        lambda: line_chart(HOSTILE, [HOSTILE, "b"], {HOSTILE: [1, 2], "Other": [2, 3]}),
        lambda: pie_chart(HOSTILE, {HOSTILE: 1, "Other": 2}, truncate_legend=-1),
    ],
    ids=["bar", "line", "pie"],
)
def test_a_label_with_markup_stays_text(chart):
    markup = str(chart())
    elements = _parse(markup)
    assert not {"script", "img", "b"} & set(elements.tags)
    assert not any(name.startswith("on") for _, name, _ in elements.attributes)
    assert elements.tags.count("svg") == 1 and markup.count("</svg>") == 1
    assert any(HOSTILE in text for text in elements.text), "the label is there, as text"
    content = render_pdf(markup, CSS, {}).content
    assert "<script>alert(1)</script>" in "".join(g.get_text() for g in _glyphs(content))


@pytest.mark.parametrize(
    "chart",
    [
        lambda: bar_chart("T", ["Jan", ARABIC], {"A": [1, 2], "B": [3, 4]}, print_values=True,
                          x_title=f"Month {ARABIC}", y_title="Amount"),
        lambda: line_chart("T", ["Jan", "Feb"], {"A": [1, 2]}, print_values=True,
                           x_label_rotation=30),
        lambda: pie_chart("T", {"Kitchen": 3, ARABIC: 1}, print_values=True),
        lambda: line_chart("Nothing yet", [], {}),
    ],
    ids=["bar-values-and-axis-titles", "line-values-rotated-labels", "pie-values", "no-data"],
)  # fmt: skip
def test_no_text_is_left_to_svg_every_label_is_html(chart):
    markup = str(chart())
    assert "<text" not in markup and markup.count('class="chart-label"') >= 3


def test_a_right_to_left_legend_entry_starts_after_its_swatch_like_any_other():
    chart = pie_chart("Share", {"Kitchen": 3, ARABIC: 2, HEBREW: 1})
    lines = _lines([g for g in _glyphs(render_pdf(str(chart), CSS, {}).content)])
    legend = [line for line in lines if line[0].size < 11][:3]  # below the 16px title
    assert len(legend) == 3
    kitchen, *others = (line[0].x0 for line in legend)
    assert others == pytest.approx([kitchen] * 2, abs=1.5)


def test_scale_sizes_the_figure_shapes_and_labels_together():
    plain, scaled = (str(pie_chart("Share", {"Kitchen": 1}, scale=s)) for s in (1, 0.5))
    assert _size(plain) == (480, 320) and _size(scaled) == (240, 160)
    assert "font-size:14px" in plain and "font-size:7px" in scaled
    with pytest.raises(ValueError, match="scale"):
        pie_chart("Share", {"Kitchen": 1}, scale=0)


def test_lang_picks_the_regions_cjk_face_for_ideographs():
    chart = str(pie_chart("Share", {"骨": 1}, lang="zh-Hant"))
    fonts = {_font(g) for g in _glyphs(render_pdf(chart, CSS, {}).content) if g.get_text() == "骨"}
    assert fonts == {"Noto-Sans-CJK-TC"}
