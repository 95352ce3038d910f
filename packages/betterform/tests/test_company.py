"""The company profile: one row edited in the admin, validated by ``betterform.company`` (the
logo's content included), printed on PDFs instead of the settings once filled in, and giving
new quotes their default currency and tax rate."""

from __future__ import annotations

import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from betterform import company, services
from betterform.demo import DEMO_COMPANY, _ensure_company
from betterform.models import CompanyProfile

pytestmark = pytest.mark.django_db

ADMIN_URL = "/admin/betterform/companyprofile/"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4"/></svg>'
FILLED = {
    "name": "Northwind Kitchens Ltd",
    "address": "12 Harbour Road\n1011 AB Amsterdam",
    "email": "quotes@northwind.example",
    "phone": "",
    "website": "www.northwind.example",
    "registration": "VAT NL123456789B01",
}


def png(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _form_data(**changes: Any) -> dict[str, Any]:
    return {**FILLED, "default_currency": "", "default_tax_rate": "", **changes}


# --- the service ------------------------------------------------------------------------------


def test_without_a_filled_profile_the_settings_and_placeholders_are_printed(settings):
    settings.BETTERFORM_COMPANY = {"name": "From the environment"}
    details = company.company_details()
    assert details["name"] == "From the environment"
    assert details["website"] == "www.example.com", "unset keys keep their placeholder"
    assert details["logo"].startswith("createpdf-static:"), "the placeholder logo"
    company.update_profile(default_tax_rate=D("21"))  # defaults only, no name: still settings
    assert company.company_details()["name"] == "From the environment"


def test_a_filled_profile_replaces_the_settings_and_embeds_its_logo(settings):
    settings.BETTERFORM_COMPANY = {"name": "From the environment", "phone": "+1 555"}
    company.update_profile(**FILLED, logo=ContentFile(SVG, name="logo.svg"))
    details = company.company_details()
    assert {key: details[key] for key in FILLED} == FILLED
    assert details["phone"] == "", "an empty field is not filled from the settings"
    assert details["logo"].startswith("data:image/svg+xml;base64,")


def test_a_logo_lost_from_the_storage_is_left_out_not_an_error():
    profile = company.update_profile(**FILLED, logo=ContentFile(png(), name="logo.png"))
    profile.logo.storage.delete(profile.logo.name)
    assert company.company_details()["logo"] == ""


def _claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""
    import struct
    import zlib

    content = bytearray(png(1, 1))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(content[24:29])
    content[12:29] = header
    content[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(content)


def _nested_use(levels: int) -> bytes:
    defs = '<path id="l0" d="M0 0h1v1z"/>'
    for level in range(1, levels + 1):
        uses = "".join(f'<use href="#l{level - 1}" x="{n}"/>' for n in range(10))
        defs += f'<g id="l{level}">{uses}</g>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"><defs>{defs}</defs><use href="#l{levels}"/></svg>'
    ).encode()


def _deep(levels: int) -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * levels + b"</g>" * levels
        + b"</svg>"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not an image at all", "logo.png", "PNG, JPEG or SVG"),
        (png()[:40], "logo.png", "not a readable image"),
        (png(4100, 10), "logo.png", "at most 4000 a side"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 300_000, "logo.png", "at most 256 KB"),
        (b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
         "logo.svg", "DOCTYPE"),
        (b"<html><body>hi</body></html>", "logo.svg", "not an SVG"),
        (SVG, "logo.gif", "not allowed"),
        # Each costs the render more than the logo is worth, on every quote PDF: a claimed
        # 60000x60000 PNG in 138 bytes (Pillow's decompression bomb), nested <use> (a 2 KB
        # file took WeasyPrint past the 60 s render limit), scripts and event handlers.
        (_claiming(60000, 60000), "logo.png", "too many pixels"),
        (_claiming(10000, 10000), "logo.png", "too many pixels"),
        (_nested_use(7), "logo.svg", "<use>"),
        (SVG.replace(b"<rect", b"<script>1</script><rect"), "logo.svg", "<script>"),
        (SVG.replace(b"<rect", b'<rect onload="x()"'), "logo.svg", "event handlers"),
        (_deep(40), "logo.svg", "too complex"),
    ],
)  # fmt: skip
def test_a_logo_that_is_not_a_small_png_jpeg_or_svg_is_refused(content, name, message):
    with pytest.raises(ValidationError) as raised:
        company.update_profile(**FILLED, logo=ContentFile(content, name=name))
    assert message in " ".join(raised.value.message_dict["logo"])
    assert not CompanyProfile.objects.exists()


def test_there_is_only_ever_one_profile_row():
    company.save_profile(CompanyProfile(name="First"))
    company.save_profile(CompanyProfile(name="Second"))
    assert list(CompanyProfile.objects.values_list("pk", "name")) == [(1, "Second")]


# --- defaults of new quotes -------------------------------------------------------------------


