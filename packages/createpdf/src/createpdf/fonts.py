"""The one font stack shipped templates and charts name, in fallback order.

Each family comes from a Debian package (``scripts/system-packages``)::

    Noto Sans                Latin, Greek, Cyrillic          fonts-noto-core
    Noto Sans Arabic         Arabic, Persian, Urdu           fonts-noto-core
    Noto Sans Hebrew         Hebrew                          fonts-noto-core
    Noto Sans Devanagari     Hindi, Marathi, Nepali          fonts-noto-core
    Noto Sans Thai           Thai                            fonts-noto-core
    Noto Sans CJK JP/SC/...  Han, kana, Hangul               fonts-noto-cjk
    DejaVu Sans              symbols the others lack         fonts-dejavu-core
    Noto Color Emoji         emoji (found by fontconfig)     fonts-noto-color-emoji

Pango takes each character from the first family that has it, so the order matters where
families overlap. Han unification is the one overlap that shows: every Noto Sans CJK face has
every ideograph, drawn the way one region writes it (骨, 直, 写 differ between Japan, mainland
China, Taiwan/Hong Kong and Korea). Only one CJK face is named, chosen by the document's
language: ``ja`` -> JP, ``zh``/``zh-Hans``/``zh-CN``/``zh-SG`` -> SC, ``zh-Hant``/``zh-TW``/
``zh-HK``/``zh-MO`` -> TC, ``ko`` -> KR. Any other language gets JP, as Debian's fontconfig does
for ``sans-serif``; a template that knows its language passes it (``font_stack(lang)``) or sets
``lang`` on an element and includes ``font_lang_rules()`` in its CSS. Text whose language is
not known (a quote has none) gets its ``lang`` from its script, ``text_lang``: kana -> ``ja``,
Hangul -> ``ko``, ideographs alone -> ``zh-Hans`` (or the document's CJK ``lang``); templates
write it with ``|text_attrs`` and charts per label.

Noto Color Emoji is installed and checked but not named: with an emoji font anywhere in a
``font-family`` list, Pango draws digits, ``#``, ``*``, spaces, (c) and (R) with it (they are
keycap and emoji bases; WeasyPrint issues #1848 and #2291), so "Q-2026-0001" would print in
emoji digits. Unnamed, fontconfig still picks it for emoji, and only for them, once no named
family has the character (the ``sans-serif`` at the end lets it fall back).
"""

from __future__ import annotations

LATIN = "Noto Sans"
ARABIC = "Noto Sans Arabic"
HEBREW = "Noto Sans Hebrew"
DEVANAGARI = "Noto Sans Devanagari"
THAI = "Noto Sans Thai"
CJK_JP = "Noto Sans CJK JP"
CJK_SC = "Noto Sans CJK SC"
CJK_TC = "Noto Sans CJK TC"
CJK_KR = "Noto Sans CJK KR"
EMOJI = "Noto Color Emoji"
FALLBACK = "DejaVu Sans"
GENERIC = "sans-serif"

DEFAULT_CJK = CJK_JP

# Language tag (lower case, its first one or two subtags) -> the CJK face for its ideographs.
CJK_BY_LANG: dict[str, str] = {
    "ja": CJK_JP,
    "zh": CJK_SC,
    "zh-hans": CJK_SC,
    "zh-cn": CJK_SC,
    "zh-sg": CJK_SC,
    "zh-hant": CJK_TC,
    "zh-tw": CJK_TC,
    "zh-hk": CJK_TC,
    "zh-mo": CJK_TC,
    "ko": CJK_KR,
}

# Which script each family is there for, as the system check reports a missing one.
SCRIPTS: dict[str, str] = {
    LATIN: "Latin, Greek and Cyrillic",
    ARABIC: "Arabic",
    HEBREW: "Hebrew",
    DEVANAGARI: "Devanagari",
    THAI: "Thai",
    CJK_JP: "Japanese",
    CJK_SC: "Simplified Chinese",
    CJK_TC: "Traditional Chinese",
    CJK_KR: "Korean",
    EMOJI: "emoji",
    FALLBACK: "symbols",
}

# Families reported under one name when all of them are missing.
SCRIPT_GROUPS: dict[tuple[str, ...], str] = {
    (CJK_JP, CJK_SC, CJK_TC, CJK_KR): "Chinese, Japanese and Korean",
}


