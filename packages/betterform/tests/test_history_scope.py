"""Revert and recover through the API restore exactly the object asked for (a quote with its
lines) and nothing else of the revision it was saved in; a missing parent is a 409 that names
it, a missing optional link is left out and said; the restore is a new version with its author."""

from __future__ import annotations

from typing import Any

import pytest
import reversion
from reversion.models import Revision, Version

from betterform import services
from betterform.models import Form, Quote, QuoteLine, Submission
from createpdf.history import MissingParent, owned_relations, restore_version

pytestmark = pytest.mark.django_db

LINE = {"description": "Worktop", "quantity": "1", "unit_price": "899.99", "tax_rate": "21"}


def _history(client: Any, resource: str, pk: int) -> list[dict[str, Any]]:
    return client.get(f"/api/{resource}/{pk}/history/").json()


def _status(client: Any, submission_id: int, *moves: str) -> None:
    for move in moves:
        url = f"/api/submissions/{submission_id}/status/"
        assert client.post(url, {"status": move}).status_code == 200


@pytest.fixture
def quoted(rep_client, rep, submission) -> tuple[Submission, dict[str, Any]]:
    """A rep's submission priced into a quote through the API: one revision holding the
    submission (moved to ``quoted``), the quote and its lines."""
    sub = submission(owner=rep)
    built = rep_client.post(f"/api/submissions/{sub.pk}/quote/")
    assert built.status_code == 201, built.json()
    return sub, rep_client.get(f"/api/quotes/{built.json()['id']}/").json()


def _latest_revision_models() -> set[type]:
    revision = Revision.objects.order_by("-pk").first()
    return {version._model for version in revision.version_set.all()}


def test_reverting_a_quote_leaves_its_submission_where_the_workflow_moved_it(rep_client, quoted):
    sub, quote = quoted
    _status(rep_client, sub.pk, "sent", "accepted")
    first = _history(rep_client, "quotes", quote["id"])[-1]["id"]
    edited = rep_client.patch(
        f"/api/quotes/{quote['id']}/", {"title": "Edited", "lines": [LINE]}, format="json"
    )
    assert edited.status_code == 200

    reverted = rep_client.post(f"/api/quotes/{quote['id']}/revert/", {"version": first})

    assert reverted.status_code == 200, reverted.json()
    body = reverted.json()
    assert body["title"] == quote["title"] and body["total"] == quote["total"]
    assert [line["description"] for line in body["lines"]] == [
        line["description"] for line in quote["lines"]
    ], "the lines of the version are back, the one added since is gone"
    assert [line["id"] for line in body["lines"]] == [line["id"] for line in quote["lines"]]
    assert body["warnings"] == []
    assert QuoteLine.objects.filter(quote_id=quote["id"]).count() == len(quote["lines"])
    assert Submission.objects.get(pk=sub.pk).status == "accepted", "not back to quoted"
    assert _latest_revision_models() == {Quote, QuoteLine}


def test_recovering_a_quote_keeps_its_submissions_current_status(rep_client, quoted):
    sub, quote = quoted
    _status(rep_client, sub.pk, "sent")
    assert rep_client.delete(f"/api/quotes/{quote['id']}/").status_code == 204
    (deleted,) = rep_client.get("/api/quotes/deleted/").json()["results"]

    recovered = rep_client.post("/api/quotes/recover/", {"version": deleted["id"]})

    assert recovered.status_code == 201, recovered.json()
    assert recovered.json()["submission"] == sub.pk and recovered.json()["warnings"] == []
    assert len(recovered.json()["lines"]) == len(quote["lines"])
    assert Submission.objects.get(pk=sub.pk).status == "sent", "not back to quoted"


