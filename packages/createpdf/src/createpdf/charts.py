"""Charts for templates: pygal draws the shapes, the page lays out the words.

Templates call ``bar_chart``, ``line_chart`` and ``pie_chart`` with plain JSON data::

    {{ bar_chart("Totals by month", labels=months, series={"Total": totals}) }}

Why the labels are HTML and not SVG text
    WeasyPrint draws an SVG ``<text>`` one character at a time (``weasyprint/svg/text.py``):
    each letter is shaped alone, so Arabic comes out unjoined, and letters are placed left to
    right in the order they are stored, so Hebrew and Arabic read backwards. HTML text goes
    through Pango like a paragraph does: shaped, ordered by the bidi algorithm, in the font
    stack of ``createpdf.fonts``. So pygal still computes the layout (where every title, legend
    entry, axis label and value goes, and how long labels are truncated), and each ``<text>`` is
    taken out of its tree and written as an absolutely positioned ``<span>`` at the same point,
    over the SVG that is left with the shapes. An HTML legend beside the SVG was the other way;
    it would leave the axis labels and the values drawn letter by letter, and every chart kind
    would need its own legend layout.

The figure
    ``<span class="chart-figure">`` is an inline block of exactly the chart's size, in CSS px,
    holding the SVG at that size and one span per label, in the same coordinates (one SVG user
    unit is one CSS px, times ``scale``). Its inline styles win over template rules such as
    ``.chart svg { width: 100% }``: a template sizes a chart with ``width``/``height`` (the
    layout, in px) and ``scale`` (the figure, fonts included), not with CSS on the ``svg``.

Inert
    Every label is escaped with markupsafe; pygal's configuration ``<script>`` is removed; the
    only markup is what this module writes.

Each label: ``createpdf.chart_labels``.

Cost
    No extra WeasyPrint pass: the spans are laid out with the page. pygal's stylesheet loses its
    rules for text, tooltips, hovering and animation, which WeasyPrint would otherwise compile
    and match for nothing; a chart renders in about the time the all-SVG one took.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pygal
from markupsafe import Markup, escape
from pygal import etree as pygal_etree
from pygal.style import Style

from createpdf import fonts
from createpdf.chart_labels import Figure, local_name, px, span, take_labels
from createpdf.text_fit import fit_distinct, needed_for_distinct

FONT = fonts.css_font_family()

STYLE = Style(
    font_family=FONT,
    title_font_family=FONT,
    label_font_family=FONT,
    legend_font_family=FONT,
    value_font_family=FONT,
    background="white",
    plot_background="white",
    colors=("#1f4e79", "#2e86c1", "#f39c12", "#27ae60", "#c0392b", "#8e44ad"),
)

# pygal's stylesheet minus what only its text, tooltips, hovering and animations use: every
# rule costs WeasyPrint time to compile and match, for the SVG and for the page around it.
_TEXT_SELECTOR = re.compile(r":hover|\btext\b|\btspan\b|\.tooltip\b|\.title\b|\.no_data\b")
_TEXT_PROPERTY = re.compile(r"\s*(?:-webkit-|-moz-|transition|font-|text-anchor)")

_ZERO_RADIUS_ARC = re.compile(r"A0(?:\.0*)? 0(?:\.0*)? \S+ [01] [01] (\S+) (\S+)")

Series = Mapping[str, Sequence[float | int | str | None]] | Sequence[float | int | str | None]


def _numbers(values: Sequence[object], name: str) -> list[float | None]:
    numbers: list[float | None] = []
    for value in values:
        if value is None:
            numbers.append(None)
            continue
        try:
            numbers.append(float(Decimal(str(value))))
        except (InvalidOperation, ValueError):
            raise ValueError(
                f"chart series {name!r} has a value that is not a number: {value!r}"
            ) from None
    return numbers


def _figure(options: dict[str, Any], width: int, height: int) -> Figure:
    scale = float(options.pop("scale", 1))
    if not 0 < scale <= 10:
        raise ValueError(f"chart scale must be above 0 and at most 10, not {scale!r}")
    lang = options.pop("lang", None)
    return Figure(
        int(options.pop("width", width)),
        int(options.pop("height", height)),
        scale,
        str(lang) if lang else None,
    )


def _chart(chart_class: type, title: str, figure: Figure, **options: object):
    return chart_class(
        title=title,
        style=STYLE,
        width=figure.width,
        height=figure.height,
        js=[],  # no <script>: the SVG is inert
        disable_xml_declaration=True,
        explicit_size=True,
        **options,
    )


def _render(chart: pygal.graph.graph.Graph, figure: Figure) -> Markup:
    """The chart as a figure: the SVG shapes and an HTML span per label, all inert.

    pygal always embeds a configuration ``<script>`` (even with ``js=[]``), so the tree is
    rendered and every script element removed before serialising. The XML library escapes what
    is left of the titles (``<title>``, ``<desc>``), and each label is escaped on its way into
    its span, which makes the result safe to mark as markup.
    """
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if local_name(child.tag) == "script":
                parent.remove(child)
        if (parent.get("id") or "").startswith("activate-serie-"):
            del parent.attrib["id"]  # for pygal's scripts; repeated by every chart on a page
        path = parent.get("d") if isinstance(parent.tag, str) else None
        if path and "A0" in path:
            # pygal closes pie slices with zero-radius arcs, which WeasyPrint draws as long
            # spikes; SVG defines such an arc as a straight line, so write it as one.
            parent.set("d", _ZERO_RADIUS_ARC.sub(r"L\1 \2", path))
    labels = take_labels(tree, chart.config.style)
    for element in tree.iter():
        if local_name(element.tag) == "style" and element.text:
            element.text = _shapes_only(element.text)
    width, height = px(figure.width * figure.scale), px(figure.height * figure.scale)
    tree.set("style", f"display:block;width:{width};height:{height}")
    svg = pygal_etree.etree.tostring(tree, encoding="unicode")
    lang = f' lang="{escape(figure.lang)}"' if figure.lang else ""
    box = (
        f"display:inline-block;vertical-align:top;position:relative;overflow:hidden;"
        f"width:{width};height:{height};font-family:{fonts.css_font_family(figure.lang)};"
        "font-weight:normal;font-style:normal;line-height:1;white-space:nowrap;"
        "text-indent:0;letter-spacing:normal;word-spacing:normal;text-transform:none"
    )
    spans = "".join(span(label, figure) for label in labels)
    return Markup(  # noqa: S704 - every label is escaped above, the rest is ours
        f'<span class="chart-figure" dir="ltr"{lang} style="{escape(box)}">{svg}{spans}</span>'
    )


def _shapes_only(css: str) -> str:
    """pygal's stylesheet (flat ``selectors{declarations}`` rules) without the text rules."""
    rules = []
    for rule in css.split("}"):
        selectors, _, declarations = rule.partition("{")
        kept = [s for s in selectors.split(",") if s.strip() and not _TEXT_SELECTOR.search(s)]
        body = [d for d in declarations.split(";") if d.strip() and not _TEXT_PROPERTY.match(d)]
        if kept and body:
            rules.append(f"{','.join(kept)}{{{';'.join(body)}}}")
    return "\n".join(rules)


