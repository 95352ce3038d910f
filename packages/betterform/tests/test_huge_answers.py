"""A priced ``number`` answer too large for a quote line (a form without ``max``): pricing it
raises ``DoesNotFit`` naming the line and the limit, and the API answers 400, never
``decimal.Overflow`` (a 500), however large the number (``1e99999999``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from betterform import services
from betterform.limits import DoesNotFit
from betterform.models import Quote, Submission

from .conftest import KITCHEN_SCHEMA

pytestmark = pytest.mark.django_db


@pytest.fixture
def unbounded(form, rep) -> Any:
    """A published kitchen form whose priced ``area`` has no ``max``."""
    schema = copy.deepcopy(KITCHEN_SCHEMA)
    del schema["sections"][0]["fields"][0]["max"]
    return form(owner=rep, published=True, schema=schema)


@pytest.mark.parametrize("area", ["1e99999999", "1e1000000", "9" * 5000])
def test_building_a_quote_from_a_huge_answer_raises_does_not_fit(
    unbounded, rep, kitchen_answers, area
):
    answers = {**kitchen_answers, "area": area}
    submission = services.create_submission(unbounded, answers=answers, owner=rep)
    with pytest.raises(DoesNotFit, match=r"quote line 1 \(area\): quantity has \d+ digits"):
        services.build_quote(submission)
    assert not Quote.objects.exists()


def test_the_api_answers_400_for_a_huge_priced_answer(
    anon_client, rep_client, unbounded, kitchen_answers
):
    response = anon_client.post(
        f"/api/public/forms/{unbounded.public_token}/",
        {"answers": {**kitchen_answers, "area": "1e99999999"}},
        format="json",
    )
    assert response.status_code == 201, response.content  # no max: the form takes it
    submission = Submission.objects.get(pk=response.json()["id"])

    response = rep_client.post(f"/api/submissions/{submission.pk}/quote/")

    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["answers"]
    assert message.startswith("quote line 1 (area): quantity has 100000000 digits before the")
    assert "digits before the point and" in message
    assert not Quote.objects.exists()
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SUBMITTED
