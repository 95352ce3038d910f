"""The submissions API: CRUD with a nested customer, the workflow and quote actions, bad
input, filters, who sees what, history and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betterform.models import Quote, Submission

SUBMISSIONS = "/api/submissions/"

pytestmark = pytest.mark.django_db


def detail(submission: Submission, suffix: str = "") -> str:
    return f"{SUBMISSIONS}{submission.pk}/{suffix}"


def stored(submission: Submission) -> dict:
    return Submission.objects.filter(pk=submission.pk).values().get()


@pytest.fixture
def kitchen(form, rep):
    """A form of the rep's."""
    return form(owner=rep)


@pytest.fixture
def new(kitchen, kitchen_answers, customer):
    """The body of a new submission to the rep's kitchen form."""
    return {"form": kitchen.pk, "answers": kitchen_answers, "customer": customer}


# --- CRUD --------------------------------------------------------------------------------------


def test_a_rep_submits_answers_to_their_form(rep_client, rep, kitchen, new, customer):
    response = rep_client.post(SUBMISSIONS, {**new, "external_reference": "ERP-1"})

    assert response.status_code == 201, response.data
    data = response.data
    assert set(data) == {
        "id",
        "form",
        "form_version",
        "answers",
        "customer",
        "status",
        "source",
        "external_reference",
        "owner",
        "created_at",
        "updated_at",
    }
    assert (data["form"], data["form_version"]) == (kitchen.pk, 1)
    assert (data["status"], data["source"], data["owner"]) == ("submitted", "api", "rep")
    assert data["customer"] == customer
    assert data["answers"]["area"] == "12"  # normalised by the service
    assert data["external_reference"] == "ERP-1"
    submission = Submission.objects.get(pk=data["id"])
    assert (submission.owner, submission.customer_company) == (rep, "Analytical Ltd")


def test_a_draft_may_be_incomplete(rep_client, new):
    response = rep_client.post(SUBMISSIONS, {**new, "answers": {"area": 3}, "status": "draft"})

    assert response.status_code == 201, response.data
    assert response.data["status"] == "draft"


def test_the_customer_is_optional(rep_client, new):
    del new["customer"]

    response = rep_client.post(SUBMISSIONS, new)

    assert response.status_code == 201
    assert response.data["customer"]["email"] == ""


def test_a_new_submission_cannot_start_later_in_the_workflow(rep_client, new):
    response = rep_client.post(SUBMISSIONS, {**new, "status": "quoted"})

    assert response.status_code == 400
    assert "status" in response.data["errors"]
    assert not Submission.objects.exists()


def test_the_source_cannot_be_chosen(rep_client, new):
    response = rep_client.post(SUBMISSIONS, {**new, "source": "monday"})

    assert response.data["source"] == "api"


def test_updating_answers_and_customer(rep_client, rep, submission):
    sub = submission(owner=rep)

    response = rep_client.patch(
        detail(sub), {"answers": {"area": 20, "finish": "basic"}, "customer": {"phone": "123456"}}
    )

    assert response.status_code == 200, response.data
    sub.refresh_from_db()
    assert sub.answers == {"area": "20", "finish": "basic"}
    assert sub.customer_phone == "123456"
    assert sub.customer_name == "Ada Lovelace"  # untouched


def test_a_full_update_with_the_same_form_and_status_is_accepted(rep_client, rep, submission):
    sub = submission(owner=rep)
    data = rep_client.get(detail(sub)).data

    response = rep_client.put(detail(sub), {**data, "external_reference": "X-2"})

    assert response.status_code == 200, response.data
    assert response.data["external_reference"] == "X-2"


def test_the_form_cannot_be_changed(rep_client, rep, form, submission):
    sub = submission(owner=rep)
    other = form(owner=rep)

    response = rep_client.patch(detail(sub), {"form": other.pk})

    assert response.status_code == 400
    assert "form" in response.data["errors"]
    assert Submission.objects.get(pk=sub.pk).form_id == sub.form_id


def test_the_status_cannot_be_changed_by_an_update(rep_client, rep, submission):
    sub = submission(owner=rep)

    response = rep_client.patch(detail(sub), {"status": "accepted"})

    assert response.status_code == 400
    assert "status" in response.data["errors"]["status"][0]
    assert Submission.objects.get(pk=sub.pk).status == "submitted"


