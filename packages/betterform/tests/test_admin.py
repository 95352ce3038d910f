"""The admin: readable schemas and answers, writes through the services (schema errors with
their paths, validated answers, recalculated totals), history, actions, and no N+1."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from betterform import services
from betterform.models import Form, FormVersion, Quote, Submission
from betterform.pricing import line_amounts

from .conftest import posted_form

pytestmark = pytest.mark.django_db

ANSWERS = {
    "area": 12,
    "finish": "premium",
    "extras": ["island", "lighting"],
    "removal": True,
    "notes": "Ground floor.",
}
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com", "company": "Analytical Ltd"}


def _submit(form: Form, **kwargs: Any) -> Submission:
    kwargs.setdefault("answers", ANSWERS)
    kwargs.setdefault("customer", CUSTOMER)
    return services.create_submission(form, **kwargs)


def _quote(form: Form, **kwargs: Any) -> Quote:
    with reversion.create_revision():
        return services.build_quote(_submit(form, **kwargs))


def test_changelists_filter_and_search(admin_client, form):
    kitchen = form(name="Kitchen Alpha", published=True)
    form(name="Kitchen Beta")
    _submit(kitchen, customer={"name": "Grace Hopper", "email": "grace@navy.example"})
    _submit(kitchen, customer={"name": "Alan Turing", "email": "alan@bletchley.example"})
    quote = _quote(kitchen, customer={"name": "Ada Lovelace", "email": "ada@example.com"})

    forms = admin_client.get("/admin/betterform/form/?published__exact=1&q=alpha").content.decode()
    assert "Kitchen Alpha" in forms and "Kitchen Beta" not in forms
    submissions = admin_client.get(
        "/admin/betterform/submission/?status__exact=submitted&source__exact=api&q=grace@navy"
    ).content.decode()
    assert "Grace Hopper" in submissions and "Alan Turing" not in submissions
    quotes = admin_client.get(f"/admin/betterform/quote/?status__exact=draft&q={quote.number}")
    assert quotes.status_code == 200
    assert quote.number in quotes.content.decode()
    assert f"{quote.total:,.2f} EUR" in quotes.content.decode()
    by_form = admin_client.get(f"/admin/betterform/quote/?form__id__exact={kitchen.pk}")
    assert quote.number in by_form.content.decode()


def test_schema_view_shows_field_labels_option_prices_and_escapes_html(admin_client, form):
    schema = copy.deepcopy(form().schema)
    schema["sections"][0]["fields"][0]["help_text"] = "m²"
    schema["sections"][1]["fields"][0]["label"] = "<script>alert(1)</script>"
    kitchen = form(schema=schema)
    page = admin_client.get(f"/admin/betterform/form/{kitchen.pk}/change/").content.decode()
    assert "Kitchen area" in page
    assert "Premium (<code>premium</code>) + 2500.00 EUR" in page
    assert "85.00 EUR per m²" in page
    assert "Site visit: 150.00 EUR" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_answers_block_shows_labels_and_option_labels_not_keys(admin_client, form):
    submission = _submit(form())
    page = admin_client.get(f"/admin/betterform/submission/{submission.pk}/change/")
    html = page.content.decode()
    block = html[html.index('<div class="betterform-answers">') :]
    block = block[: block.index("</table></div>")]
    for text in ("Kitchen area", "12 m²", "Finish", "Premium", "Island, Lighting", "Yes"):
        assert text in block
    assert ">premium<" not in block and "finish" not in block
    assert 'name="answers"' not in html, "answers are read-only"


def test_answers_cannot_be_edited_but_customer_fields_can(admin_client, form):
    submission = _submit(form())
    url = f"/admin/betterform/submission/{submission.pk}/change/"
    data = posted_form(admin_client.get(url))
    data.update(customer_name="Ada King", answers=json.dumps({"area": 999}))
    assert admin_client.post(url, data).status_code == 302
    submission.refresh_from_db()
    assert submission.customer_name == "Ada King"
    assert submission.answers["area"] == "12"  # as validated, not as posted


def test_status_offers_only_the_legal_moves(admin_client, form):
    submission = _submit(form())
    url = f"/admin/betterform/submission/{submission.pk}/change/"
    page = admin_client.get(url)
    choices = [value for value, _ in page.context["adminform"].form.fields["status"].choices]
    assert sorted(choices) == ["draft", "quoted", "submitted"]
    data = posted_form(page)
    refused = admin_client.post(url, {**data, "status": "accepted"})
    assert refused.status_code == 200
    assert admin_client.post(url, {**data, "status": "quoted"}).status_code == 302
    submission.refresh_from_db()
    assert submission.status == "quoted"


def test_adding_a_submission_validates_the_answers(admin_client, form):
    kitchen = form()
    data = posted_form(admin_client.get("/admin/betterform/submission/add/"))
    data.update(form=kitchen.pk, status="submitted", source="api", customer_name="Ada")
    refused = admin_client.post(
        "/admin/betterform/submission/add/", {**data, "answers": '{"area": 500}'}
    )
    assert "area: must be at most 200" in refused.content.decode()
    assert "finish: this field is required" in refused.content.decode()
    assert not Submission.objects.exists()
    saved = admin_client.post(
        "/admin/betterform/submission/add/", {**data, "answers": json.dumps(ANSWERS)}
    )
    assert saved.status_code == 302
    submission = Submission.objects.get()
    assert submission.form_version.number == 1
    assert submission.answers["area"] == "12"  # normalised by clean_answers


def _form_post(admin_client, schema: Any, url: str = "/admin/betterform/form/add/") -> Any:
    data = posted_form(admin_client.get(url))
    data.update(name="Kitchen", slug="kitchen", schema=json.dumps(schema))
    return admin_client.post(url, data)


def test_a_bad_schema_is_refused_with_its_path_and_nothing_is_stored(admin_client, kitchen_schema):
    del kitchen_schema["sections"][0]["fields"][1]["options"]
    response = _form_post(admin_client, kitchen_schema)
    assert response.status_code == 200
    assert "sections[0].fields[1].options: required for choice fields" in response.content.decode()
    assert not Form.objects.exists() and not FormVersion.objects.exists()


def test_a_good_schema_records_a_form_version_and_a_revert_records_another(
    admin_client, kitchen_schema
):
    assert _form_post(admin_client, kitchen_schema).status_code == 302
    kitchen = Form.objects.get(slug="kitchen")
    assert list(kitchen.versions.values_list("number", flat=True)) == [1]
    kitchen_schema["sections"][0]["fields"][0]["label"] = "Floor area"
    url = f"/admin/betterform/form/{kitchen.pk}/change/"
    assert _form_post(admin_client, kitchen_schema, url).status_code == 302
    assert list(kitchen.versions.values_list("number", flat=True)) == [2, 1]
    assert Version.objects.get_for_object(kitchen).count() == 2
    assert "Floor area" in admin_client.get(url).content.decode()
    first = Version.objects.get_for_object(kitchen).last()
    revert = f"{url.removesuffix('change/')}history/{first.pk}/"
    assert admin_client.post(revert, posted_form(admin_client.get(revert))).status_code == 302
    kitchen.refresh_from_db()
    assert (
        kitchen.schema
        == kitchen.versions.get(number=3).schema
        == kitchen.versions.get(number=1).schema
    ), "reverting records the restored schema as a new version"


def test_publish_and_unpublish_actions(admin_client, form):
    kitchen = form()
    admin_client.post(
        "/admin/betterform/form/", {"action": "publish", "_selected_action": [kitchen.pk]}
    )
    kitchen.refresh_from_db()
    assert kitchen.published and kitchen.versions.count() == 1
    admin_client.post(
        "/admin/betterform/form/", {"action": "unpublish", "_selected_action": [kitchen.pk]}
    )
    kitchen.refresh_from_db()
    assert not kitchen.published


def _edit_lines(admin_client, quote: Quote) -> None:
    url = f"/admin/betterform/quote/{quote.pk}/change/"
    data = posted_form(admin_client.get(url))
    total_forms = int(data["lines-TOTAL_FORMS"])
    data["lines-0-quantity"] = "20"  # the kitchen area line
    data["lines-0-discount_percent"] = "10"
    new = f"lines-{total_forms - 1}"  # the extra, empty form
    data.update(
        {
            f"{new}-description": "Extra tiling",
            f"{new}-quantity": "3",
            f"{new}-unit_price": "99.99",
            f"{new}-tax_rate": "21",
            f"{new}-discount_percent": "0",
        }
    )
    assert admin_client.post(url, data).status_code == 302


def test_editing_quote_lines_inline_recalculates_the_totals(admin_client, form):
    quote = _quote(form())
    before = quote.total
    _edit_lines(admin_client, quote)
    quote.refresh_from_db()
    lines = list(quote.lines.all())
    assert lines[0].quantity == 20 and lines[-1].description == "Extra tiling"
    assert [line.position for line in lines] == list(range(len(lines)))
    amounts = [
        line_amounts(line.quantity, line.unit_price, line.tax_rate, line.discount_percent)
        for line in lines
    ]
    assert quote.total == sum((a.total for a in amounts), Decimal("0.00")) != before
    assert quote.discount_total == amounts[0].discount > 0


def test_history_of_a_quote_lists_its_versions(admin_client, form):
    quote = _quote(form())
    _edit_lines(admin_client, quote)
    versions = Version.objects.get_for_object(quote)
    assert versions.count() == 2
    history = admin_client.get(f"/admin/betterform/quote/{quote.pk}/history/").content.decode()
    for version in versions:
        assert f"/admin/betterform/quote/{quote.pk}/history/{version.pk}/" in history
    old = admin_client.get(f"/admin/betterform/quote/{quote.pk}/history/{versions.last().pk}/")
    assert old.status_code == 200


def test_adding_a_quote_numbers_it_and_totals_its_lines(admin_client):
    data = posted_form(admin_client.get("/admin/betterform/quote/add/"))
    assert data["currency"] == "EUR"
    data.update(
        {
            "title": "Repair",
            "status": "draft",
            "lines-0-description": "Labour",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "50.00",
            "lines-0-tax_rate": "21",
            "lines-0-discount_percent": "0",
        }
    )
    assert admin_client.post("/admin/betterform/quote/add/", data).status_code == 302
    quote = Quote.objects.get()
    assert quote.number.startswith("Q-") and quote.total == Decimal("121.00")


def test_build_quote_action_creates_a_quote(admin_client, admin_user, form):
    submission = _submit(form())
    response = admin_client.post(
        "/admin/betterform/submission/",
        {"action": "build_quote", "_selected_action": [submission.pk]},
        follow=True,
    )
    quote = Quote.objects.get(submission=submission)
    assert quote.total > 0 and quote.number in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "quoted"
    assert Version.objects.get_for_object(quote).get().revision.user == admin_user


def test_forms_changelist_runs_a_constant_number_of_queries(admin_client, django_user_model, form):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/betterform/form/").status_code == 200
        return len(queries)

    def add_forms(count: int) -> None:
        for _ in range(count):
            owner = django_user_model.objects.create_user(f"rep{form().pk}")
            _submit(form(owner=owner))

    add_forms(3)
    few = count_queries()
    add_forms(12)
    assert count_queries() == few


def test_a_deleted_submission_can_be_recovered(admin_client, form):
    with reversion.create_revision():
        submission = _submit(form())
    pk, answers = submission.pk, submission.answers
    delete = f"/admin/betterform/submission/{pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Submission.objects.exists()
    [version] = Version.objects.get_deleted(Submission)
    recover_list = admin_client.get("/admin/betterform/submission/recover/").content.decode()
    assert f"/recover/{version.pk}/" in recover_list
    url = f"/admin/betterform/submission/recover/{version.pk}/"
    assert admin_client.post(url, posted_form(admin_client.get(url))).status_code == 302
    assert Submission.objects.get(pk=pk).answers == answers
