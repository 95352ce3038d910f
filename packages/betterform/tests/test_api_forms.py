"""The forms API: CRUD, publishing, filters, who sees what, history and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from betterform.models import Form, FormVersion

FORMS = "/api/forms/"

pytestmark = pytest.mark.django_db


def detail(form: Form, suffix: str = "") -> str:
    return f"{FORMS}{form.pk}/{suffix}"


def body(kitchen_schema: dict, **fields: object) -> dict:
    return {"name": "Kitchen", "slug": "kitchen", "schema": kitchen_schema, **fields}


# --- CRUD --------------------------------------------------------------------------------------


def test_a_rep_creates_a_form_they_own_at_version_1(rep_client, rep, kitchen_schema):
    response = rep_client.post(FORMS, body(kitchen_schema, description="Fitted kitchens"))

    assert response.status_code == 201, response.data
    data = response.data
    assert data["owner"] == "rep"
    assert data["version"] == 1
    assert data["published"] is False
    assert data["public_url"] is None
    assert data["public_token"]
    assert set(data) == {
        "id",
        "name",
        "slug",
        "description",
        "schema",
        "published",
        "public_token",
        "public_url",
        "owner",
        "version",
        "created_at",
        "updated_at",
    }
    form = Form.objects.get(pk=data["id"])
    assert form.owner == rep
    assert form.versions.count() == 1


def test_the_public_token_cannot_be_set(staff_client, kitchen_schema):
    response = staff_client.post(FORMS, body(kitchen_schema, public_token="chosen"))

    assert response.status_code == 201
    assert response.data["public_token"] != "chosen"


def test_changing_the_schema_records_a_new_version(staff_client, form, kitchen_schema):
    kitchen = form()
    kitchen_schema["sections"][0]["title"] = "Your project"

    response = staff_client.patch(detail(kitchen), {"schema": kitchen_schema})

    assert response.status_code == 200, response.data
    assert response.data["version"] == 2
    assert staff_client.get(detail(kitchen)).data["version"] == 2


def test_changing_only_the_name_keeps_the_version(staff_client, form):
    kitchen = form()

    response = staff_client.patch(detail(kitchen), {"name": "Kitchens"})

    assert response.data["version"] == 1
    assert FormVersion.objects.filter(form=kitchen).count() == 1


def test_a_full_update_replaces_the_fields(staff_client, form, kitchen_schema):
    kitchen = form(slug="old")

    response = staff_client.put(
        detail(kitchen), body(kitchen_schema, name="New", slug="new", description="d")
    )

    assert response.status_code == 200, response.data
    kitchen.refresh_from_db()
    assert (kitchen.name, kitchen.slug, kitchen.description) == ("New", "new", "d")


def test_a_schema_error_is_a_400_naming_each_path_and_stores_nothing(staff_client, kitchen_schema):
    del kitchen_schema["sections"][0]["fields"][1]["options"]
    kitchen_schema["sections"][1]["fields"][0]["min"] = 3

    response = staff_client.post(FORMS, body(kitchen_schema))

    assert response.status_code == 400
    assert response.data["errors"] == {
        "schema": [
            "sections[0].fields[1].options: required for choice fields",
            "sections[1].fields[0]: min/max apply to numeric fields, not textarea",
        ]
    }
    assert not Form.objects.exists()


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({}, "sections: required"),
        ("not a schema", "schema: 'not a schema' is not of type 'object'"),
        ({"sections": [{"title": "S", "fields": []}]}, "sections: the form has no fields"),
    ],
)
def test_malformed_schemas_are_400s_with_paths(staff_client, schema, message):
    response = staff_client.post(FORMS, {"name": "K", "slug": "k", "schema": schema})

    assert response.status_code == 400
    assert message in response.data["errors"]["schema"]


def test_a_bad_update_leaves_the_form_unchanged(staff_client, form):
    kitchen = form(name="Kept")
    before = Form.objects.filter(pk=kitchen.pk).values().get()

    response = staff_client.patch(detail(kitchen), {"name": "Lost", "schema": {"sections": "nope"}})

    assert response.status_code == 400
    assert "schema" in response.data["errors"]
    assert Form.objects.filter(pk=kitchen.pk).values().get() == before
    assert kitchen.versions.count() == 1


def test_slugs_are_unique(staff_client, form, kitchen_schema):
    form(slug="kitchen")

    response = staff_client.post(FORMS, body(kitchen_schema, slug="kitchen"))

    assert response.status_code == 400
    assert "slug" in response.data["errors"]
    assert Form.objects.count() == 1


def test_a_form_without_submissions_is_deleted(staff_client, form):
    kitchen = form()

    assert staff_client.delete(detail(kitchen)).status_code == 204
    assert not Form.objects.exists()


def test_deleting_a_form_with_submissions_is_a_409_and_keeps_it(staff_client, form, submission):
    kitchen = form()
    submission(kitchen)

    response = staff_client.delete(detail(kitchen))

    assert response.status_code == 409
    assert "submissions" in response.data["detail"]
    assert Form.objects.filter(pk=kitchen.pk).exists()


# --- publishing --------------------------------------------------------------------------------


def test_publishing_gives_an_absolute_public_url(rep_client, rep, form):
    kitchen = form(owner=rep)

    response = rep_client.post(detail(kitchen, "publish/"))

    assert response.status_code == 200
    assert response.data["published"] is True
    assert response.data["public_url"] == (
        f"http://testserver/api/public/forms/{kitchen.public_token}/"
    )
    kitchen.refresh_from_db()
    assert kitchen.published


def test_unpublishing_removes_the_public_url(staff_client, form):
    kitchen = form(published=True)

    response = staff_client.post(detail(kitchen, "unpublish/"))

    assert response.status_code == 200
    assert response.data["public_url"] is None
    kitchen.refresh_from_db()
    assert not kitchen.published


def test_publishing_is_recorded_in_the_history(staff_client, form):
    kitchen = form()
    staff_client.post(detail(kitchen, "publish/"))

    history = staff_client.get(detail(kitchen, "history/")).data

    assert history[0]["comment"].startswith("Published")
    assert history[0]["changes"]["published"]["to"] is True


# --- filters -----------------------------------------------------------------------------------


def names(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [row["name"] for row in response.data["results"]]


def test_forms_filter_by_published_and_owner(staff_client, form, rep, other_rep):
    form(name="A", owner=rep, published=True)
    form(name="B", owner=rep)
    form(name="C", owner=other_rep, published=True)

    assert names(staff_client.get(FORMS, {"published": "true"})) == ["A", "C"]
    assert names(staff_client.get(FORMS, {"owner": "rep"})) == ["A", "B"]
    assert names(staff_client.get(FORMS, {"owner": "rep", "published": "false"})) == ["B"]


def test_forms_search_name_slug_and_description(staff_client, form):
    form(name="Kitchen", slug="k1")
    form(name="Bathroom", slug="bathroom-tiles")
    form(name="Garden", slug="g1", description="Decking and tiles")

    assert names(staff_client.get(FORMS, {"search": "tiles"})) == ["Bathroom", "Garden"]
    assert names(staff_client.get(FORMS, {"search": "kitch"})) == ["Kitchen"]


def test_forms_order_by_name_or_creation(staff_client, form):
    form(name="B")
    form(name="A")
    form(name="C")

    assert names(staff_client.get(FORMS, {"ordering": "-name"})) == ["C", "B", "A"]
    assert names(staff_client.get(FORMS, {"ordering": "created_at"})) == ["B", "A", "C"]


def test_forms_paginate(staff_client, form):
    for _ in range(5):
        form()

    response = staff_client.get(FORMS, {"page_size": 2, "page": 2})

    assert response.data["count"] == 5
    assert len(response.data["results"]) == 2
    assert response.data["next"] and response.data["previous"]


def _list_queries(client, page_size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FORMS, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.data["results"]) == page_size
    return len(queries)


def test_listing_forms_takes_the_same_queries_for_any_page_size(
    staff_client, rep_client, form, rep
):
    for _ in range(25):
        form(owner=rep, published=True)

    for client in (staff_client, rep_client):
        assert _list_queries(client, 2) == _list_queries(client, 20)


# --- who sees what -----------------------------------------------------------------------------


def test_a_rep_lists_only_their_own_forms(rep_client, form, rep, other_rep):
    form(name="Mine", owner=rep)
    form(name="Theirs", owner=other_rep)
    form(name="Nobody's")

    assert names(rep_client.get(FORMS)) == ["Mine"]


def test_staff_list_every_form(staff_client, form, rep, other_rep):
    form(name="A", owner=rep)
    form(name="B", owner=other_rep)
    form(name="C")

    assert names(staff_client.get(FORMS)) == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("put", "", {"name": "X", "slug": "x", "schema": {}}),
        ("patch", "", {"name": "X"}),
        ("delete", "", None),
        ("post", "publish/", None),
        ("post", "unpublish/", None),
        ("get", "history/", None),
        ("post", "revert/", {"version": 1}),
    ],
)
def test_another_reps_form_is_a_404(other_client, form, rep, method, suffix, data):
    kitchen = form(owner=rep, name="Theirs")

    response = getattr(other_client, method)(detail(kitchen, suffix), data)

    assert response.status_code == 404
    kitchen.refresh_from_db()
    assert (kitchen.name, kitchen.published) == ("Theirs", False)


def test_an_api_key_client_manages_every_form(api_key_client, form, rep, kitchen_schema):
    theirs = form(owner=rep)

    assert api_key_client.get(detail(theirs)).status_code == 200
    assert api_key_client.patch(detail(theirs), {"name": "Renamed"}).status_code == 200
    assert api_key_client.post(detail(theirs, "publish/")).status_code == 200
    created = api_key_client.post(FORMS, body(kitchen_schema))
    assert created.status_code == 201
    assert created.data["owner"] is None
    assert Form.objects.get(pk=created.data["id"]).owner is None
    assert api_key_client.delete(detail(theirs)).status_code == 204


def test_a_revoked_api_key_is_refused(api_key_client):
    api_key_client.api_key.revoked = True
    api_key_client.api_key.save()

    assert api_key_client.get(FORMS).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "{id}/"),
        ("put", "{id}/"),
        ("patch", "{id}/"),
        ("delete", "{id}/"),
        ("post", "{id}/publish/"),
        ("post", "{id}/unpublish/"),
        ("get", "{id}/history/"),
        ("post", "{id}/revert/"),
        ("get", "deleted/"),
        ("post", "recover/"),
    ],
)
def test_anonymous_callers_get_401(anon_client, form, method, path):
    kitchen = form(published=True)

    response = getattr(anon_client, method)(FORMS + path.format(id=kitchen.pk), {})

    assert response.status_code == 401
    assert Form.objects.filter(pk=kitchen.pk, published=True).exists()


# --- history -----------------------------------------------------------------------------------


def test_history_lists_each_write_newest_first_with_who_and_what(rep_client, kitchen_schema):
    form_id = rep_client.post(FORMS, body(kitchen_schema, name="v1")).data["id"]
    rep_client.patch(f"{FORMS}{form_id}/", {"name": "v2"})
    rep_client.patch(f"{FORMS}{form_id}/", {"description": "Now with islands"})

    history = rep_client.get(f"{FORMS}{form_id}/history/").data

    assert len(history) == 3
    assert [row["user"] for row in history] == ["rep", "rep", "rep"]
    assert history[0]["comment"] == "Changed through the API (form)."
    assert history[2]["comment"] == "Created through the API (form)."
    assert set(history[0]["changes"]) == {"description", "updated_at"}
    assert history[1]["changes"]["name"] == {"from": "v1", "to": "v2"}
    assert "schema" in history[2]["changes"]
    assert history[0]["created_at"] >= history[2]["created_at"]


def test_reverting_restores_the_old_name_and_records_a_revision(staff_client, kitchen_schema):
    form_id = staff_client.post(FORMS, body(kitchen_schema, name="Original")).data["id"]
    staff_client.patch(f"{FORMS}{form_id}/", {"name": "Changed"})
    first = staff_client.get(f"{FORMS}{form_id}/history/").data[-1]["id"]

    response = staff_client.post(f"{FORMS}{form_id}/revert/", {"version": first})

    assert response.status_code == 200, response.data
    assert response.data["name"] == "Original"
    assert Form.objects.get(pk=form_id).name == "Original"
    history = staff_client.get(f"{FORMS}{form_id}/history/").data
    assert len(history) == 3
    assert history[0]["comment"] == f"Reverted to version {first}."


def test_reverting_the_schema_records_it_as_a_new_version(staff_client, form, kitchen_schema):
    kitchen = form()
    original = staff_client.get(detail(kitchen, "history/")).data  # created outside the API
    assert original == []
    staff_client.patch(detail(kitchen), {"name": "Renamed"})
    first = staff_client.get(detail(kitchen, "history/")).data[-1]["id"]
    kitchen_schema["sections"][0]["title"] = "Changed"
    staff_client.patch(detail(kitchen), {"schema": kitchen_schema})

    response = staff_client.post(detail(kitchen, "revert/"), {"version": first})

    assert response.status_code == 200
    assert response.data["schema"]["sections"][0]["title"] == "Project"
    assert response.data["version"] == 3
    latest = kitchen.versions.order_by("-number").first()
    assert latest.schema["sections"][0]["title"] == "Project"


def test_a_deleted_form_is_listed_and_recovered(rep_client, kitchen_schema):
    form_id = rep_client.post(FORMS, body(kitchen_schema, name="Gone")).data["id"]
    assert rep_client.delete(f"{FORMS}{form_id}/").status_code == 204

    deleted = rep_client.get(f"{FORMS}deleted/").data["results"]
    assert [row["object_repr"] for row in deleted] == ["Gone"]

    response = rep_client.post(f"{FORMS}recover/", {"version": deleted[0]["id"]})

    assert response.status_code == 201, response.data
    assert response.data["name"] == "Gone"
    assert response.data["version"] == 1
    assert Form.objects.get(pk=form_id).owner.username == "rep"
    assert rep_client.get(f"{FORMS}deleted/").data["results"] == []


def test_a_rep_does_not_see_or_recover_another_reps_deleted_form(
    rep_client, other_client, kitchen_schema
):
    form_id = rep_client.post(FORMS, body(kitchen_schema)).data["id"]
    rep_client.delete(f"{FORMS}{form_id}/")
    version = rep_client.get(f"{FORMS}deleted/").data["results"][0]["id"]

    assert other_client.get(f"{FORMS}deleted/").data["results"] == []
    assert other_client.post(f"{FORMS}recover/", {"version": version}).status_code == 404
    assert not Form.objects.filter(pk=form_id).exists()


def test_an_api_key_write_records_the_key_name(api_key_client, kitchen_schema):
    form_id = api_key_client.post(FORMS, body(kitchen_schema)).data["id"]

    (row,) = api_key_client.get(f"{FORMS}{form_id}/history/").data

    assert row["user"] is None
    assert row["comment"] == "Created through the API (form). (by API key 'erp')"
