"""Charts for templates: pygal SVG, inline, with no scripts and an installed font.

Templates call ``bar_chart``, ``line_chart`` and ``pie_chart`` with plain JSON data::

    {{ bar_chart("Totals by month", labels=months, series={"Total": totals}) }}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pygal
from markupsafe import Markup
from pygal import etree as pygal_etree
from pygal.style import Style

FONT = "DejaVu Sans"  # fonts-dejavu-core: installed by scripts/system-packages

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


def _chart(chart_class: type, title: str, width: int, height: int, **options: object):
    return chart_class(
        title=title,
        style=STYLE,
        width=width,
        height=height,
        js=[],  # no <script>: the SVG is inert
        disable_xml_declaration=True,
        explicit_size=True,
        **options,
    )


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    """The chart as inert SVG markup.

    pygal always embeds a configuration ``<script>`` (even with ``js=[]``), so the tree is
    rendered and every script element removed before serialising. The XML library escapes
    every title, label and value, which makes the result safe to mark as markup.
    """
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
        path = parent.get("d") if isinstance(parent.tag, str) else None
        if path and "A0" in path:
            # pygal closes pie slices with zero-radius arcs, which WeasyPrint draws as long
            # spikes; SVG defines such an arc as a straight line, so write it as one.
            parent.set("d", _ZERO_RADIUS_ARC.sub(r"L\1 \2", path))
    return Markup(pygal_etree.etree.tostring(tree, encoding="unicode"))  # noqa: S704


def bar_chart(title: str, labels: Sequence[str], series: Series, **options: object) -> Markup:
    return _series_chart(pygal.Bar, title, labels, series, **options)


def line_chart(title: str, labels: Sequence[str], series: Series, **options: object) -> Markup:
    return _series_chart(pygal.Line, title, labels, series, **options)


def _series_chart(
    chart_class: type, title: str, labels: Sequence[str], series: Series, **options: object
) -> Markup:
    named = series if isinstance(series, Mapping) else {title: series}
    width, height = options.pop("width", 640), options.pop("height", 320)
    chart = _chart(chart_class, title, width, height, show_legend=len(named) > 1, **options)
    chart.x_labels = [str(label) for label in labels]
    for name, values in named.items():
        chart.add(str(name), _numbers(values, str(name)))
    return _svg(chart)


def pie_chart(title: str, slices: Mapping[str, float | int | str], **options: object) -> Markup:
    width, height = options.pop("width", 480), options.pop("height", 320)
    chart = _chart(pygal.Pie, title, width, height, **options)
    for name, value in slices.items():
        chart.add(str(name), _numbers([value], str(name))[0])
    return _svg(chart)


def format_money(value: object, currency: str = "") -> str:
    """``1234.5|money("EUR")`` -> ``EUR 1,234.50`` (half-up to cents, like the quote totals)."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValueError(f"money: {value!r} is not a number") from None
    return f"{currency} {amount:,}".strip()
