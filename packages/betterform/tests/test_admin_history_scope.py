"""The admin's History (revert) and Recover deleted restore exactly the object shown (a quote
with its lines), never the rest of its revision; a gone parent is a message."""

from __future__ import annotations

from typing import Any

import pytest
import reversion
from reversion.models import Revision, Version

from betterform import services
from betterform.models import Form, Quote, QuoteLine, Submission

from .conftest import posted_form

pytestmark = pytest.mark.django_db

ONE = {"quantity": 1, "unit_price": 10, "tax_rate": 0}


def _post_shown_form(client: Any, url: str) -> Any:
    shown = client.get(url)
    assert shown.status_code == 200
    return client.post(url, posted_form(shown), follow=True)


@pytest.fixture
def quoted(form, kitchen_answers, customer) -> Quote:
    """A quote built from a submission in one revision (submission moved to quoted, quote,
    lines), as the admin's Build quote action does."""
    with reversion.create_revision():
        kitchen = form(name="Kitchen")
        sub = services.create_submission(kitchen, answers=kitchen_answers, customer=customer)
        return services.build_quote(sub)


def test_reverting_a_quote_in_the_admin_leaves_its_submission_and_lines_follow(
    admin_client, admin_user, quoted
):
    sub = quoted.submission
    lines = list(quoted.lines.values_list("description", flat=True))
    services.change_status(sub, "sent")
    services.change_status(sub, "accepted")
    first = Version.objects.get_for_object(quoted).get()
    with reversion.create_revision():
        services.update_quote(quoted, title="Edited", lines=[{"description": "Only", **ONE}])
    url = f"/admin/betterform/quote/{quoted.pk}/history/{first.pk}/"

    shown = admin_client.get(url)
    assert "Edited" not in shown.content.decode()
    assert Quote.objects.get(pk=quoted.pk).title == "Edited", "showing a version changes nothing"
    assert _post_shown_form(admin_client, url).status_code == 200

    quote = Quote.objects.get(pk=quoted.pk)
    assert (
        quote.title == "Kitchen"
        and list(quote.lines.values_list("description", flat=True)) == lines
    )
    assert Submission.objects.get(pk=sub.pk).status == "accepted", "not back to quoted"
    revision = Revision.objects.order_by("-pk").first()
    assert revision.user == admin_user and revision.comment == f"Reverted to version {first.pk}."
    assert {version._model for version in revision.version_set.all()} == {Quote, QuoteLine}


def test_recovering_a_quote_in_the_admin_leaves_its_deleted_submission_deleted(
    admin_client, quoted
):
    sub_pk, quote_pk, lines = quoted.submission_id, quoted.pk, quoted.lines.count()
    for path in (f"quote/{quote_pk}", f"submission/{sub_pk}"):
        admin_client.post(f"/admin/betterform/{path}/delete/", {"post": "yes"})
    [version] = Version.objects.get_deleted(Quote)
    url = f"/admin/betterform/quote/recover/{version.pk}/"

    assert "was restored without its submission" in admin_client.get(url).content.decode()
    done = _post_shown_form(admin_client, url)

    assert done.status_code == 200
    quote = Quote.objects.get(pk=quote_pk)
    assert quote.submission_id is None and quote.lines.count() == lines
    assert not Submission.objects.filter(pk=sub_pk).exists(), "the submission stays deleted"
    assert f"Recovered version {version.pk}." == Revision.objects.order_by("-pk")[0].comment


def test_recovering_a_submission_whose_form_is_gone_is_refused_with_a_message(
    admin_client, form, kitchen_answers, customer
):
    with reversion.create_revision():
        kitchen = form(name="Gone kitchen")
        sub = services.create_submission(kitchen, answers=kitchen_answers, customer=customer)
    admin_client.post(f"/admin/betterform/submission/{sub.pk}/delete/", {"post": "yes"})
    admin_client.post(f"/admin/betterform/form/{kitchen.pk}/delete/", {"post": "yes"})
    assert not Form.objects.exists()
    [version] = Version.objects.get_deleted(Submission)

    refused = admin_client.get(f"/admin/betterform/submission/recover/{version.pk}/", follow=True)

    assert refused.redirect_chain[-1][0] == "/admin/betterform/submission/"
    page = refused.content.decode()
    assert "its form &#x27;Gone kitchen&#x27;" in page and "not in the history" in page
    assert not Submission.objects.exists() and not Form.objects.exists()


def test_a_version_of_another_model_is_a_404(admin_client, quoted):
    version = Version.objects.get_for_object(quoted).get()
    assert (
        admin_client.get(f"/admin/betterform/submission/recover/{version.pk}/").status_code == 404
    )
    sub = quoted.submission_id
    url = f"/admin/betterform/submission/{sub}/history/{version.pk}/"
    assert admin_client.get(url).status_code == 404
