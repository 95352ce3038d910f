"""Text cut to a width on the server, where CSS cannot do it right.

WeasyPrint's ``text-overflow: ellipsis`` places an overflowing right-to-left line outside its
box (so ``overflow: hidden`` hides all of it) and maps the ellipsis glyph to text poppler
rejects ("Illegal entry in bfchar block in ToUnicode CMap"). So chart labels and page footers
are cut here, to a width estimated from the characters: an East Asian wide or fullwidth
character takes 1 em, a capital letter 0.72 em, anything else 0.6 em (Noto Sans averages about
0.55), marks and joiners nothing. The estimate is conservative: a cut text fits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

ELLIPSIS = "\u2026"
ELLIPSIS_EM = 1.0  # more than the glyph's 0.84 em, so the cut text fits with it
ZWJ = "\u200d"


def char_em(char: str) -> float:
    """The estimated advance of one character, in em."""
    if char == ELLIPSIS:
        return ELLIPSIS_EM
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if 0x1F3FB <= ord(char) <= 0x1F3FF or 0xFE00 <= ord(char) <= 0xFE0F:
        return 0.0  # skin tone modifiers and variation selectors join the emoji before them
    return 0.72 if char.isupper() else 0.6


def em_width(text: str) -> float:
    return sum(map(char_em, text))


def _cuttable(text: str, index: int) -> bool:
    """Whether the text may be cut before ``text[index]`` without splitting a cluster."""
    if index <= 0 or index >= len(text):
        return True
    return text[index - 1] != ZWJ and char_em(text[index]) > 0


def fit(text: str, ems: float) -> str:
    """``text``, or as much of it as fits in ``ems`` followed by an ellipsis."""
    if em_width(text) <= ems:
        return text
    if ems < ELLIPSIS_EM:
        return ""
    used, end = ELLIPSIS_EM, 0
    for index, char in enumerate(text):
        used += char_em(char)
        if used > ems:
            break
        if _cuttable(text, index + 1):
            end = index + 1
    return text[:end].rstrip() + ELLIPSIS


def fit_parts(parts: Sequence[str], ems: float, separator: str = " \u2014 ") -> str:
    """The parts joined by ``separator`` in ``ems``, each cut to a share of the room: a short
    part keeps its whole text and leaves what it does not use to the others."""
    texts = [str(part or "").replace("\n", " ") for part in parts]
    room = ems - em_width(separator) * (len(texts) - 1)
    shares = dict.fromkeys(range(len(texts)), 0.0)
    waiting = sorted(range(len(texts)), key=lambda i: em_width(texts[i]))
    while waiting:
        share = max(room, 0) / len(waiting)
        index = waiting.pop(0)
        shares[index] = min(em_width(texts[index]), share)
        room -= shares[index]
    return separator.join(fit(text, shares[i] + 1e-9) for i, text in enumerate(texts))


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def fit_distinct(texts: Sequence[str], ems: float) -> list[str]:
    """Each text cut to ``ems``; where two cut texts would be the same, the text keeps its start
    and the part where it differs from the others ("Slice number 1… 10 with a…")."""
    cut = [fit(text, ems) for text in texts]
    counts: dict[str, int] = {}
    for text in cut:
        counts[text] = counts.get(text, 0) + 1
    result = []
    for text, short in zip(texts, cut, strict=True):
        if counts[short] == 1 or short == text:
            result.append(short)
            continue
        differs = max(_common_prefix(text, other) for other in texts if other != text)
        head = fit(text, ems * 0.4).removesuffix(ELLIPSIS)
        start = text.rfind(" ", len(head), differs) + 1 or max(len(head), differs - 2)
        result.append(fit(f"{head}{ELLIPSIS}{text[start:]}", ems))
    return result


def needed_for_distinct(texts: Sequence[str]) -> float:
    """The em width cut texts need to stay distinct: each up to where it differs from the
    others, plus the ellipsis."""
    need = 0.0
    for text in texts:
        differs = max((_common_prefix(text, other) for other in texts if other != text), default=0)
        need = max(need, em_width(text[: differs + 1]) + ELLIPSIS_EM)
    return need