def test_deleting_a_submission(staff_client, submission):
    sub = submission()

    assert staff_client.delete(detail(sub)).status_code == 204
    assert not Submission.objects.exists()


# --- bad input ---------------------------------------------------------------------------------


def test_unknown_answer_keys_are_named(rep_client, new):
    new["answers"]["colour"] = "red"

    response = rep_client.post(SUBMISSIONS, new)

    assert response.status_code == 400
    assert response.data["errors"] == {
        "answers": {"colour": ["unknown field: this form has no such key"]}
    }
    assert not Submission.objects.exists()


def test_wrong_types_and_missing_answers_are_named(rep_client, new):
    new["answers"].update(area="lots", removal="yes")
    del new["answers"]["finish"]

    response = rep_client.post(SUBMISSIONS, new)

    assert response.status_code == 400
    assert response.data["errors"]["answers"] == {
        "area": ["must be a number"],
        "finish": ["this field is required"],
        "removal": ["must be true or false"],
    }
    assert not Submission.objects.exists()


@pytest.mark.parametrize("answers", [["area", 3], "area=3", 12])
def test_answers_must_be_an_object(rep_client, new, answers):
    response = rep_client.post(SUBMISSIONS, {**new, "answers": answers})

    assert response.status_code == 400
    assert "answers" in response.data["errors"]
    assert not Submission.objects.exists()


def test_a_bad_customer_email_is_named(rep_client, new):
    response = rep_client.post(SUBMISSIONS, {**new, "customer": {"email": "not-an-email"}})

    assert response.status_code == 400
    assert "email" in response.data["errors"]["customer"]


def test_answers_over_the_size_limit_are_a_400(rep_client, new):
    new["answers"]["notes"] = "x" * 300_000

    response = rep_client.post(SUBMISSIONS, new)

    assert response.status_code == 400
    assert "limit" in response.data["errors"]["answers"][0]
    assert not Submission.objects.exists()


def test_a_5_mb_body_is_refused_and_stores_nothing(rep_client, new):
    new["answers"]["notes"] = "x" * 5 * 1024 * 1024

    response = rep_client.post(SUBMISSIONS, new)

    assert response.status_code in (400, 413)
    assert not Submission.objects.exists()


def test_a_bad_update_leaves_the_submission_unchanged(rep_client, rep, submission):
    sub = submission(owner=rep)
    before = stored(sub)

    response = rep_client.patch(
        detail(sub),
        {"answers": {"area": "lots"}, "customer": {"name": "Changed"}, "external_reference": "Z"},
    )

    assert response.status_code == 400
    assert response.data["errors"] == {
        "answers": {"area": ["must be a number"], "finish": ["this field is required"]}
    }
    assert stored(sub) == before


def test_a_rep_cannot_submit_to_another_reps_form(other_client, new):
    response = other_client.post(SUBMISSIONS, new)

    assert response.status_code == 400
    assert "does not exist" in response.data["errors"]["form"][0]
    assert not Submission.objects.exists()


# --- status ------------------------------------------------------------------------------------


def test_moving_a_submission_through_the_workflow(rep_client, rep, submission):
    sub = submission(owner=rep)

    response = rep_client.post(detail(sub, "status/"), {"status": "quoted"})

    assert response.status_code == 200, response.data
    assert response.data["status"] == "quoted"
    assert response.data["id"] == sub.pk
    assert rep_client.post(detail(sub, "status/"), {"status": "sent"}).data["status"] == "sent"
    assert Submission.objects.get(pk=sub.pk).status == "sent"


def test_an_illegal_move_is_a_409_with_the_reason(rep_client, rep, submission):
    sub = submission(owner=rep)

    response = rep_client.post(detail(sub, "status/"), {"status": "accepted"})

    assert response.status_code == 409
    assert response.data == {
        "detail": "a submitted submission cannot become accepted; allowed: quoted, draft",
        "code": "conflict",
        "errors": {},
    }
    assert Submission.objects.get(pk=sub.pk).status == "submitted"