def bar_chart(title: str, labels: Sequence[str], series: Series, **options: object) -> Markup:
    return _series_chart(pygal.Bar, title, labels, series, **options)


def line_chart(title: str, labels: Sequence[str], series: Series, **options: object) -> Markup:
    return _series_chart(pygal.Line, title, labels, series, **options)


def _series_chart(
    chart_class: type, title: str, labels: Sequence[str], series: Series, **options: object
) -> Markup:
    named = series if isinstance(series, Mapping) else {title: series}
    figure = _figure(options, 640, 320)
    chart = _chart(chart_class, title, figure, show_legend=len(named) > 1, **options)
    chart.x_labels = [str(label) for label in labels]
    for name, values in named.items():
        chart.add(str(name), _numbers(values, str(name)))
    return _render(chart, figure)


def pie_chart(title: str, slices: Mapping[str, float | int | str], **options: object) -> Markup:
    figure = _figure(options, 480, 320)
    names = [str(name) for name in slices]
    figure, legend = _pie_legend(title, names, figure, options)
    chart = _chart(pygal.Pie, title, figure, **options)
    for name, shown, value in zip(names, legend, slices.values(), strict=True):
        chart.add(shown, _numbers([value], name)[0])
    return _render(chart, figure)


def _pie_legend(
    title: str, names: list[str], figure: Figure, options: dict[str, Any]
) -> tuple[Figure, list[str]]:
    """A legend that does not fit beside the pie goes below it, in as many columns as keep the
    entries distinct, and the figure grows to hold every entry (pygal would drop those past
    the bottom and cut the rest to the same few characters)."""
    if not names or "legend_at_bottom" in options or options.get("show_legend") is False:
        return figure, names
    font, box = STYLE.legend_font_size, int(options.get("legend_box_size", 12))
    spacing, margin = int(options.get("spacing", 10)), int(options.get("margin", 20))
    row = 1.5 * max(font, box)
    top = margin + spacing + (2 * STYLE.title_font_size if title else 0)
    if top + row * len(names) <= figure.height - margin:
        return figure, names
    view = figure.width - 2 * margin - spacing
    need = needed_for_distinct(names)
    columns = next((c for c in (4, 3, 2) if (view / c - box - 5) / font >= need), 1)
    columns = min(columns, len(names))
    rows, reserved = math.ceil(len(names) / columns), len(names) // columns
    options.update(
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        margin_bottom=margin + (rows - reserved) * row,
        truncate_legend=-1,
    )
    grow = spacing + (rows - 1) * row + max(font, box) + (rows - reserved) * row
    shown = fit_distinct(names, (view / columns - box - 5) / font)
    return figure._replace(height=int(figure.height + grow + 1)), shown


def format_money(value: object, currency: str = "") -> str:
    """``1234.5|money("EUR")`` -> ``EUR 1,234.50`` (half-up to cents, like the quote totals)."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValueError(f"money: {value!r} is not a number") from None
    return f"{currency} {amount:,}".strip()
