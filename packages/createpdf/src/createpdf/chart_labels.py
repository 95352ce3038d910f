"""Chart labels as HTML: each SVG ``<text>`` pygal drew, taken out of its tree and written
as an absolutely positioned ``<span>`` at the same point (why: ``createpdf.charts``).

Each label
    sits with its baseline on the SVG text's ``y``, after the transforms of its ancestors (a
    rotated label keeps its angle). ``text-anchor`` keeps the SVG meaning: pygal lays a chart out
    left to right (legend entries after their swatch, y labels before the axis) and SVG resolves
    ``start``/``end`` against the element's ``direction``, which is ``ltr`` here; so an Arabic
    legend entry starts after its swatch, as an English one does. Within its box the label is
    ordered by its own first strong character, like a paragraph with ``dir="auto"`` (computed
    here: WeasyPrint ignores ``dir="auto"``). The box reaches the chart's edge and no further, and
    a label pygal did not truncate enough is cut here to fit it, with an ellipsis
    (``createpdf.text_fit``: CSS ``text-overflow`` puts an overflowing right-to-left label
    outside its box); ``overflow: hidden`` stays as a safety. Ideographs get the CJK face of the
    label's own script (``fonts.text_lang``), or of the figure's ``lang``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, NamedTuple

from markupsafe import escape
from pygal.style import Style

from createpdf import fonts
from createpdf.text_fit import em_width, fit

# Where the baseline sits below the top of a one-em line box of the first family (Noto Sans:
# ascent 1.069, descent 0.293, so (1 + 1.069 - 0.293) / 2), and the room kept above and below
# that line so tall and deep glyphs (Arabic, emoji) are not clipped by the label's box.
BASELINE = 0.888
ROOM = 0.5
# A centred label's box is this much wider than its estimated width, so it is never cut by
# a wrong estimate where there is room.
SLACK = 1.2

_TRANSFORM = re.compile(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)")


class Figure(NamedTuple):
    """How a chart is placed on the page: options of ours, not pygal's."""

    width: int
    height: int
    scale: float
    lang: str | None


# An affine transform (a, b, c, d, e, f), as SVG writes it: x' = a x + c y + e, y' = b x + d y + f.
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e,
            b * t + d * u + f)  # fmt: skip


def _transform(value: str | None) -> Matrix:
    matrix = IDENTITY
    for name, arguments in _TRANSFORM.findall(value or ""):
        numbers = [float(n) for n in re.split(r"[\s,]+", arguments.strip()) if n]
        if name == "matrix" and len(numbers) == 6:
            step: Matrix = tuple(numbers)  # type: ignore[assignment]
        elif name == "translate" and numbers:
            step = (1, 0, 0, 1, numbers[0], numbers[1] if len(numbers) > 1 else 0)
        elif name == "scale" and numbers:
            step = (numbers[0], 0, 0, numbers[-1], 0, 0)
        elif name == "rotate" and numbers:
            angle = math.radians(numbers[0])
            cos, sin = math.cos(angle), math.sin(angle)
            step = (cos, sin, -sin, cos, 0, 0)
            if len(numbers) == 3:
                x, y = numbers[1], numbers[2]
                step = _multiply(_multiply((1, 0, 0, 1, x, y), step), (1, 0, 0, 1, -x, -y))
        elif name in ("skewX", "skewY") and numbers:
            tan = math.tan(math.radians(numbers[0]))
            step = (1, 0, tan, 1, 0, 0) if name == "skewX" else (1, tan, 0, 1, 0, 0)
        else:
            continue
        matrix = _multiply(matrix, step)
    return matrix


def local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class Label(NamedTuple):
    text: str
    x: float  # the anchor point, in the chart's user units
    y: float
    angle: float  # degrees, clockwise as on the page
    font_size: float
    anchor: str  # start, middle or end
    color: str


def _role(
    classes: frozenset[str], own: frozenset[str], transformed: bool, style: Style
) -> tuple[float, str, str]:
    """Font size, text-anchor and colour of a text, as pygal's CSS gives them (``classes`` are
    its ancestors', ``own`` its own); tooltips are drawn on hover only, so never here."""
    if "title" in own:
        return style.title_font_size, "middle", style.foreground_strong
    if "no_data" in own:
        return style.no_data_font_size, "middle", style.foreground_strong
    if "legend" in classes:
        return style.legend_font_size, "start", style.foreground
    if "axis" in classes:
        size = style.major_label_font_size if "major" in own else style.label_font_size
        color = style.foreground_strong if "major" in own else style.foreground
        backwards = "backwards" in own
        if "y2" in classes:
            anchor = "end" if transformed and backwards else "start"
        elif "y" in classes:
            anchor = "start" if transformed and backwards else "end"
        elif transformed and "web" not in classes:
            anchor = "end" if backwards else "start"
        else:
            anchor = "middle"
        return size, anchor, color
    if "text-overlay" in classes:
        size = style.value_label_font_size if "label" in own else style.value_font_size
        return size, "middle" if "centered" in own else "start", style.foreground_strong
    return style.label_font_size, "start", style.foreground