def script_names(missing: list[str]) -> list[str]:
    """What the missing families are for, one name per family or whole group."""
    names: list[str] = []
    for family in missing:
        group = next((g for g in SCRIPT_GROUPS if family in g and set(g) <= set(missing)), None)
        name = SCRIPT_GROUPS[group] if group else SCRIPTS.get(family, family)
        if name not in names:
            names.append(name)
    return names


# The Debian package each family comes from.
PACKAGES: dict[str, str] = {
    **dict.fromkeys((LATIN, ARABIC, HEBREW, DEVANAGARI, THAI), "fonts-noto-core"),
    **dict.fromkeys((CJK_JP, CJK_SC, CJK_TC, CJK_KR), "fonts-noto-cjk"),
    EMOJI: "fonts-noto-color-emoji",
    FALLBACK: "fonts-dejavu-core",
}


def cjk_family(lang: str | None = None) -> str:
    """The CJK face whose ideographs suit ``lang`` (a BCP 47 tag such as ``zh-Hant-TW``)."""
    subtags = (lang or "").lower().replace("_", "-").split("-")
    return CJK_BY_LANG.get("-".join(subtags[:2])) or CJK_BY_LANG.get(subtags[0]) or DEFAULT_CJK


def _is_kana(code: int) -> bool:
    return 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F


def _is_hangul(code: int) -> bool:
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _is_han(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def text_lang(text: object, default: str | None = None) -> str:
    """The language tag that picks the CJK face for ``text``, from its script: kana -> ``ja``,
    Hangul -> ``ko``, ideographs alone -> ``default`` when it is a CJK language (the document's
    ``lang``), else ``zh-Hans``; ``""`` for text without ideographs, kana or Hangul."""
    han = hangul = False
    for char in str(text or ""):
        code = ord(char)
        if _is_kana(code):
            return "ja"
        hangul = hangul or _is_hangul(code)
        han = han or _is_han(code)
    if hangul:
        return "ko"
    if han:
        cjk = isinstance(default, str) and default.lower()[:2] in ("ja", "zh", "ko")
        return default if cjk and default else "zh-Hans"
    return ""


def families(lang: str | None = None) -> tuple[str, ...]:
    """The families a ``font-family`` names, in fallback order, without the generic
    ``sans-serif`` (and without the emoji font, see above)."""
    return (LATIN, ARABIC, HEBREW, DEVANAGARI, THAI, cjk_family(lang), FALLBACK)


FAMILIES: tuple[str, ...] = families()
# Every family the documents need installed: the stack for any language, and the emoji font.
INSTALLED_FAMILIES: tuple[str, ...] = (
    *FAMILIES[:5],
    CJK_JP,
    CJK_SC,
    CJK_TC,
    CJK_KR,
    EMOJI,
    FALLBACK,
)


def css_font_family(lang: str | None = None) -> str:
    """The value of a CSS ``font-family`` property: ``"Noto Sans", ..., sans-serif``."""
    return ", ".join([*(f'"{family}"' for family in families(lang)), GENERIC])


def font_lang_rules() -> str:
    """CSS rules that give an element with a Chinese, Japanese or Korean ``lang`` attribute its
    region's CJK face (``<p lang="zh-Hant">``); its children inherit it. An attribute selector, not
    ``:lang()``, so a descendant's own ``font-family`` is not overridden. ``zh`` comes before
    ``zh-hant`` and ``zh-tw``, so the longer tag wins."""
    return "\n".join(
        f'[lang|="{tag}" i] {{ font-family: {css_font_family(tag)}; }}' for tag in CJK_BY_LANG
    )


# A line in every script of the stack, and an emoji: rendering it once in a new process opens
# each font (fontconfig's lookups, FreeType faces, HarfBuzz shaping plans) before the first job
# needs them (createpdf.isolation warms its render processes with it).
WARM_UP_TEXT = "Aa Ωω Жж عربي עברית हिन्दी ไทย 漢字かな한글 😀"
WARM_UP_HTML = (
    f"<p style='font-family: {css_font_family()}'>{WARM_UP_TEXT}</p>"
    f"<p style='font-family: {css_font_family()}; font-weight: bold'>{WARM_UP_TEXT}</p>"
)
