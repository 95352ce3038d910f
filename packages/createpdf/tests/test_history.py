"""Restoring a document template (the admin is its history door: the API has no history
endpoints) brings back that template only, never the others saved in the same revision."""

from __future__ import annotations

from typing import Any

import pytest
import reversion
from reversion.models import Revision, Version

from createpdf.history import restore_version
from createpdf.models import DocumentTemplate

pytestmark = pytest.mark.django_db

ADMIN = "/admin/createpdf/documenttemplate"


def _form_data(response: Any) -> dict[str, Any]:
    """The change form's values, as a browser would post them."""
    data: dict[str, Any] = {}
    for bound in response.context["adminform"].form:
        value = bound.value()
        if value is True:
            data[bound.html_name] = "on"
        elif value is not None and value is not False:
            data[bound.html_name] = value
    return data


@pytest.fixture
def pair() -> tuple[DocumentTemplate, DocumentTemplate]:
    """Two templates saved in one revision (as a fixture load or a script would)."""
    with reversion.create_revision():
        return (
            DocumentTemplate.objects.create(slug="offer", name="Offer", html="<p>offer v1</p>"),
            DocumentTemplate.objects.create(slug="letter", name="Letter", html="<p>letter v1</p>"),
        )


def _edit(template: DocumentTemplate, html: str) -> None:
    with reversion.create_revision():
        template.html = html
        template.save()


def test_reverting_a_template_in_the_admin_leaves_the_other_template_of_its_revision(
    admin_client, admin_user, pair
):
    offer, letter = pair
    first = Version.objects.get_for_object(offer).get()
    _edit(offer, "<p>offer v2</p>")
    _edit(letter, "<p>letter v2</p>")
    url = f"{ADMIN}/{offer.pk}/history/{first.pk}/"

    shown = admin_client.get(url)
    assert "offer v1" in shown.content.decode()
    assert admin_client.post(url, _form_data(shown)).status_code == 302

    assert DocumentTemplate.objects.get(pk=offer.pk).html == "<p>offer v1</p>"
    assert DocumentTemplate.objects.get(pk=letter.pk).html == "<p>letter v2</p>"
    latest = Version.objects.get_for_object(offer).first()
    assert latest.revision.user == admin_user
    assert latest.revision.comment == f"Reverted to version {first.pk}."
    assert [v.object_id for v in latest.revision.version_set.all()] == [str(offer.pk)]
    history = admin_client.get(f"{ADMIN}/{offer.pk}/history/").content.decode()
    assert f"Reverted to version {first.pk}." in history


def test_recovering_a_template_in_the_admin_leaves_the_other_deleted_template_deleted(
    admin_client, pair
):
    offer, letter = pair
    offer_pk, letter_pk = offer.pk, letter.pk
    offer.delete()
    letter.delete()
    version = Version.objects.get_deleted(DocumentTemplate).get(object_id=str(offer_pk))
    url = f"{ADMIN}/recover/{version.pk}/"

    assert admin_client.post(url, _form_data(admin_client.get(url))).status_code == 302

    assert DocumentTemplate.objects.get(pk=offer_pk).html == "<p>offer v1</p>"
    assert not DocumentTemplate.objects.filter(pk=letter_pk).exists()
    assert Revision.objects.order_by("-pk")[0].comment == f"Recovered version {version.pk}."


def test_restore_version_outside_a_revision_records_one_with_its_comment(pair):
    offer, letter = pair
    first = Version.objects.get_for_object(offer).get()
    _edit(offer, "<p>offer v2</p>")
    _edit(letter, "<p>letter v2</p>")

    restored = restore_version(first)

    assert restored.recovered is False and restored.warnings == []
    assert DocumentTemplate.objects.get(pk=offer.pk).html == "<p>offer v1</p>"
    assert DocumentTemplate.objects.get(pk=letter.pk).html == "<p>letter v2</p>"
    latest = Version.objects.get_for_object(offer).first()
    assert latest.revision.comment == f"Reverted to version {first.pk}."
    assert latest.revision.version_set.count() == 1