def test_a_final_submission_cannot_move(staff_client, submission):
    sub = submission()
    Submission.objects.filter(pk=sub.pk).update(status="accepted")

    response = staff_client.post(detail(sub, "status/"), {"status": "sent"})

    assert response.status_code == 409
    assert "final" in response.data["detail"]


@pytest.mark.parametrize("body", [{"status": "done"}, {}, {"status": ""}])
def test_an_unknown_status_is_a_400(rep_client, rep, submission, body):
    sub = submission(owner=rep)

    response = rep_client.post(detail(sub, "status/"), body)

    assert response.status_code == 400
    assert "status" in response.data["errors"]
    assert Submission.objects.get(pk=sub.pk).status == "submitted"


def test_submitting_an_incomplete_draft_names_the_missing_answers(rep_client, rep, submission):
    draft = submission(owner=rep, answers={"area": 4}, status="draft")

    response = rep_client.post(detail(draft, "status/"), {"status": "submitted"})

    assert response.status_code == 400
    assert response.data["errors"] == {"answers": {"finish": ["this field is required"]}}
    assert Submission.objects.get(pk=draft.pk).status == "draft"


def test_a_status_change_is_one_revision(rep_client, rep, new):
    sub_id = rep_client.post(SUBMISSIONS, new).data["id"]
    rep_client.post(f"{SUBMISSIONS}{sub_id}/status/", {"status": "quoted"})

    history = rep_client.get(f"{SUBMISSIONS}{sub_id}/history/").data

    assert len(history) == 2
    assert history[0]["comment"] == "Status changed to quoted through the API."
    assert history[0]["changes"]["status"] == {"from": "submitted", "to": "quoted"}


# --- quote -------------------------------------------------------------------------------------


def test_building_a_quote_prices_the_answers(rep_client, rep, submission):
    sub = submission(owner=rep)

    response = rep_client.post(detail(sub, "quote/"))

    assert response.status_code == 201, response.data
    quote = Quote.objects.get()
    assert response.data == {
        "id": quote.pk,
        "number": quote.number,
        "total": "7490.20",
        "currency": "EUR",
        "url": f"http://testserver/api/quotes/{quote.pk}/",
    }
    assert quote.owner == rep
    assert quote.lines.count() == 6
    assert Submission.objects.get(pk=sub.pk).status == "quoted"


def test_building_again_reprices_the_same_quote(rep_client, rep, submission):
    sub = submission(owner=rep)
    first = rep_client.post(detail(sub, "quote/")).data
    rep_client.patch(detail(sub), {"answers": {"area": 10, "finish": "basic"}})

    response = rep_client.post(detail(sub, "quote/"))

    assert response.status_code == 200
    assert response.data["id"] == first["id"]
    assert response.data["total"] == "1210.00"  # 850 + 21 % and the site visit 150 + 21 %
    assert Quote.objects.count() == 1


@pytest.mark.parametrize("final", ["accepted", "rejected"])
def test_a_final_submission_gets_no_new_quote(staff_client, submission, final):
    sub = submission()
    Submission.objects.filter(pk=sub.pk).update(status=final)

    response = staff_client.post(detail(sub, "quote/"))

    assert response.status_code == 409
    assert final in response.data["detail"]
    assert not Quote.objects.exists()


def test_a_quote_built_by_an_api_key_belongs_to_the_submissions_owner(
    api_key_client, rep, submission
):
    sub = submission(owner=rep)

    response = api_key_client.post(detail(sub, "quote/"))

    assert response.status_code == 201
    assert Quote.objects.get().owner == rep


def test_an_incomplete_draft_cannot_be_quoted(rep_client, rep, submission):
    draft = submission(owner=rep, answers={"area": 4}, status="draft")

    response = rep_client.post(detail(draft, "quote/"))

    assert response.status_code == 400
    assert "finish" in response.data["errors"]["answers"]
    assert not Quote.objects.exists()


# --- filters -----------------------------------------------------------------------------------


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def test_submissions_filter_by_form_status_source_and_reference(staff_client, form, submission):
    kitchen, bathroom = form(), form()
    a = submission(kitchen, external_reference="ERP-1")
    b = submission(bathroom, source="public")
    c = submission(kitchen, status="draft")

    assert ids(staff_client.get(SUBMISSIONS, {"form": kitchen.pk})) == [c.pk, a.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"status": "draft"})) == [c.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"source": "public"})) == [b.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"external_reference": "ERP-1"})) == [a.pk]
    assert staff_client.get(SUBMISSIONS, {"status": "nope"}).status_code == 400


