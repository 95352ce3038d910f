"""Quote PDFs in the scripts customers write, and with words too long for any column (issue 14).

Each PDF is made as a rep gets it (the quotes API, the worker, the download) and read back with
pdfminer.six (``read_pdf`` in the root conftest): the text written comes back, every glyph lies
inside the page's left and right margins, no two glyphs of a line overlap, every amount is
printed, and each script's characters are drawn by the Noto font made for that script.

Reading text back: pdfminer reads each line left to right, so a right-to-left run (Arabic,
Hebrew) comes back with its characters reversed, and Thai and Devanagari vowel signs come back
where they are drawn (above, below or before their consonant), not where they are typed.
So ``contains`` ignores whitespace (a wrapped word is one word again) and accepts the written
text or its reverse, and every case also checks that each character written comes back at least
as often as it was written (a character drawn as an empty box would come back as nothing or
as U+FFFD), after NFKC normalisation.

A quote has no language: the CJK face of each text comes from its script (``|text_attrs`` in
quote.html: kana -> Japanese, Hangul -> Korean, ideographs alone -> Simplified Chinese).
"""

# ruff: noqa: RUF001 (the Greek and Cyrillic letters that look Latin are meant)
from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from decimal import Decimal as D
from typing import Any

import pytest

from betterform import services
from betterform.documents import quote_context

MM = 72 / 25.4
SIDE_MARGIN = 15 * MM  # quote.css: @page { margin: 16mm 15mm 20mm }
SKU = "SKU-" + "OAK4X2-" * 10 + "A1B2C3D4E5F6"  # 86 characters, no break opportunity but "-"
LONG_WORD = "OAKCABINET" * 8  # 80 characters, no break opportunity at all
URL = "https://configurator.example.com/q/" + "a1b2c3d4e5" * 5  # 85 characters
IBAN = "DE89370400440532013000" + "4" * 58  # 80 characters

# name, customer, line description, notes, the font the script's letters must be drawn with
CASES = [
    ("arabic", "شركة النور للتجارة", "خزانة مطبخ من خشب البلوط", "التسليم خلال أسبوعين",
     "Noto-Sans-Arabic"),
    ("hebrew", "חברת אור בע״מ", "ארון מטבח מעץ אלון", "אספקה תוך שבועיים", "Noto-Sans-Hebrew"),
    ("japanese", "株式会社さくら工務店", "オーク材のキッチン収納", "納期は二週間です",
     "Noto-Sans-CJK-JP"),
    ("chinese", "上海装修有限公司", "橡木厨房橱柜", "两周内交货", "Noto-Sans-CJK-SC"),
    ("korean", "서울 인테리어 주식회사", "오크 주방 수납장", "두 주 안에 배송", "Noto-Sans-CJK-KR"),
    ("thai", "บริษัท สยาม จำกัด", "ตู้ครัวไม้โอ๊ค", "จัดส่งภายในสองสัปดาห์", "Noto-Sans-Thai"),
    ("devanagari", "भारत निर्माण कंपनी", "ओक रसोई अलमारी", "दो सप्ताह में डिलीवरी",
     "Noto-Sans-Devanagari"),
    ("greek", "Ελληνική Ανακαίνιση ΑΕ", "Ντουλάπι κουζίνας από δρυ", "Παράδοση σε δύο εβδομάδες",
     "Noto-Sans"),
    ("cyrillic", "ООО «Ромашка»", "Кухонный шкаф из дуба", "Доставка в течение двух недель",
     "Noto-Sans"),
    ("emoji", "Pizza 🍕 Bar", "Oven 🔥 and tiles 🧱", "Thanks 👍🏽 see you ❤️", "Noto-Color-Emoji"),
]  # fmt: skip
REORDERED = {"thai", "devanagari"}  # vowel signs come back where they are drawn