def take_labels(tree: Any, style: Style) -> list[Label]:
    """Every ``<text>`` of pygal's tree, removed from it, with where and how it was drawn."""
    labels: list[Label] = []

    def walk(element: Any, matrix: Matrix, classes: frozenset[str]) -> None:
        for child in list(element):
            tag = local_name(child.tag)
            own = frozenset((child.get("class") or "").split()) if tag else frozenset()
            inner = _multiply(matrix, _transform(child.get("transform"))) if tag else matrix
            if tag == "text":
                element.remove(child)
                text = "".join(child.itertext())
                if text.strip() and not {"tooltip", "showable"} & (classes | own):
                    labels.append(_label(text, child, inner, classes, own, style))
            elif tag:
                walk(child, inner, classes | own)

    walk(tree, IDENTITY, frozenset())
    return labels


def _label(
    text: str, element: Any, m: Matrix, classes: frozenset[str], own: frozenset[str], style: Style
) -> Label:
    size, anchor, color = _role(classes, own, element.get("transform") is not None, style)
    x, y = _coordinate(element.get("x")), _coordinate(element.get("y"))
    return Label(
        text=text,
        x=m[0] * x + m[2] * y + m[4],
        y=m[1] * x + m[3] * y + m[5],
        angle=math.degrees(math.atan2(m[1], m[0])),
        font_size=size * math.hypot(m[0], m[1]),
        anchor=anchor,
        color=color,
    )


def _coordinate(value: str | None) -> float:
    """The first of an SVG ``x`` or ``y`` list (pygal writes one number)."""
    try:
        return float(re.split(r"[\s,]+", (value or "0").strip())[0])
    except ValueError:
        return 0.0


def direction(text: str) -> str:
    """``rtl`` when the first strong character is right-to-left, as ``dir="auto"`` decides."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def px(value: float) -> str:
    """``12.5`` -> ``"12.5px"`` (two decimals at most)."""
    return f"{value:.2f}".rstrip("0").rstrip(".") + "px"


def span(label: Label, figure: Figure) -> str:
    """The label as an escaped, absolutely positioned ``<span>`` in the figure's CSS px."""
    k = figure.scale
    width, height = figure.width, figure.height
    x, y, size = label.x * k, label.y * k, label.font_size * k
    room = ROOM * size
    top = y - BASELINE * size - room
    # The box runs from the anchor to the chart's edge: the label may use the room there, and
    # no more. A centred label gets a box of its (estimated) width, centred on the anchor and
    # moved inwards where it would cross an edge. A rotated label may go anywhere in the chart,
    # which still clips it.
    centred = label.anchor == "middle" and not label.angle
    if label.angle:
        reach = math.hypot(width, height) * k
    elif centred:
        reach = min(SLACK * em_width(label.text) * size, width * k)
    else:  # an anchor pygal put past an edge (a y label wider than the chart) is on the edge
        x = min(max(x, 0.0), width * k)
        reach = width * k - x if label.anchor == "start" else x
    reach = max(reach, 0)
    if label.anchor == "start":
        left, origin = x, 0.0
    elif label.anchor == "end":
        left, origin = x - reach, reach
    elif centred:
        left = min(max(x - reach / 2, 0.0), width * k - reach)
        origin = x - left
    else:
        left, origin = x - reach / 2, reach / 2
    align = {"start": "left", "middle": "center", "end": "right"}[label.anchor]
    text = label.text if label.angle or size <= 0 else fit(label.text, reach / size)
    styles = [
        "position:absolute;display:block;overflow:hidden;margin:0;border:0",
        f"left:{px(left)}",
        f"top:{px(top)}",
        f"width:{px(reach)}",
        f"padding:{px(room)} 0",
        f"font-size:{px(size)}",
        f"color:{label.color}",
        f"text-align:{align}",
    ]
    if label.angle:
        styles += [
            f"transform:rotate({label.angle:.2f}deg)",
            f"transform-origin:{px(origin)} {px(room + BASELINE * size)}",
        ]
    lang = fonts.text_lang(label.text, figure.lang)
    attributes = f' dir="{direction(label.text)}"'
    if lang and lang != figure.lang:
        attributes += f' lang="{escape(lang)}"'
        styles.append(f"font-family:{fonts.css_font_family(lang)}")
    return (
        f'<span class="chart-label"{attributes} style="{escape(";".join(styles))}">'
        f"{escape(text)}</span>"
    )