def test_submissions_filter_by_creation_time(staff_client, submission):
    old, recent = submission(), submission()
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Submission.objects.filter(pk=old.pk).update(created_at=long_ago)
    cutoff = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    assert ids(staff_client.get(SUBMISSIONS, {"created_after": cutoff})) == [recent.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"created_before": cutoff})) == [old.pk]
    assert staff_client.get(SUBMISSIONS, {"created_after": "yesterday"}).status_code == 400


def test_submissions_filter_by_customer_email_ignoring_case(staff_client, submission):
    ada = submission(customer={"email": "Ada@Example.com"})
    submission(customer={"email": "bob@example.com"})

    assert ids(staff_client.get(SUBMISSIONS, {"customer_email": "ada@example.COM"})) == [ada.pk]


def test_submissions_search_customer_name_email_and_company(staff_client, submission):
    a = submission(customer={"name": "Ada", "company": "Engines"})
    b = submission(customer={"name": "Bob", "email": "bob@engines.example"})
    submission(customer={"name": "Cy", "company": "Looms"})

    assert ids(staff_client.get(SUBMISSIONS, {"search": "engines"})) == [b.pk, a.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"search": "ada"})) == [a.pk]


def test_submissions_order_by_status_and_times(staff_client, submission):
    a = submission(status="draft")
    b = submission()

    assert ids(staff_client.get(SUBMISSIONS)) == [b.pk, a.pk]  # newest first
    assert ids(staff_client.get(SUBMISSIONS, {"ordering": "created_at"})) == [a.pk, b.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"ordering": "-status"})) == [b.pk, a.pk]
    assert ids(staff_client.get(SUBMISSIONS, {"ordering": "updated_at"})) == [a.pk, b.pk]


def _list_queries(client, page_size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SUBMISSIONS, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.data["results"]) == page_size
    return len(queries)


def test_listing_submissions_takes_the_same_queries_for_any_page_size(
    staff_client, rep_client, api_key_client, rep, kitchen, submission, form
):
    for index in range(25):
        submission(kitchen if index % 2 else form(owner=rep), owner=rep)

    for client in (staff_client, rep_client, api_key_client):
        assert _list_queries(client, 2) == _list_queries(client, 20)


# --- who sees what -----------------------------------------------------------------------------


def test_a_rep_lists_only_their_own_submissions(rep_client, rep, other_rep, submission):
    mine = submission(owner=rep)
    submission(owner=other_rep)
    submission()

    assert ids(rep_client.get(SUBMISSIONS)) == [mine.pk]


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("put", "", {"answers": {}}),
        ("patch", "", {"external_reference": "X"}),
        ("delete", "", None),
        ("post", "status/", {"status": "quoted"}),
        ("post", "quote/", None),
        ("get", "history/", None),
        ("post", "revert/", {"version": 1}),
    ],
)
def test_another_reps_submission_is_a_404(other_client, rep, submission, method, suffix, data):
    sub = submission(owner=rep)
    before = stored(sub)

    response = getattr(other_client, method)(detail(sub, suffix), data)

    assert response.status_code == 404
    assert stored(sub) == before
    assert not Quote.objects.exists()


def test_an_api_key_client_manages_every_submission(api_key_client, rep, submission, new):
    theirs = submission(owner=rep)

    assert api_key_client.get(detail(theirs)).status_code == 200
    assert api_key_client.patch(detail(theirs), {"external_reference": "K"}).status_code == 200
    assert api_key_client.post(detail(theirs, "status/"), {"status": "quoted"}).status_code == 200
    created = api_key_client.post(SUBMISSIONS, new)
    assert created.status_code == 201, created.data
    assert created.data["owner"] is None
    assert Submission.objects.get(pk=created.data["id"]).owner is None
    assert api_key_client.delete(detail(theirs)).status_code == 204


