"""The public form endpoint: anonymous customers read a published form and submit answers."""

from __future__ import annotations

import pytest
from reversion.models import Version

from betterform.api.forms import PublicFormView, PublicSubmitThrottle
from betterform.models import Submission

pytestmark = pytest.mark.django_db


def public(form) -> str:
    return f"/api/public/forms/{form.public_token}/"


@pytest.fixture
def published(form, rep):
    return form(owner=rep, published=True, description="Tell us about your kitchen")


# --- reading -----------------------------------------------------------------------------------


def test_anyone_reads_a_published_form(anon_client, published, kitchen_schema):
    response = anon_client.get(public(published))

    assert response.status_code == 200
    assert response.data == {
        "name": published.name,
        "description": "Tell us about your kitchen",
        "schema": kitchen_schema,
    }


def test_an_unpublished_form_is_not_found(anon_client, form):
    assert anon_client.get(public(form())).status_code == 404


def test_an_unknown_token_is_not_found(anon_client, published):
    assert anon_client.get("/api/public/forms/no-such-token/").status_code == 404


def test_credentials_are_ignored_not_refused(anon_client, published):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert anon_client.get(public(published)).status_code == 200


# --- submitting --------------------------------------------------------------------------------


def test_a_customer_submits_and_gets_a_receipt(
    anon_client, published, rep, kitchen_answers, customer
):
    response = anon_client.post(
        public(published), {"answers": kitchen_answers, "customer": customer}
    )

    assert response.status_code == 201, response.data
    assert set(response.data) == {"id", "status", "created_at"}
    assert response.data["status"] == "submitted"
    submission = Submission.objects.get(pk=response.data["id"])
    assert (submission.source, submission.status) == ("public", "submitted")
    assert submission.owner == rep  # the form's rep follows it up
    assert submission.form == published
    assert submission.form_version.number == 1
    assert submission.customer_email == "ada@example.com"


def test_a_public_submission_is_one_revision_without_a_user(
    anon_client, published, kitchen_answers
):
    response = anon_client.post(public(published), {"answers": kitchen_answers})

    (version,) = Version.objects.get_for_object_reference(Submission, response.data["id"])
    assert version.revision.user is None
    assert version.revision.get_comment() == "Submitted through the public form."


def test_submitting_to_an_unpublished_form_is_not_found(anon_client, form, kitchen_answers):
    response = anon_client.post(public(form()), {"answers": kitchen_answers})

    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_bad_answers_are_named_and_nothing_is_stored(anon_client, published, kitchen_answers):
    kitchen_answers.update(area=500, colour="red")

    response = anon_client.post(public(published), {"answers": kitchen_answers})

    assert response.status_code == 400
    assert response.data["errors"] == {
        "answers": {
            "area": ["must be at most 200"],
            "colour": ["unknown field: this form has no such key"],
        }
    }
    assert not Submission.objects.exists()


@pytest.mark.parametrize("body", [{}, {"answers": []}, {"answers": "area=3"}])
def test_answers_are_required_as_an_object(anon_client, published, body):
    response = anon_client.post(public(published), body)

    assert response.status_code == 400
    assert "answers" in response.data["errors"]
    assert not Submission.objects.exists()


def test_a_bad_customer_email_is_named(anon_client, published, kitchen_answers):
    response = anon_client.post(
        public(published), {"answers": kitchen_answers, "customer": {"email": "nope"}}
    )

    assert response.status_code == 400
    assert "email" in response.data["errors"]["customer"]


def test_the_public_form_cannot_choose_status_or_source(anon_client, published, kitchen_answers):
    response = anon_client.post(
        public(published), {"answers": kitchen_answers, "status": "accepted", "source": "api"}
    )

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert (submission.status, submission.source) == ("submitted", "public")


def test_a_5_mb_body_is_refused(anon_client, published, kitchen_answers):
    kitchen_answers["notes"] = "x" * 5 * 1024 * 1024

    response = anon_client.post(public(published), {"answers": kitchen_answers})

    assert response.status_code in (400, 413)
    assert not Submission.objects.exists()


# --- throttling --------------------------------------------------------------------------------


def test_submissions_are_throttled_per_the_public_submit_rate(
    anon_client, published, kitchen_answers, throttle_rates
):
    throttle_rates(anon="100/minute", public_submit="2/minute")

    codes = [
        anon_client.post(public(published), {"answers": kitchen_answers}).status_code
        for _ in range(3)
    ]

    assert codes == [201, 201, 429]
    assert Submission.objects.count() == 2


def test_reading_is_not_limited_by_the_submit_rate(anon_client, published, throttle_rates):
    throttle_rates(anon="100/minute", public_submit="1/minute")

    codes = {anon_client.get(public(published)).status_code for _ in range(3)}

    assert codes == {200}


def test_without_a_public_submit_rate_the_anon_rate_applies(
    anon_client, published, kitchen_answers, throttle_rates
):
    throttle_rates(anon="1/minute", public_submit=None)
    throttle = PublicSubmitThrottle()
    throttle.scope = PublicFormView.throttle_scope

    assert throttle.get_rate() == "1/minute"
    first = anon_client.post(public(published), {"answers": kitchen_answers})
    second = anon_client.post(public(published), {"answers": kitchen_answers})
    assert (first.status_code, second.status_code) == (201, 429)
