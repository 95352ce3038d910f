"""Values from outside are fitted to the submission, quote and line fields that store them,
whichever door they come through (services, API, quote building), on SQLite as on PostgreSQL:
display text is shortened with "…", values that would change meaning are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from betterform import services
from betterform.documents import request_quote_pdf
from betterform.limits import DoesNotFit
from betterform.models import Quote, QuoteLine, Submission
from createpdf.fitting import ELLIPSIS, max_length

pytestmark = pytest.mark.django_db

LONG = "Ö" * 3000 + "x" * 2003  # 5,003 characters


def _shortened(text: str, model, field: str) -> bool:
    limit = max_length(model, field)
    return len(text) == limit and text == LONG[: limit - 1] + ELLIPSIS


def test_a_long_name_and_company_are_shortened_and_a_long_email_or_phone_refused(form):
    target = form()
    submission = services.create_submission(
        target, answers={"area": 12, "finish": "basic"}, customer={"name": LONG, "company": LONG}
    )
    submission.refresh_from_db()
    assert _shortened(submission.customer_name, Submission, "customer_name")
    assert _shortened(submission.customer_company, Submission, "customer_company")
    for key, value in {"email": "a" * 300 + "@example.com", "phone": "1" * 41}.items():
        with pytest.raises(DoesNotFit, match=f"the customer's {key} is"):
            services.update_submission(submission, customer={key: value})


def test_a_quote_built_from_a_long_customer_name_and_form_name_fits_and_so_does_its_pdf(
    submission,
):
    """Rows written before fitting existed (SQLite kept them whole) are fitted when copied."""
    source = submission()
    source.customer_name = LONG
    source.form.name = LONG
    quote = services.build_quote(source)
    quote.refresh_from_db()
    assert _shortened(quote.customer_name, Quote, "customer_name")
    assert _shortened(quote.title, Quote, "title")
    document, _ = request_quote_pdf(quote)
    assert len(document.title) <= max_length(type(document), "title")


def test_a_long_line_description_and_unit_are_shortened(submission):
    quote = services.build_quote(submission())
    services.update_quote(
        quote,
        lines=[{"description": LONG, "unit": LONG, "quantity": 1, "unit_price": Decimal("2")}],
    )
    line = QuoteLine.objects.get(quote=quote)
    assert _shortened(line.description, QuoteLine, "description")
    assert _shortened(line.unit, QuoteLine, "unit")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"quantity": Decimal("1" * 40)}, "quantity has 40 digits before the point"),
        ({"unit_price": Decimal("0.001")}, "unit price is 0.001, which has too many decimal"),
        ({"tax_rate": "1000"}, "tax rate has 4 digits before the point"),
        ({"source_key": "k" * 101}, "source key is 101 characters long; at most 100"),
    ],
    ids=["quantity", "unit-price", "tax-rate", "source-key"],
)
def test_a_line_value_the_line_cannot_hold_is_refused_and_nothing_changes(
    submission, line, message
):
    quote = services.build_quote(submission())
    before = list(quote.lines.values_list("description", flat=True))
    bad = {"description": "Tiles", "quantity": 1, "unit_price": Decimal("2"), **line}
    with pytest.raises(DoesNotFit, match=f"quote line 1 .*{message}"):
        services.update_quote(quote, lines=[bad])
    assert list(quote.lines.values_list("description", flat=True)) == before


def test_lines_adding_up_to_more_than_a_quote_total_holds_are_refused(submission):
    quote = services.build_quote(submission())
    huge = {
        "description": "Gold",
        "quantity": Decimal("999999999"),
        "unit_price": Decimal("9" * 10),
    }
    with pytest.raises(DoesNotFit, match="the quote's subtotal has 19 digits"):
        services.update_quote(quote, lines=[huge])


def test_the_api_refuses_a_customer_email_longer_than_the_column(rep_client, form, rep):
    body = {
        "form": form(owner=rep).pk,
        "answers": {"area": 12, "finish": "basic"},
        "customer": {"email": "a" * 300 + "@example.com"},
    }
    response = rep_client.post("/api/submissions/", body, format="json")
    assert response.status_code == 400
    assert "254" in str(response.data["errors"]["customer"]["email"])
    assert not Submission.objects.exists()


def test_pricing_answers_into_a_quantity_too_large_is_a_400_not_a_500(
    rep_client, form, rep, kitchen_schema
):
    del kitchen_schema["sections"][0]["fields"][0]["max"]  # the area is unbounded
    target = form(owner=rep, schema=kitchen_schema)
    created = services.create_submission(
        target, answers={"area": "1e40", "finish": "basic"}, owner=rep
    )
    response = rep_client.post(f"/api/submissions/{created.pk}/quote/")
    assert response.status_code == 400
    assert "quote line 1 (area): quantity has 41 digits" in str(response.data["errors"]["answers"])
    assert not Quote.objects.exists()