def test_staff_see_every_submission(staff_client, rep, other_rep, submission):
    subs = [submission(owner=rep), submission(owner=other_rep), submission()]

    assert sorted(ids(staff_client.get(SUBMISSIONS))) == sorted(s.pk for s in subs)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "{id}/"),
        ("put", "{id}/"),
        ("patch", "{id}/"),
        ("delete", "{id}/"),
        ("post", "{id}/status/"),
        ("post", "{id}/quote/"),
        ("get", "{id}/history/"),
        ("post", "{id}/revert/"),
        ("get", "deleted/"),
        ("post", "recover/"),
    ],
)
def test_anonymous_callers_get_401(anon_client, submission, method, path):
    sub = submission()
    before = stored(sub)

    response = getattr(anon_client, method)(SUBMISSIONS + path.format(id=sub.pk), {})

    assert response.status_code == 401
    assert stored(sub) == before
    assert Submission.objects.count() == 1


# --- history -----------------------------------------------------------------------------------


def test_history_lists_each_write_newest_first(rep_client, new):
    sub_id = rep_client.post(SUBMISSIONS, new).data["id"]
    rep_client.patch(f"{SUBMISSIONS}{sub_id}/", {"external_reference": "A"})
    rep_client.patch(f"{SUBMISSIONS}{sub_id}/", {"customer": {"name": "Grace"}})

    history = rep_client.get(f"{SUBMISSIONS}{sub_id}/history/").data

    assert len(history) == 3
    assert {row["user"] for row in history} == {"rep"}
    assert history[0]["changes"]["customer_name"] == {"from": "Ada Lovelace", "to": "Grace"}
    assert history[1]["changes"]["external_reference"] == {"from": "", "to": "A"}
    assert history[2]["comment"] == "Created through the API (submission)."


def test_reverting_restores_the_earlier_customer(rep_client, new):
    sub_id = rep_client.post(SUBMISSIONS, new).data["id"]
    rep_client.patch(f"{SUBMISSIONS}{sub_id}/", {"customer": {"name": "Grace"}})
    first = rep_client.get(f"{SUBMISSIONS}{sub_id}/history/").data[-1]["id"]

    response = rep_client.post(f"{SUBMISSIONS}{sub_id}/revert/", {"version": first})

    assert response.status_code == 200, response.data
    assert response.data["customer"]["name"] == "Ada Lovelace"
    assert Submission.objects.get(pk=sub_id).customer_name == "Ada Lovelace"


def test_a_deleted_submission_is_recovered(staff_client, new):
    sub_id = staff_client.post(SUBMISSIONS, new).data["id"]
    staff_client.delete(f"{SUBMISSIONS}{sub_id}/")
    (row,) = staff_client.get(f"{SUBMISSIONS}deleted/").data["results"]

    response = staff_client.post(f"{SUBMISSIONS}recover/", {"version": row["id"]})

    assert response.status_code == 201, response.data
    assert response.data["id"] == sub_id
    assert Submission.objects.filter(pk=sub_id).exists()


def test_an_api_key_write_records_the_key_name(api_key_client, new):
    sub_id = api_key_client.post(SUBMISSIONS, new).data["id"]
    api_key_client.post(f"{SUBMISSIONS}{sub_id}/status/", {"status": "quoted"})

    history = api_key_client.get(f"{SUBMISSIONS}{sub_id}/history/").data

    assert [row["comment"] for row in history] == [
        "Status changed to quoted through the API. (by API key 'erp')",
        "Created through the API (submission). (by API key 'erp')",
    ]


def test_submissions_time_bounds_beyond_postgresqls_offsets_are_compared_in_utc(staff_client):
    # Found by schemathesis (suites/fuzz.py): "-18:16" is valid ISO 8601 but PostgreSQL
    # refused it ("time zone displacement out of range"): a 500.
    from betterform.filters import SubmissionFilter

    bound = "1832-03-26T09:06:01-18:16"
    assert staff_client.get(SUBMISSIONS, {"created_before": bound}).status_code == 200
    form = SubmissionFilter({"created_before": bound}).form
    assert form.is_valid()
    assert form.cleaned_data["created_before"].utcoffset() == datetime.timedelta(0)
    overflow = staff_client.get(SUBMISSIONS, {"created_after": "0001-01-01T00:00+18:00"})
    assert overflow.status_code == 400
