"""createpdf's demo data is idempotent: running the seed twice adds nothing."""

from types import SimpleNamespace

import pytest
from faker import Faker

from createpdf.demo import seed_demo
from createpdf.models import Document, DocumentTemplate


@pytest.mark.django_db
def test_seed_demo_twice_gives_one_template_and_one_sample_document(staff):
    users = SimpleNamespace(admin=staff, reps=())
    messages: list[str] = []
    for _ in range(2):
        seed_demo(faker=Faker(), users=users, log=messages.append)
    assert DocumentTemplate.objects.filter(slug="welcome-letter").count() == 1
    assert Document.objects.filter(requested_by=staff).count() == 1
    assert "queued for the worker" in messages[0]
    assert "already queued" in messages[1]