def _lines(description: str) -> list[dict[str, Any]]:
    return [
        {"description": f"{description} {SKU}", "quantity": D("3"), "unit": "pcs",
         "unit_price": D("1234.56"), "tax_rate": D("21"), "discount_percent": D("5")},
        {"description": "Fitting", "quantity": D("12.5"), "unit": "h",
         "unit_price": D("45.00"), "tax_rate": D("9")},
    ]  # fmt: skip


@pytest.fixture
def quote_pdf(rep_client, run_worker, pdf_pages):
    """``quote_pdf(quote)``: its PDF as the rep downloads it, read into pages."""

    def make(quote: Any) -> list[Any]:
        response = rep_client.post(f"/api/quotes/{quote.pk}/pdf/")
        assert response.status_code == 202, response.json()
        assert run_worker() == 1
        document = rep_client.get(response.json()["url"]).json()
        assert document["status"] == "done", document["error"]
        download = rep_client.get(f"/api/pdf/documents/{document['id']}/download/")
        return pdf_pages(b"".join(download.streaming_content))

    return make


def _nfkc(parts: list[str]) -> str:
    """Both sides are compared in NFKC: Thai SARA AM is shaped as its compatibility
    decomposition, NIKHAHIT and SARA AA. The PDF maps each glyph to one text, so WeasyPrint
    gives that NIKHAHIT glyph (drawn, not a box) no text: NIKHAHIT is left out."""
    return unicodedata.normalize("NFKC", "".join(parts)).replace("\u0e4d", "")


def _letters(text: str) -> list[str]:
    """The characters whose font we check: not ASCII, spaces, marks or joiners (they are drawn
    as part of a cluster whose glyph carries the whole cluster's text)."""
    return [
        char
        for char in text
        if ord(char) > 127 and not char.isspace() and unicodedata.category(char)[0] not in "MC"
    ]


def _assert_inside_the_margins(page: Any) -> None:
    outside = [
        glyph.text
        for glyph in page.glyphs
        if glyph.x0 < SIDE_MARGIN - 1 or glyph.x1 > page.width - SIDE_MARGIN + 1
        or glyph.y0 < 0 or glyph.y1 > page.height
    ]  # fmt: skip
    assert not outside, f"drawn outside the margins: {''.join(outside)[:200]!r}"


def _assert_no_glyphs_overlap(page: Any) -> None:
    """Text that overflows its cell runs over the next column: two glyphs on one baseline
    overlap. (Letters and digits only: marks and joined scripts overlap by design.)"""
    plain = sorted(
        (glyph for glyph in page.glyphs if glyph.text.isascii() and glyph.text.isalnum()),
        key=lambda glyph: (round(glyph.y0), glyph.x0),
    )
    for left, right in itertools.pairwise(plain):
        if round(left.y0) == round(right.y0):
            assert left.x1 - right.x0 < 1, f"{left.text!r} and {right.text!r} overlap"


def _description_column_ascii(page: Any) -> str:
    """The ASCII text of the lines' Description column, top to bottom. A line's other cells are
    on the same baselines, and in a right-to-left cell a wrapped SKU starts left of the words
    before it, so the page's text has the SKU in pieces; its ASCII glyphs in the column do not."""
    glyphs = list(page.glyphs)

    def find(word: str, after: int = 0) -> int:  # glyph by glyph: a glyph may hold a cluster
        return next(
            i for i in range(after, len(glyphs))
            if "".join(g.text for g in glyphs[i : i + len(word)]) == word
        )  # fmt: skip

    start = find("Description")
    left = glyphs[start].x0 - 3
    qty = find("Qty", start)
    right = glyphs[qty + 2].x1 - 10 * MM  # quote.css: .lines .qty { width: 10mm } (right-aligned)
    rows: dict[int, list[Any]] = {}
    for glyph in glyphs[start + len("Description") :]:
        if left <= glyph.x0 and glyph.x1 <= right and glyph.text.isascii():
            rows.setdefault(round(glyph.y0), []).append(glyph)
    return "".join(
        "".join(glyph.text for glyph in sorted(row, key=lambda g: g.x0)).replace(" ", "")
        for _, row in sorted(rows.items(), reverse=True)
    )


