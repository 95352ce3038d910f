"""Packaged templates on the document template list, with an Override action that copies one
into the database (once) and opens the copy."""

from __future__ import annotations

import pytest
from reversion.models import Version

from createpdf.models import DocumentTemplate
from createpdf.template_store import packaged_templates, resolve_template

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/createpdf/documenttemplate/"
OVERRIDE_URL = f"{LIST_URL}packaged/report/override/"


def test_the_list_shows_packaged_templates_with_an_override_button(admin_client):
    page = admin_client.get(LIST_URL).content.decode()
    assert "Packaged templates" in page
    assert packaged_templates()["report"].name in page
    assert f'action="{OVERRIDE_URL}"' in page


def test_override_copies_the_packaged_template_and_opens_the_copy(admin_client):
    response = admin_client.post(OVERRIDE_URL)
    copy = DocumentTemplate.objects.get(slug="report")
    assert response["Location"] == f"{LIST_URL}{copy.pk}/change/"
    packaged = packaged_templates()["report"]
    assert (copy.name, copy.html, copy.css, copy.sample_context, copy.active) == (
        packaged.name, packaged.html, packaged.css, packaged.sample_context, True,
    )  # fmt: skip
    assert resolve_template("report").origin == "database", "the copy is in use"
    [version] = Version.objects.get_for_object(copy)
    assert "packaged" in version.revision.comment
    page = admin_client.get(LIST_URL).content.decode()
    assert f'action="{OVERRIDE_URL}"' not in page
    assert f"{LIST_URL}{copy.pk}/change/" in page and "database copy" in page


def test_overriding_twice_opens_the_same_copy(admin_client):
    first = admin_client.post(OVERRIDE_URL)
    DocumentTemplate.objects.filter(slug="report").update(active=False, html="<p>edited</p>")
    second = admin_client.post(OVERRIDE_URL)
    assert first["Location"] == second["Location"]
    copy = DocumentTemplate.objects.get(slug="report")
    assert copy.html == "<p>edited</p>", "the edited copy is not replaced"


def test_override_needs_post_add_permission_and_a_packaged_slug(admin_client, client, staff):
    assert admin_client.get(OVERRIDE_URL).status_code == 405
    assert admin_client.post(f"{LIST_URL}packaged/nope/override/").status_code == 404
    client.force_login(staff)  # staff without the add permission
    assert client.post(OVERRIDE_URL).status_code == 403
    assert not DocumentTemplate.objects.exists()
