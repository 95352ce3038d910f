"""Template -> HTML -> PDF: errors with lines, limits, charts, fonts."""

from __future__ import annotations

import threading

import pytest

from createpdf import rendering
from createpdf.charts import bar_chart, format_money, pie_chart
from createpdf.rendering import TemplateError, compile_template, render_html, render_pdf


def test_a_syntax_error_names_its_line():
    with pytest.raises(TemplateError) as raised:
        compile_template("<p>ok</p>\n<p>{% if %}</p>")
    assert raised.value.line == 2
    assert str(raised.value).startswith("line 2: ")


def test_an_undefined_name_fails_with_its_name_and_line():
    with pytest.raises(TemplateError, match="'customer' is undefined") as raised:
        render_html("<h1>Quote</h1>\n\n<p>{{ customer.name }}</p>", {})
    assert raised.value.line == 3


def test_context_values_are_escaped():
    assert render_html("{{ value }}", {"value": "<b>bold</b>"}) == "&lt;b&gt;bold&lt;/b&gt;"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1234.5, "EUR 1,234.50"), ("0.005", "EUR 0.01"), (-2, "EUR -2.00")],
)
def test_money_filter_rounds_half_up_to_cents(value, text):
    assert format_money(value, "EUR") == text


def test_money_filter_refuses_text_with_a_clear_error():
    with pytest.raises(TemplateError, match="money: 'lots' is not a number"):
        render_html("{{ 'lots'|money('EUR') }}", {})


def test_a_rendered_pdf_has_the_text_and_page_count(pdf):
    html = (
        "<h1>{{ title }}</h1>"
        "{% for n in range(3) %}<p style='break-after: page'>{{ n }}</p>{% endfor %}"
    )
    rendered = render_pdf(html, "h1 { color: #1f4e79 }", {"title": "Hello PDF"})
    assert rendered.pages == 3
    assert pdf.pages(rendered.content) == 3
    assert "Hello PDF" in pdf.text(rendered.content)
    assert len(rendered.sha256) == 64


def test_css_is_a_template_too(pdf):
    rendered = render_pdf("<p class=x>text</p>", ".x { color: {{ colour }} }", {"colour": "red"})
    assert "text" in pdf.text(rendered.content)


def test_charts_are_inline_svg_without_scripts_and_their_text_reaches_the_pdf(pdf):
    svg = str(bar_chart("Revenue by month", ["Jan", "Feb"], {"Revenue": [10, "20.5"]}))
    assert svg.startswith('<span class="chart-figure"') and svg.count("<svg") == 1
    assert "<script" not in svg and "Noto Sans" in svg, "labels are HTML in the font stack"
    rendered = render_pdf(
        "{{ bar_chart('Revenue by month', labels=['Jan', 'Feb'], series={'Revenue': [10, 20]}) }}"
        "{{ line_chart('Trend', labels=['Q1', 'Q2'], series=[1, 2]) }}"
        "{{ pie_chart('Share by form', {'Kitchen': 3, 'Website': 1}) }}",
        "",
        {},
    )
    text = pdf.text(rendered.content)
    for expected in ("Revenue by month", "Jan", "Feb", "Trend", "Share by form", "Kitchen"):
        assert expected in text


def test_chart_labels_are_escaped():
    svg = str(pie_chart("<script>alert(1)</script>", {"<b>x</b>": 1}))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_chart_data_that_is_not_a_number_is_a_template_error():
    with pytest.raises(TemplateError, match="'Total' has a value that is not a number: 'n/a'"):
        render_html("{{ bar_chart('T', labels=['a'], series={'Total': ['n/a']}) }}", {})


def test_static_brand_files_are_embedded(pdf):
    rendered = render_pdf("<img src=\"{{ static('createpdf/brand/logo.svg') }}\"><p>x</p>", "", {})
    assert rendered.pages == 1


def test_one_font_configuration_per_thread_is_reused():
    first = rendering.font_configuration()
    assert rendering.font_configuration() is first
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(rendering.font_configuration()))
    thread.start()
    thread.join()
    assert other[0] is not first


def test_pie_slices_have_no_zero_radius_arcs_that_weasyprint_draws_as_spikes():
    svg = str(pie_chart("Share", {"Kitchen": 3, "Website": 1, "Cleaning": 2}))
    assert "A0 0" not in svg
    assert svg.count("<path") >= 3


def test_templates_name_the_font_stack_through_a_global():
    """``font_stack()`` in a template's CSS is createpdf.fonts' stack, not HTML-escaped; with a
    language it names that region's CJK face."""
    from createpdf import fonts
    from createpdf.rendering import render_html

    css = render_html("body { font-family: {{ font_stack() }}; }", {})
    assert css == f"body {{ font-family: {fonts.css_font_family()}; }}"
    assert '"Noto Sans", "Noto Sans Arabic"' in css and css.endswith("sans-serif; }")
    assert "Noto Sans CJK TC" in render_html("{{ font_stack('zh-Hant-TW') }}", {})
    assert '[lang|="ko" i]' in render_html("{{ font_lang_rules() }}", {})