def test_new_quotes_take_the_profile_currency_and_tax_rate_when_not_given(settings, rep):
    settings.BETTERFORM_DEFAULT_CURRENCY = "EUR"
    assert services.create_quote(owner=rep).currency == "EUR", "no profile: the setting"
    company.update_profile(default_currency="usd", default_tax_rate=D("19.5"))
    line = {"description": "Cabinets", "quantity": D(1), "unit_price": D(100)}
    quote = services.create_quote(owner=rep, lines=[line])
    assert quote.currency == "USD"
    assert quote.lines.get().tax_rate == D("19.5") and quote.tax_total == D("19.50")
    given = services.create_quote(owner=rep, currency="GBP", lines=[{**line, "tax_rate": D(0)}])
    assert given.currency == "GBP" and given.lines.get().tax_rate == D(0), "given values stay"


def test_the_api_keeps_given_values_and_defaults_the_rest(rep_client):
    company.update_profile(default_currency="CHF", default_tax_rate=D("8.1"))
    line = {"description": "Fitting", "quantity": "1", "unit_price": "100.00"}
    body = rep_client.post("/api/quotes/", {"lines": [line]}, format="json").json()
    assert body["currency"] == "CHF" and body["lines"][0]["tax_rate"] == "8.10"
    given = {"currency": "EUR", "lines": [{**line, "tax_rate": "21.00"}]}
    body = rep_client.post("/api/quotes/", given, format="json").json()
    assert body["currency"] == "EUR" and body["lines"][0]["tax_rate"] == "21.00"


def test_a_built_quote_takes_the_default_tax_when_its_form_gives_none(form, submission):
    company.update_profile(default_currency="SEK", default_tax_rate=D("25"))
    schema = form().schema
    del schema["pricing"]["tax_rate"], schema["pricing"]["currency"]
    quote = services.build_quote(submission(form=form(schema=schema)))
    assert quote.currency == "SEK"
    rates = {line.source_key: line.tax_rate for line in quote.lines.all()}
    assert rates["area"] == D("25") and rates["removal"] == D("9"), "a field's own rate stays"


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_list_opens_the_add_form_then_the_one_profile(admin_client):
    assert admin_client.get(ADMIN_URL)["Location"] == f"{ADMIN_URL}add/"
    response = admin_client.post(f"{ADMIN_URL}add/", _form_data(default_currency="eur"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile = CompanyProfile.objects.get()
    assert profile.default_currency == "EUR"
    assert admin_client.get(ADMIN_URL)["Location"] == f"{ADMIN_URL}1/change/"
    assert admin_client.get(f"{ADMIN_URL}add/").status_code == 403, "no second row"
    page = admin_client.get(f"{ADMIN_URL}1/change/").content.decode()
    assert f"{ADMIN_URL}1/delete/" not in page
    assert admin_client.post(f"{ADMIN_URL}1/delete/", {"post": "yes"}).status_code == 403
    assert CompanyProfile.objects.exists()


def test_the_admin_saves_a_logo_and_it_reaches_the_pdf_context(admin_client):
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = admin_client.post(f"{ADMIN_URL}add/", _form_data(logo=logo))
    assert response.status_code == 302
    assert company.company_details()["logo"].startswith("data:image/png;base64,")


def test_the_stored_logo_links_to_a_page_that_serves_it(admin_client, django_user_model):
    """The stock "Currently:" link pointed at MEDIA_URL, which the site does not serve (404)."""
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    admin_client.post(f"{ADMIN_URL}add/", _form_data(logo=logo))
    page = admin_client.get(f"{ADMIN_URL}{company.get_profile().pk}/change/").content.decode()
    assert f'href="{ADMIN_URL}logo/"' in page and "/media/" not in page
    served = admin_client.get(f"{ADMIN_URL}logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served.content == png() and "default-src 'none'" in served["Content-Security-Policy"]
    nobody = django_user_model.objects.create_user("plain-staff", password="pw", is_staff=True)
    admin_client.force_login(nobody)
    assert admin_client.get(f"{ADMIN_URL}logo/").status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"logo": SimpleUploadedFile("logo.png", b"GIF89a fake", content_type="image/png")},
         "logo", "PNG, JPEG or SVG"),
        ({"default_currency": "EURO"}, "default_currency", "at most 3 characters"),
        ({"default_currency": "E1R"}, "default_currency", "ISO 4217"),
        ({"default_tax_rate": "150"}, "default_tax_rate", "less than or equal to 100"),
    ],
)  # fmt: skip
def test_the_admin_shows_bad_values_on_their_field_and_saves_nothing(
    admin_client, changes, field, message
):
    response = admin_client.post(f"{ADMIN_URL}add/", _form_data(**changes))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field]), errors
    assert not CompanyProfile.objects.exists()


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_fills_the_profile_but_keeps_one_filled_in():
    _ensure_company()
    details = company.company_details()
    assert details["name"] == DEMO_COMPANY["name"] and details["logo"].startswith("data:")
    company.update_profile(name="Our own")
    _ensure_company()
    assert company.company_details()["name"] == "Our own"
