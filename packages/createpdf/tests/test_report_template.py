"""The packaged report template renders whatever mix of charts and tables a section has."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from createpdf.rendering import render_pdf
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
