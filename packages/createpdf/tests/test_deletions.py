"""Every door that deletes a versioned object leaves a tombstone pointing at its last version,
and every door that brings it back takes the tombstone away; the migration backfills them
from the history that was there before."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
import reversion
from django.apps import apps
from django.db import connection
from reversion.models import Version

from createpdf.deletions import deleted_objects
from createpdf.history import restore_version
from createpdf.models import Deletion, DocumentTemplate

pytestmark = pytest.mark.django_db

ADMIN = "/admin/createpdf/documenttemplate"


def _template(slug: str) -> DocumentTemplate:
    with reversion.create_revision():
        return DocumentTemplate.objects.create(slug=slug, name=slug.title(), html=f"<p>{slug}</p>")


def test_a_delete_in_a_revision_leaves_a_tombstone_with_its_last_version_user_and_comment(
    admin_user,
):
    template = _template("offer")
    with reversion.create_revision():
        template.name = "Offer v2"
        template.save()
    last = Version.objects.get_for_object(template).first()
    pk = template.pk

    with reversion.create_revision():
        reversion.set_user(admin_user)
        reversion.set_comment("Tidying up.")
        template.delete()

    (tombstone,) = deleted_objects(DocumentTemplate)
    assert tombstone.object_id == str(pk) and tombstone.version == last
    assert tombstone.object_repr == last.object_repr
    assert tombstone.deleted_by == admin_user and tombstone.comment == "Tidying up."
    assert tombstone.owner is None  # a template has no owner


def test_an_object_without_versions_leaves_no_tombstone():
    DocumentTemplate.objects.create(slug="plain", name="Plain", html="<p>x</p>").delete()
    assert not Deletion.objects.exists()


def test_the_admins_delete_and_bulk_delete_name_the_admin(admin_client, admin_user):
    one, two, three = _template("one"), _template("two"), _template("three")

    assert admin_client.post(f"{ADMIN}/{one.pk}/delete/", {"post": "yes"}).status_code == 302
    bulk = {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"}
    assert admin_client.post(f"{ADMIN}/", bulk).status_code == 302

    tombstones = list(deleted_objects(DocumentTemplate))
    assert sorted(t.object_id for t in tombstones) == sorted(str(t.pk) for t in (one, two, three))
    assert {t.deleted_by for t in tombstones} == {admin_user}


def test_recovering_in_the_admin_or_by_restore_version_removes_the_tombstone(admin_client):
    offer, letter = _template("offer"), _template("letter")
    offer_version = Version.objects.get_for_object(offer).get()
    letter_version = Version.objects.get_for_object(letter).get()
    offer.delete()
    letter.delete()
    assert deleted_objects(DocumentTemplate).count() == 2

    url = f"{ADMIN}/recover/{offer_version.pk}/"
    form = admin_client.get(url)
    assert deleted_objects(DocumentTemplate).count() == 2  # showing the version changes nothing
    data = {"slug": "offer", "name": "Offer", "html": "<p>offer</p>", "active": "on"}
    data["sample_context"] = "{}"
    assert form.status_code == 200
    assert admin_client.post(url, data).status_code == 302
    restore_version(letter_version)

    assert not Deletion.objects.exists()


def test_reversions_own_revert_removes_the_tombstone():
    template = _template("offer")
    version = Version.objects.get_for_object(template).get()
    template.delete()

    version.revert()

    assert DocumentTemplate.objects.filter(slug="offer").exists()
    assert not Deletion.objects.exists()


def test_the_migration_backfills_tombstones_from_the_existing_history(django_user_model):
    kept, gone = _template("kept"), _template("gone")
    with reversion.create_revision():
        gone.name = "Gone v2"
        gone.save()
    last = Version.objects.get_for_object(gone).first()
    gone_pk = gone.pk
    gone.delete()
    Deletion.objects.all().delete()  # as before the migration: history only

    migration = importlib.import_module("createpdf.migrations.0004_deletion")
    migration.backfill(apps, SimpleNamespace(connection=connection))
    migration.backfill(apps, SimpleNamespace(connection=connection))  # twice: no duplicates

    (tombstone,) = Deletion.objects.all()
    assert tombstone.object_id == str(gone_pk) and tombstone.version == last
    assert tombstone.deleted_at == last.revision.date_created
    assert kept.pk != gone_pk


def test_the_admins_recover_deleted_page_lists_the_tombstones(admin_client):
    offer, letter = _template("offer"), _template("letter")
    offer.delete()
    letter.delete()
    Deletion.objects.filter(object_repr__startswith="Letter").delete()  # no tombstone: unlisted

    page = admin_client.get(f"{ADMIN}/recover/").content.decode()

    (tombstone,) = Deletion.objects.all()
    assert f"/recover/{tombstone.version_id}/" in page and "Offer (offer)" in page
    assert "Letter (letter)" not in page