def test_recovering_a_quote_leaves_its_deleted_submission_deleted_and_says_so(rep_client, quoted):
    sub, quote = quoted
    assert rep_client.delete(f"/api/quotes/{quote['id']}/").status_code == 204
    assert rep_client.delete(f"/api/submissions/{sub.pk}/").status_code == 204
    (deleted,) = rep_client.get("/api/quotes/deleted/").json()["results"]

    recovered = rep_client.post("/api/quotes/recover/", {"version": deleted["id"]})

    assert recovered.status_code == 201, recovered.json()
    body = recovered.json()
    assert body["submission"] is None and body["number"] == quote["number"]
    assert len(body["lines"]) == len(quote["lines"]) and body["total"] == quote["total"]
    (warning,) = body["warnings"]
    assert "without its submission" in warning and f"#{sub.pk}" in warning
    assert not Submission.objects.filter(pk=sub.pk).exists(), "the submission stays deleted"
    assert _latest_revision_models() == {Quote, QuoteLine}


def test_recovering_a_submission_whose_form_was_deleted_is_a_409_naming_the_form(
    staff_client, form, kitchen_answers, customer
):
    with reversion.create_revision():
        kitchen = form(name="Kitchen to delete")
    new = {"form": kitchen.pk, "answers": kitchen_answers, "customer": customer}
    sub_id = staff_client.post("/api/submissions/", new, format="json").json()["id"]
    assert staff_client.delete(f"/api/submissions/{sub_id}/").status_code == 204
    assert staff_client.delete(f"/api/forms/{kitchen.pk}/").status_code == 204
    (deleted_sub,) = staff_client.get("/api/submissions/deleted/").json()["results"]
    (deleted_form,) = staff_client.get("/api/forms/deleted/").json()["results"]

    refused = staff_client.post("/api/submissions/recover/", {"version": deleted_sub["id"]})

    assert refused.status_code == 409
    body = refused.json()
    assert body["detail"].startswith("Submission 'Kitchen to delete #")
    assert "its form 'Kitchen to delete'" in body["detail"]
    assert "The form version is not in the history" in body["detail"], "it went with the form"
    form_row, version_row = body["missing"]
    assert version_row["model"] == "betterform.formversion" and version_row["version"] is None
    assert form_row == {
        "model": "betterform.form",
        "field": "form",
        "id": str(kitchen.pk),
        "repr": "Kitchen to delete",
        "version": deleted_form["id"],
    }
    assert not Submission.objects.filter(pk=sub_id).exists()
    assert not Form.objects.filter(pk=kitchen.pk).exists(), "the form is not brought back"


def test_recovering_a_form_whose_slug_was_taken_since_is_a_409(staff_client, form):
    with reversion.create_revision():
        old = form(slug="kitchen-slug")
    assert staff_client.delete(f"/api/forms/{old.pk}/").status_code == 204
    form(slug="kitchen-slug")
    (deleted,) = staff_client.get("/api/forms/deleted/").json()["results"]

    refused = staff_client.post("/api/forms/recover/", {"version": deleted["id"]})

    assert refused.status_code == 409
    assert "clashes with a row stored since" in refused.json()["detail"]
    assert refused.json()["missing"] == []
    assert Form.objects.filter(slug="kitchen-slug").count() == 1


def test_reverting_a_submission_leaves_the_quote_built_in_the_same_revision(rep_client, quoted):
    sub, quote = quoted
    version = _history(rep_client, "submissions", sub.pk)[0]["id"]  # the build_quote revision
    rep_client.patch(f"/api/quotes/{quote['id']}/", {"title": "Kept"}, format="json")
    rep_client.patch(f"/api/submissions/{sub.pk}/", {"customer": {"name": "Grace"}})

    reverted = rep_client.post(f"/api/submissions/{sub.pk}/revert/", {"version": version})

    assert reverted.status_code == 200, reverted.json()
    assert reverted.json()["customer"]["name"] == "Ada Lovelace"
    assert Quote.objects.get(pk=quote["id"]).title == "Kept"
    assert _latest_revision_models() == {Submission}


