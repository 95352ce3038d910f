"""The packaged report template renders whatever mix of charts and tables a section has."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from createpdf.rendering import render_html, render_pdf
from createpdf.template_store import resolve_template

pytestmark = pytest.mark.django_db

TABLE = {"columns": ["Month", "Documents"], "rows": [["Jan", 12]]}
CHART = {"kind": "bar", "title": "By month", "labels": ["Jan"], "series": {"Documents": [12]}}


@pytest.mark.parametrize(
    "section",
    [
        {"title": "Only a table", "table": TABLE},
        {"title": "Only a chart", "chart": CHART},
        {"title": "Only a title"},
    ],
)
def test_a_section_may_leave_out_its_chart_or_table(section):
    template = resolve_template("report")
    context = {"title": "Report", "subtitle": "Q1", "generated_at": "today", "sections": [section]}

    rendered = render_pdf(template.html, template.css, context)

    text = PdfReader(io.BytesIO(rendered.content)).pages[0].extract_text()
    assert section["title"] in text


MM = 72 / 25.4
LONG_WORD = "DOCUMENTTEMPLATE" * 5  # 80 characters, no break opportunity


def test_long_words_and_other_scripts_stay_inside_the_report_page(pdf_pages):
    """Issue 14: an 80-character word wraps inside its table cell, the title and the footer
    stay inside the margins (report.css: 16mm at the sides), and CJK, Arabic and Greek are
    drawn with their Noto fonts."""
    template = resolve_template("report")
    title = f"Quarterly {LONG_WORD} report"
    section = {
        "title": f"東京 · القاهرة · Αθήνα {LONG_WORD}",
        "table": {
            "columns": ["Template", "Owner", "Documents", "Pages"],
            "rows": [[LONG_WORD, "山田太郎", 12, 340], ["quote", "شركة النور", 7, 9]],
        },
    }
    context = {"title": title, "subtitle": "Q1", "generated_at": "today", "sections": [section]}

    (page,) = pdf_pages(render_pdf(template.html, template.css, context).content)

    side = 16 * MM
    outside = [g.text for g in page.glyphs if g.x0 < side - 1 or g.x1 > page.width - side + 1]
    assert not outside, f"drawn outside the margins: {''.join(outside)[:200]!r}"
    words = ("東京", "القاهرة", "Αθήνα", "山田太郎", "شركة النور", "340", "Page 1 of 1")
    for text in (title, LONG_WORD, *words):
        assert page.contains(text), text
    # Ideographs without kana or Hangul, in a report without a lang: Simplified Chinese forms.
    assert {font.removesuffix("-Bold") for font in page.fonts_of("東")} == {"Noto-Sans-CJK-SC"}
    assert {font.removesuffix("-Bold") for font in page.fonts_of("ش")} == {"Noto-Sans-Arabic"}
    assert {font.removesuffix("-Bold") for font in page.fonts_of("θ")} == {"Noto-Sans"}
    # The table keeps four columns of a quarter each: the long word does not push "340" out.
    (digits,) = [g for g in page.glyphs if g.text == "0" and g.x0 > page.width * 0.7]
    assert digits.x1 < page.width - side


def test_a_reports_lang_picks_the_cjk_face_of_ideographs_and_text_gets_its_direction(pdf_pages):
    """Issue 14: ``lang`` in the context is the CJK face for ideographs alone; each cell, title
    and heading gets an explicit ``dir`` (WeasyPrint ignores ``dir="auto"``)."""
    template = resolve_template("report")
    section = {"title": "القاهرة 2026", "table": {"columns": ["名前"], "rows": [["山田太郎"]]}}
    context = {"title": "東京", "subtitle": "", "generated_at": "today", "sections": [section]}
    html = render_html(template.html, {**context, "lang": "ja"})
    assert '<h2 dir="rtl">القاهرة 2026</h2>' in html and '<td dir="ltr" lang="ja">' in html

    (page,) = pdf_pages(render_pdf(template.html, template.css, {**context, "lang": "ja"}).content)
    assert {font.removesuffix("-Bold") for font in page.fonts_of("山")} == {"Noto-Sans-CJK-JP"}
    (page,) = pdf_pages(render_pdf(template.html, template.css, context).content)
    assert {font.removesuffix("-Bold") for font in page.fonts_of("山")} == {"Noto-Sans-CJK-SC"}
