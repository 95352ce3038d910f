"""Use cases: form versions, submissions that keep their meaning, the status workflow,
and building quotes from answers."""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest

from betterform import services
from betterform.answers import AnswersError
from betterform.models import Form, Submission
from betterform.schema import SchemaError

pytestmark = pytest.mark.django_db

SCHEMA = {
    "sections": [
        {
            "title": "Kitchen",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "required": True,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium", "price": "2500.00"},
                    ],
                },
            ],
        }
    ],
    "pricing": {"currency": "USD", "tax_rate": "10"},
}


@pytest.fixture
def form():
    return services.save_form(Form(name="Kitchen", slug="kitchen", schema=copy.deepcopy(SCHEMA)))


def test_a_new_version_is_recorded_only_when_the_schema_changes(form):
    assert [v.number for v in form.versions.all()] == [1]
    form.description = "new words"
    services.save_form(form)
    assert form.versions.count() == 1
    form.schema["sections"][0]["fields"][0]["label"] = "Floor area"
    services.save_form(form)
    assert [v.number for v in form.versions.all()] == [2, 1]


def test_an_invalid_schema_is_refused_and_nothing_is_saved():
    with pytest.raises(SchemaError):
        services.save_form(Form(name="Bad", slug="bad", schema={"sections": []}))
    assert not Form.objects.exists()


def test_a_submission_keeps_the_version_it_answered(form):
    submission = services.create_submission(form, answers={"area": 10, "finish": "basic"})
    schema = copy.deepcopy(form.schema)
    schema["sections"][0]["fields"] = schema["sections"][0]["fields"][:1]  # "finish" removed
    form.schema = schema
    services.save_form(form)
    submission.refresh_from_db()
    assert submission.form_version.number == 1
    services.update_submission(submission, answers={"area": 12, "finish": "premium"})
    assert submission.answers == {"area": "12", "finish": "premium"}
    new = services.create_submission(form, answers={"area": 1})
    assert new.form_version.number == 2
    with pytest.raises(AnswersError):
        services.create_submission(form, answers={"area": 1, "finish": "basic"})


def test_a_bad_update_changes_nothing(form):
    submission = services.create_submission(form, answers={"area": 10})
    with pytest.raises(AnswersError):
        services.update_submission(submission, answers={"area": "ten"})
    submission.refresh_from_db()
    assert submission.answers == {"area": "10"}


LEGAL_PATH = ["quoted", "sent", "rejected"]


def test_the_workflow_allows_only_its_moves(form):
    submission = services.create_submission(form, answers={}, status="draft")
    with pytest.raises(services.IllegalTransition, match="allowed: submitted"):
        services.change_status(submission, "quoted")
    with pytest.raises(AnswersError, match="this field is required"):
        services.change_status(submission, "submitted")  # a draft must be complete first
    services.update_submission(submission, answers={"area": 3})
    services.change_status(submission, "submitted")
    for status in LEGAL_PATH:
        services.change_status(submission, status)
    with pytest.raises(services.IllegalTransition, match="none \\(it is final\\)"):
        services.change_status(submission, "accepted")
    with pytest.raises(services.IllegalTransition, match="is not a status"):
        services.change_status(submission, "won")
    assert Submission.objects.get(pk=submission.pk).status == "rejected"


def test_build_quote_prices_the_answers_and_marks_the_submission_quoted(form, django_user_model):
    owner = django_user_model.objects.create_user("rep")
    submission = services.create_submission(
        form,
        answers={"area": "12.5", "finish": "premium"},
        owner=owner,
        customer={"name": "Ada", "email": "ada@example.com"},
    )
    quote = services.build_quote(submission)
    assert quote.number.startswith("Q-") and quote.currency == "USD"
    assert quote.owner == owner and quote.customer_name == "Ada"
    assert quote.subtotal == D("3562.50")  # 12.5 x 85 + 2500
    assert quote.tax_total == D("356.25")
    assert quote.total == D("3918.75")
    submission.refresh_from_db()
    assert submission.status == "quoted"


def test_building_again_reprices_the_same_quote(form):
    submission = services.create_submission(form, answers={"area": 1, "finish": "basic"})
    first = services.build_quote(submission)
    services.update_submission(submission, answers={"area": 2, "finish": "basic"})
    again = services.build_quote(submission)
    assert again.pk == first.pk and again.number == first.number
    assert again.subtotal == D("170.00")
    assert submission.quotes.count() == 1


def test_quote_numbers_are_sequential_per_year():
    numbers = [services.create_quote(title=f"q{i}").number for i in range(3)]
    year = numbers[0].split("-")[1]
    assert numbers == [f"Q-{year}-0001", f"Q-{year}-0002", f"Q-{year}-0003"]


@pytest.mark.django_db(transaction=True)
def test_quote_number_outside_a_transaction_is_refused():
    from betterform.numbering import next_quote_number

    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        next_quote_number(2026)


def test_a_final_submission_keeps_its_quote(form):
    submission = services.create_submission(form, answers={"area": 1})
    quote = services.build_quote(submission)
    for status in ("sent", "accepted"):
        services.change_status(submission, status)
    with pytest.raises(services.IllegalTransition, match="accepted: its quote is final"):
        services.build_quote(submission)
    assert submission.quotes.get() == quote


def test_publishing_opens_and_closes_the_public_form(form):
    services.set_published(form, True)
    assert Form.objects.get(pk=form.pk).published
    services.set_published(form, False)
    assert not Form.objects.get(pk=form.pk).published
