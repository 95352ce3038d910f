"""betterform's demo data: three priced forms, 50 valid submissions in every status, 30 quotes
whose lines add up; idempotent and deterministic for a seed."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from faker import Faker
from reversion.models import Revision, Version

from betterform.answers import clean_answers
from betterform.demo import seed_demo
from betterform.models import Form, FormVersion, Quote, Submission
from betterform.pricing import line_amounts
from betterform.schema import FIELD_TYPES, fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def users() -> SimpleNamespace:
    User = get_user_model()
    admin = User.objects.create_superuser("demo-admin", "admin@example.com", "pw")
    reps = tuple(User.objects.create_user(name, f"{name}@example.com", "pw") for name in "ab")
    return SimpleNamespace(admin=admin, reps=reps)


def _seed(users: SimpleNamespace, log: list[str]) -> None:
    faker = Faker()
    faker.seed_instance(2026)
    seed_demo(faker=faker, users=users, log=log.append)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Form, FormVersion, Submission, Quote, Version)
    }


def test_seed_demo_makes_three_priced_forms_fifty_submissions_and_thirty_quotes(users):
    log: list[str] = []
    _seed(users, log)

    forms = {form.slug: form for form in Form.objects.all()}
    assert len(forms) == 3 and all(form.published for form in forms.values())
    assert {form.owner for form in forms.values()} == {users.admin, *users.reps}
    used = {field["type"] for form in forms.values() for field in fields(form.schema).values()}
    assert used == set(FIELD_TYPES)

    submissions = list(Submission.objects.select_related("form_version"))
    assert len(submissions) == 50
    assert set(Counter(s.status for s in submissions)) == set(Submission.Status.values)
    assert {s.source for s in submissions} == set(Submission.Source.values)
    for submission in submissions:
        clean_answers(submission.form_version.schema, submission.answers)  # raises if invalid

    quotes = list(Quote.objects.prefetch_related("lines"))
    assert len(quotes) == 30
    assert any(quote.discount_total > 0 for quote in quotes)
    for quote in quotes:
        amounts = [
            line_amounts(line.quantity, line.unit_price, line.tax_rate, line.discount_percent)
            for line in quote.lines.all()
        ]
        assert quote.total > 0 and quote.currency == "EUR"
        assert sum((a.total for a in amounts), Decimal("0.00")) == quote.total
    quoted = Submission.objects.filter(quotes__isnull=False).values_list("status", flat=True)
    assert set(quoted) == {"quoted", "sent", "accepted", "rejected"}
    answered = Quote.objects.filter(status__in=["accepted", "rejected"]).select_related("answer")
    assert len(answered) == 14, "8 accepted, 6 declined"
    assert all(quote.answer.is_recorded for quote in answered), "each with its answer"

    revision = Version.objects.get_for_object(quotes[0]).get().revision
    assert revision.comment == "Demo data." and revision.user == users.admin
    assert Revision.objects.count() == 3 + 50, "one per form, one per submission and its quote"
    assert log == ["betterform: 3 demo forms (3 new), 50 submissions (50 new), 30 quotes (30 new)."]


def test_seed_demo_twice_adds_nothing(users):
    log: list[str] = []
    _seed(users, log)
    before = _counts()
    _seed(users, log)
    assert _counts() == before
    assert log[1] == "betterform: 3 demo forms (0 new), 50 submissions (0 new), 30 quotes (0 new)."


def _fresh_run(users: SimpleNamespace) -> list[tuple[Any, ...]]:
    """Seed an empty database, read what it made, and roll it all back."""
    with transaction.atomic():
        assert not Submission.objects.exists()
        _seed(users, [])
        made = list(
            Submission.objects.order_by("external_reference").values_list(
                "external_reference", "customer_name", "answers", "status"
            )
        )
        transaction.set_rollback(True)
    return made


def test_seed_demo_is_deterministic_for_a_seed(users):
    first = _fresh_run(users)
    assert len({name for _, name, _, _ in first}) > 40
    assert _fresh_run(users) == first
