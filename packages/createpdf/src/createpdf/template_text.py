"""Filters and globals that set user text's direction and language on the server.

WeasyPrint ignores ``dir="auto"`` and ``unicode-bidi: plaintext`` (Kozea/WeasyPrint #106,
#1724, #2298): only an explicit ``dir`` orders a right-to-left paragraph and aligns it to the
right. So a template gives every element that holds user text its attributes::

    <td {{ line.description|text_attrs }}>{{ line.description }}</td>
    -> <td dir="rtl">...</td>, <td dir="ltr" lang="zh-Hans">...</td>

``dir`` comes from the text's first strong character (``chart_labels.direction``), ``lang``
from its script (``fonts.text_lang``: kana -> ja, Hangul -> ko, ideographs alone -> the
``lang`` passed, when it is Chinese or Japanese, else zh-Hans) so that ``font_lang_rules()``
in the CSS gives it its region's CJK face. The pieces are there too: ``{{ text|direction }}``,
``{{ text|text_lang }}``.

Footers are cut on the server (``createpdf.text_fit``), not with ``text-overflow`` in a margin
box: ``content: {{ fit_parts([number, customer.name, company.name], 48)|css_string }}``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from createpdf import fonts
from createpdf.chart_labels import direction
from createpdf.text_fit import fit, fit_parts


def _text(value: Any) -> str:
    if isinstance(value, Markup):
        return value.unescape()
    return "" if value is None else str(value)


def text_direction(value: Any) -> str:
    return direction(_text(value))


def text_lang(value: Any, default: Any = None) -> str:
    return fonts.text_lang(_text(value), default if isinstance(default, str) else None)


def text_attrs(value: Any, default_lang: Any = None) -> Markup:
    """`` dir="rtl" lang="ja"`` for an element holding ``value`` (``lang`` only for CJK)."""
    text = _text(value)
    attributes = f'dir="{direction(text)}"'
    lang = text_lang(text, default_lang)
    if lang:
        attributes += f' lang="{escape(lang)}"'
    return Markup(attributes)  # noqa: S704 - a constant and an escaped tag


def css_string(value: Any) -> Markup:
    """A CSS string literal, every character that could end it escaped."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&\'' or ord(char) < 0x20 or ord(char) == 0x7F
        else char
        for char in _text(value)
    )  # fmt: skip
    return Markup(f'"{escaped}"')  # noqa: S704 - escaped above


def _fit(value: Any, ems: float) -> str:
    return fit(_text(value), float(ems))


def _fit_parts(parts: Any, ems: float, separator: str = " \u2014 ") -> str:
    return fit_parts([_text(part) for part in parts], float(ems), _text(separator))


def register(filters: dict[str, Any], globals_: dict[str, Any]) -> None:
    filters.update(
        css_string=css_string,
        direction=text_direction,
        fit=_fit,
        text_attrs=text_attrs,
        text_lang=text_lang,
    )
    globals_.update(fit_parts=_fit_parts)