def test_reverting_a_form_leaves_another_form_saved_in_the_same_revision(staff_client, form):
    with reversion.create_revision():
        first, second = form(name="First"), form(name="Second")
    version = _history(staff_client, "forms", first.pk)[-1]["id"]
    for kitchen in (first, second):
        staff_client.patch(f"/api/forms/{kitchen.pk}/", {"description": "changed"})

    reverted = staff_client.post(f"/api/forms/{first.pk}/revert/", {"version": version})
    assert reverted.status_code == 200
    assert Form.objects.get(pk=first.pk).description == ""
    assert Form.objects.get(pk=second.pk).description == "changed"


def test_the_history_lists_the_revert_as_a_new_version_by_its_author(rep_client, quoted):
    sub, quote = quoted
    rep_client.patch(f"/api/quotes/{quote['id']}/", {"title": "Edited"}, format="json")
    first = _history(rep_client, "quotes", quote["id"])[-1]["id"]
    submission_history = _history(rep_client, "submissions", sub.pk)

    rep_client.post(f"/api/quotes/{quote['id']}/revert/", {"version": first})

    latest, *older = _history(rep_client, "quotes", quote["id"])
    assert len(older) == 2
    assert latest["user"] == "rep" and latest["comment"] == f"Reverted to version {first}."
    assert latest["changes"]["title"] == {"from": "Edited", "to": quote["title"]}
    assert _history(rep_client, "submissions", sub.pk) == submission_history


def test_an_api_key_recovery_is_listed_with_the_keys_name(api_key_client):
    quote_id = api_key_client.post("/api/quotes/", {"title": "Gone", "lines": [LINE]}).json()
    quote_id = quote_id["id"]
    api_key_client.delete(f"/api/quotes/{quote_id}/")
    (deleted,) = api_key_client.get("/api/quotes/deleted/").json()["results"]

    recovered = api_key_client.post("/api/quotes/recover/", {"version": deleted["id"]})
    assert recovered.status_code == 201

    latest = _history(api_key_client, "quotes", quote_id)[0]
    assert latest["user"] is None
    assert latest["comment"] == f"Recovered version {deleted['id']}. (by API key 'erp')"


def test_restoring_a_line_whose_quote_is_gone_names_the_quote_to_recover_first(rep):
    with reversion.create_revision():
        quote = services.create_quote(owner=rep, title="Gone", lines=[LINE])
    quote_version = Version.objects.get_for_object(quote).get()
    line_version = Version.objects.get_for_object(quote.lines.get()).get()
    quote_pk = quote.pk
    quote.delete()

    with pytest.raises(MissingParent) as refused:
        restore_version(line_version)

    assert str(refused.value) == (
        f"Quote line 'Worktop' cannot be restored: its quote '{quote.number}' (#{quote_pk}) no "
        f"longer exists. Recover that quote (version {quote_version.pk}) first, then try again."
    )
    assert not QuoteLine.objects.exists() and not Quote.objects.exists()


def test_a_quote_owns_its_lines_by_its_reversion_registration():
    assert [rel.related_model for rel in owned_relations(Quote)] == [QuoteLine]
    assert owned_relations(Submission) == [] and owned_relations(Form) == []


def test_the_schema_documents_warnings_and_the_409(staff_client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    recover = schema["paths"]["/api/quotes/recover/"]["post"]["responses"]
    assert set(recover) >= {"201", "409"}
    quote, extra = schema["components"]["schemas"]["RestoredQuote"]["allOf"]
    assert quote == {"$ref": "#/components/schemas/Quote"}
    assert (
        extra["required"] == ["warnings"] and "QuoteStatusEnum" in schema["components"]["schemas"]
    )
    # The site's schema hook makes the refusal the API's Error body plus ``missing``.
    error, refused = schema["components"]["schemas"]["RestoreRefused"]["allOf"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert set(refused["properties"]) == {"missing"}