def _assert_amounts_printed(pages: list[Any], quote: Any) -> None:
    context = quote_context(quote)
    amounts = [line["gross"] for line in context["lines"]] + list(context["totals"].values())
    text = "".join(page.text for page in pages)
    for amount in amounts:
        assert amount in text, f"amount {amount} is not printed"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("customer", "description", "notes", "font"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_quote_prints_every_script_with_its_own_font_inside_the_page(
    rep, quote_pdf, request, customer, description, notes, font
):
    quote = services.create_quote(
        owner=rep, lines=_lines(description), customer_name=customer, notes=notes,
        title=description,
    )  # fmt: skip
    pages = quote_pdf(quote)

    assert len(pages) == 1
    (page,) = pages
    written = [customer, description, notes, SKU]
    if request.node.callspec.id not in REORDERED:
        for text in (customer, description, notes):
            assert page.contains(text), f"{text!r} is not on the page"
    # (A hyphen where a right-to-left cell wraps the SKU is drawn at the line's left end.)
    assert SKU.replace("-", "") in _description_column_ascii(page).replace("-", "")
    missing = Counter(_nfkc("".join(written).split())) - Counter(_nfkc([page.text]))
    assert not missing, f"characters lost (drawn as empty boxes?): {''.join(missing)!r}"
    assert "\ufffd" not in page.text and "(cid:" not in page.text, "a glyph with no character"

    for char in set(_letters(_nfkc(written))):
        fonts = {name.removesuffix("-Bold") for name in page.fonts_of(char)}
        assert fonts == {font}, f"{char!r} is drawn with {fonts}, not {font}"
    # Digits stay in the text font (an emoji font in the stack would take them: see fonts.py).
    assert page.fonts_of("0") | page.fonts_of("1") <= {"Noto-Sans", "Noto-Sans-Bold"}

    _assert_inside_the_margins(page)
    _assert_no_glyphs_overlap(page)
    _assert_amounts_printed(pages, quote)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_80_character_words_wrap_inside_their_cells_and_every_amount_stays_on_the_page(
    rep, quote_pdf, settings
):
    company = "Northern Kitchens and Interiors " + LONG_WORD + " Limited " + "Holdings " * 9
    settings.BETTERFORM_COMPANY = {"name": company[:200]}
    lines = [
        {"description": LONG_WORD, "quantity": D("1"), "unit_price": D("99999.99"),
         "tax_rate": D("21")},
        {"description": f"Worktop {SKU}", "quantity": D("2"), "unit_price": D("1250.00"),
         "tax_rate": D("21"), "discount_percent": D("12.5")},
        {"description": URL, "quantity": D("7.5"), "unit": "hours", "unit_price": D("45.00"),
         "tax_rate": D("9")},
    ]  # fmt: skip
    quote = services.create_quote(
        owner=rep, lines=lines, customer_name=f"{URL} {LONG_WORD}",
        title=LONG_WORD, notes=f"Pay to IBAN {IBAN}.\nReference {SKU}.",
    )  # fmt: skip
    pages = quote_pdf(quote)

    for page in pages:
        _assert_inside_the_margins(page)
        _assert_no_glyphs_overlap(page)
    _assert_amounts_printed(pages, quote)
    text = "".join(page.text for page in pages)
    for word in (LONG_WORD, SKU, URL, IBAN):
        assert word in text

    # The footer: quote number and customer first, the company cut short, the page counter
    # apart from it on the same line.
    page = pages[0]
    footer = [glyph for glyph in page.glyphs if glyph.y1 < 20 * MM]
    counter = [glyph for glyph in footer if glyph.x0 > page.width * 0.8]
    assert "".join(glyph.text for glyph in counter).replace(" ", "") == f"Page1of{len(pages)}"
    left = [glyph for glyph in footer if glyph not in counter]
    assert "".join(glyph.text for glyph in left).startswith(quote.number)
    assert max(glyph.x1 for glyph in left) < min(glyph.x0 for glyph in counter) - 5
