"""The OpenAPI schema tells client generators the truth (issue 17; ``betterform_site.schema``).

The schema is generated in-process; ``answers`` checks real answers of the site against it: the
status is documented, the content type too, the body validates (every ``$ref`` resolved, objects
closed to the keys the schema lists, so a field marked required but missing, or sent but not
documented, fails) and every required header is sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

METHODS = ("get", "put", "patch", "post", "delete")
ERROR_REF = {"$ref": "#/components/schemas/Error"}
PASSWORD = "Correct-Horse-Battery-9"
FORM_SCHEMA = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {"key": "area", "label": "Area", "type": "number", "required": True},
                {"key": "email", "label": "Email", "type": "email"},
            ],
        }
    ],
    "pricing": {"currency": "EUR", "tax_rate": "21"},
}
LINE = {"description": "Cabinets", "quantity": "2", "unit_price": "1250.00", "tax_rate": "21"}


@cache
def _schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, default=str))


@pytest.fixture
def schema() -> dict[str, Any]:
    return _schema()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in schema["paths"].items()
        for method in METHODS
        if method in item
    ]


def _operation(schema: dict[str, Any], method: str, url: str) -> dict[str, Any]:
    path = url.split("?")[0]
    # The literal path first: /quotes/deleted/ is not /quotes/{id}/.
    for template, item in sorted(schema["paths"].items(), key=lambda p: p[0].count("{")):
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", template), path) and method in item:
            return item[method]
    raise AssertionError(f"{method.upper()} {path} is not in the schema")


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return schema["components"]["schemas"][ref.removeprefix("#/components/schemas/")]


def json_schema(schema: dict[str, Any], node: Any) -> Any:
    """An OpenAPI 3.0 schema object as strict JSON Schema: ``$ref`` inlined, ``nullable`` as
    ``null`` allowed, ``allOf`` of objects merged, objects closed (``additionalProperties:
    false`` where the schema says nothing)."""
    if isinstance(node, list):
        return [json_schema(schema, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(schema, _component(schema, node["$ref"]))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: json_schema(schema, sub) for name, sub in value.items()}
        elif key not in ("nullable", "readOnly", "writeOnly", "example"):
            out[key] = json_schema(schema, value)
    parts = out.get("allOf", [])
    if len(parts) > 1 and all("properties" in part for part in parts):
        del out["allOf"]
        out["type"] = "object"
        out["properties"] = {k: v for part in parts for k, v in part["properties"].items()}
        out["required"] = sorted({name for part in parts for name in part.get("required", [])})
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def check(schema: dict[str, Any], method: str, url: str, response: Any) -> dict[str, Any]:
    """Assert ``response`` is what the schema documents for it; return the documented answer."""
    code = str(response.status_code)
    answers = _operation(schema, method, url)["responses"]
    assert code in answers, f"{method.upper()} {url}: {code} is not documented"
    answer = answers[code]
    for name, header in answer.get("headers", {}).items():
        if header.get("required"):
            assert response.has_header(name), f"{method.upper()} {url} {code}: no {name}"
    content = answer.get("content", {})
    if not content:
        assert not response.content, f"{method.upper()} {url} {code} has an undocumented body"
        return answer
    media_type = response["Content-Type"].split(";")[0]
    assert media_type in content, f"{method.upper()} {url} {code}: {media_type}"
    if media_type == "application/json":
        validator = Draft202012Validator(json_schema(schema, content[media_type]["schema"]))
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
        ]
        assert errors == [], f"{method.upper()} {url} {code}: {errors}"
    return answer


# --- the Error component on every 4xx ------------------------------------------------------


def test_one_error_component_has_detail_code_and_errors_all_required(schema):
    error = schema["components"]["schemas"]["Error"]
    assert sorted(error["required"]) == ["code", "detail", "errors"]
    assert error["properties"]["detail"]["type"] == "string"
    assert error["properties"]["code"]["type"] == "string"
    errors = error["properties"]["errors"]
    assert errors["type"] == "object" and errors["additionalProperties"] == {}
    assert errors["description"]


def test_every_4xx_answer_has_the_error_body_and_a_description(schema):
    wrong = []
    for method, path, operation in _operations(schema):
        for code, answer in operation["responses"].items():
            if not code.startswith("4"):
                continue
            body = answer.get("content", {}).get("application/json", {}).get("schema")
            extends = body and _component(schema, body["$ref"]).get("allOf", [None])[0]
            if body != ERROR_REF and extends != ERROR_REF:
                wrong.append(f"{method} {path} {code}: {body}")
            if answer["description"] in ("", "No response body"):
                wrong.append(f"{method} {path} {code}: no description")
    assert wrong == []


def test_a_body_brings_400_413_and_415_and_a_409_only_where_a_view_documents_it(schema):
    for method, path, operation in _operations(schema):
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(operation["responses"]), f"{method} {path}"
    answers = {(m, p): set(op["responses"]) for m, p, op in _operations(schema)}
    assert "409" in answers[("delete", "/api/forms/{id}/")]
    # A quote the customer answered, or that expired, is locked: deleting it is refused.
    assert "409" in answers[("delete", "/api/quotes/{id}/")]


def test_a_restore_refused_is_the_error_plus_the_missing_parents(schema):
    refused = _component(schema, "#/components/schemas/RestoreRefused")
    error, own = refused["allOf"]
    assert error == ERROR_REF
    assert own["required"] == ["missing"]


def test_real_errors_have_the_documented_body(schema, staff_client, anon_client):
    quote = {"title": "Kitchen", "lines": [LINE, {**LINE, "tax_rate": "250"}]}
    invalid = staff_client.post("/api/quotes/", quote, format="json")
    assert invalid.status_code == 400
    assert invalid.json()["errors"]["lines"][0] == {}
    check(schema, "post", "/api/quotes/", invalid)
    check(schema, "get", "/api/quotes/999999/", staff_client.get("/api/quotes/999999/"))
    check(schema, "get", "/api/quotes/", anon_client.get("/api/quotes/"))
    multipart = staff_client.post("/api/quotes/", {"title": "x"}, format="multipart")
    assert multipart.status_code == 415
    check(schema, "post", "/api/quotes/", multipart)


# --- success answers -------------------------------------------------------------------------


def test_every_success_answer_but_204_and_304_has_a_body(schema):
    bodiless = [
        f"{method} {path} {code}"
        for method, path, operation in _operations(schema)
        for code, answer in operation["responses"].items()
        if code.startswith("2") and code not in ("204", "304") and not answer.get("content")
    ]
    assert bodiless == []


@pytest.mark.parametrize("resource", ["Form", "Submission", "Quote"])
def test_revert_and_recover_answer_the_restored_object(schema, resource):
    paths = [p for p in schema["paths"] if p.endswith(("/revert/", "/recover/"))]
    refs = {
        schema["paths"][p]["post"]["responses"][code]["content"]["application/json"]["schema"][
            "$ref"
        ]
        for p in paths
        for code in ("200", "201")
        if code in schema["paths"][p]["post"]["responses"]
    }
    restored = f"#/components/schemas/Restored{resource}"
    assert restored in refs
    resource_ref, warnings = _component(schema, restored)["allOf"]
    assert resource_ref == {"$ref": f"#/components/schemas/{resource}"}
    assert warnings["required"] == ["warnings"]


def test_token_login_takes_credentials_and_answers_the_token(schema, anon_client):
    login = schema["paths"]["/api/auth/token/login/"]["post"]
    request = _component(
        schema, login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    )
    assert request["required"] == ["password", "username"]
    get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)
    body = {"username": "ada", "password": PASSWORD}
    response = anon_client.post("/api/auth/token/login/", body, format="json")
    assert response.status_code == 200
    assert set(check(schema, "post", "/api/auth/token/login/", response)["content"]) == {
        "application/json"
    }
    assert set(response.json()) == {"auth_token"}


def test_a_username_reset_confirm_documents_the_uid_and_token_it_needs(schema, anon_client):
    from django.contrib.auth.tokens import default_token_generator
    from djoser.utils import encode_uid

    body = _component(schema, "#/components/schemas/UsernameResetConfirmRequest")
    assert sorted(body["required"]) == ["new_username", "token", "uid"]
    user = get_user_model().objects.create_user("hopper", "hopper@example.com", PASSWORD)
    url = "/api/auth/users/reset_username_confirm/"
    sent = {"new_username": "grace", "uid": encode_uid(user.pk)}
    refused = anon_client.post(url, {**sent, "token": "stale"}, format="json")
    assert refused.status_code == 400
    check(schema, "post", url, refused)
    token = default_token_generator.make_token(user)
    done = anon_client.post(url, {**sent, "token": token}, format="json")
    assert done.status_code == 204
    check(schema, "post", url, done)
    user.refresh_from_db()
    assert user.username == "grace"


def test_djoser_account_answers_are_what_djoser_sends(schema, anon_client):
    user = {"username": "grace", "email": "grace@example.com", "password": PASSWORD}
    created = anon_client.post("/api/auth/users/", user, format="json")
    assert created.status_code == 201
    check(schema, "post", "/api/auth/users/", created)
    reset = anon_client.post("/api/auth/users/reset_password/", {"email": "x@example.com"})
    assert reset.status_code == 204
    check(schema, "post", "/api/auth/users/reset_password/", reset)
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="grace"))
    no_password = client.delete("/api/auth/users/me/")
    assert no_password.status_code == 400
    check(schema, "delete", "/api/auth/users/me/", no_password)
    deleted = client.delete("/api/auth/users/me/", {"current_password": PASSWORD}, format="json")
    assert deleted.status_code == 204
    check(schema, "delete", "/api/auth/users/me/", deleted)


# --- required fields, anyOf, no dead components ----------------------------------------------


def test_every_field_of_an_answer_is_required(schema):
    optional = []
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            continue
        for part in [component, *component.get("allOf", [])]:
            missing = set(part.get("properties", {})) - set(part.get("required", []))
            optional += [f"{name}.{field}" for field in sorted(missing)]
    assert optional == []


def test_no_one_of_anywhere(schema):
    assert '"oneOf"' not in json.dumps(schema)


def test_every_component_is_used(schema):
    text = json.dumps(schema["paths"]) + json.dumps(schema["components"]["schemas"])
    unused = [n for n in schema["components"]["schemas"] if f'schemas/{n}"' not in text]
    assert unused == []


def test_every_real_answer_matches_the_schema(schema, staff_client, anon_client):
    """One of each object, read back through every list and detail: each validates."""
    from monday_integration.models import BoardMapping, WebhookEvent

    form = staff_client.post(
        "/api/forms/", {"name": "Kitchen", "slug": "kitchen", "schema": FORM_SCHEMA}, format="json"
    )
    form_id = check(schema, "post", "/api/forms/", form) and form.json()["id"]
    published = staff_client.post(f"/api/forms/{form_id}/publish/")
    token = (
        check(schema, "post", f"/api/forms/{form_id}/publish/", published)
        and (published.json()["public_token"])
    )
    customer = {"name": "Ada", "email": "", "phone": "", "company": "", "address": ""}
    submission = {"form": form_id, "answers": {"area": 12}, "customer": customer}
    created = staff_client.post("/api/submissions/", submission, format="json")
    check(schema, "post", "/api/submissions/", created)
    submission_id = created.json()["id"]
    priced = staff_client.post(f"/api/submissions/{submission_id}/quote/")
    check(schema, "post", f"/api/submissions/{submission_id}/quote/", priced)
    quote = {"title": "Kitchen", "customer_email": "", "lines": [LINE, LINE]}
    quote_created = staff_client.post("/api/quotes/", quote, format="json")
    check(schema, "post", "/api/quotes/", quote_created)
    quote_id = quote_created.json()["id"]
    public = anon_client.post(
        f"/api/public/forms/{token}/", {"answers": {"area": 3}, "customer": customer}, format="json"
    )
    check(schema, "post", f"/api/public/forms/{token}/", public)
    template = {"slug": "letter", "name": "Letter", "html": "<p>{{ title }}</p>"}
    check(schema, "post", "/api/pdf/templates/", staff_client.post("/api/pdf/templates/", template))
    document = staff_client.post("/api/pdf/documents/", {"template": "letter", "context": {}})
    check(schema, "post", "/api/pdf/documents/", document)
    mapping = BoardMapping.objects.create(
        name="Sales", board_id="1", form_id=form_id, trigger_column_id="s", status_column_id="s"
    )
    event = WebhookEvent.objects.create(
        trigger_uuid="t-1", mapping=mapping, board_id="1", item_id="2", event_type="x", payload={}
    )
    version = staff_client.get(f"/api/quotes/{quote_id}/history/").json()[0]["id"]
    reverted = staff_client.post(f"/api/quotes/{quote_id}/revert/", {"version": version})
    check(schema, "post", f"/api/quotes/{quote_id}/revert/", reverted)
    assert staff_client.delete(f"/api/quotes/{quote_id}/").status_code == 204
    deleted = staff_client.get("/api/quotes/deleted/")
    check(schema, "get", "/api/quotes/deleted/", deleted)
    recovered = staff_client.post(
        "/api/quotes/recover/", {"version": deleted.json()["results"][0]["id"]}
    )
    assert recovered.status_code == 201
    check(schema, "post", "/api/quotes/recover/", recovered)

    reads = [
        "/api/auth/users/",
        "/api/auth/users/me/",
        "/api/forms/",
        f"/api/forms/{form_id}/",
        f"/api/forms/{form_id}/history/",
        "/api/submissions/",
        f"/api/submissions/{submission_id}/",
        f"/api/submissions/{submission_id}/history/",
        "/api/quotes/",
        f"/api/quotes/{quote_id}/",
        f"/api/quotes/{quote_id}/history/",
        "/api/pdf/documents/",
        f"/api/pdf/documents/{document.json()['id']}/",
        "/api/pdf/templates/",
        "/api/pdf/templates/letter/",
        "/api/pdf/templates/available/",
        "/api/pdf/reports/",
        "/api/monday/mappings/",
        f"/api/monday/mappings/{mapping.pk}/",
        "/api/monday/events/",
        f"/api/monday/events/{event.pk}/",
    ]
    for url in reads:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        check(schema, "get", url, response)
    check(
        schema, "get", f"/api/public/forms/{token}/", anon_client.get(f"/api/public/forms/{token}/")
    )


# --- headers ---------------------------------------------------------------------------------


def _headers(schema: dict[str, Any], method: str, path: str, code: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"][code].get("headers", {}))


def test_a_queued_document_answers_its_location(schema, staff_client):
    for path in ("/api/pdf/documents/", "/api/quotes/{id}/pdf/"):
        assert "Location" in _headers(schema, "post", path, "202")
        assert "Location" in _headers(schema, "post", path, "200")
    response = staff_client.post("/api/pdf/documents/", {"template": "report", "context": {}})
    assert response.status_code == 202
    assert response["Location"] == response.json()["url"]
    check(schema, "post", "/api/pdf/documents/", response)


def test_the_same_report_again_is_the_finished_document_with_its_location(schema, staff_client):
    from createpdf.models import Document

    url = "/api/pdf/reports/documents-activity/"
    period = {"date_from": "2020-01-01", "date_to": "2020-01-31"}  # the same context again
    queued = staff_client.post(url, period, format="json")
    assert queued.status_code == 202
    check(schema, "post", url, queued)
    Document.objects.filter(pk=queued.json()["id"]).update(status=Document.Status.DONE)
    again = staff_client.post(url, period, format="json")
    assert again.status_code == 200
    assert again["Location"] == queued["Location"]
    check(schema, "post", url, again)


def test_a_created_object_has_no_location_and_the_schema_promises_none(schema, staff_client):
    # DRF's CreateModelMixin sends Location only for a serializer with a `url` field.
    response = staff_client.post("/api/quotes/", {"title": "Kitchen"}, format="json")
    assert response.status_code == 201
    assert not response.has_header("Location")
    assert "Location" not in _headers(schema, "post", "/api/quotes/", "201")


def test_the_download_documents_its_etag_and_content_disposition(schema, staff, staff_client):
    from createpdf.models import Document

    content = b"%PDF-1.4 a test file"
    document = Document.objects.create(
        template_slug="report",
        status=Document.Status.DONE,
        sha256=hashlib.sha256(content).hexdigest(),
        requested_by=staff,
    )
    document.file.save("test.pdf", ContentFile(content))
    url = f"/api/pdf/documents/{document.pk}/download/"
    path = "/api/pdf/documents/{id}/download/"
    download = schema["paths"][path]["get"]
    headers = {p["name"] for p in download["parameters"] if p["in"] == "header"}
    assert "If-None-Match" in headers
    assert {"ETag", "Content-Disposition"} <= _headers(schema, "get", path, "200")
    assert _headers(schema, "get", path, "304") == {"ETag"}
    first = staff_client.get(url, HTTP_ACCEPT="application/pdf")
    assert first.status_code == 200
    check(schema, "get", url, first)
    again = staff_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    check(schema, "get", url, again)


def test_a_file_answer_documents_the_406_of_an_accept_it_cannot_meet(schema, staff, staff_client):
    from createpdf.models import Document

    with_406 = sorted(
        op["operationId"] for _m, _p, op in _operations(schema) if "406" in op["responses"]
    )
    assert with_406 == ["download_document", "preview_template"]
    document = Document.objects.create(template_slug="report", requested_by=staff)
    url = f"/api/pdf/documents/{document.pk}/download/"
    refused = staff_client.get(url, HTTP_ACCEPT="text/csv")
    assert refused.status_code == 406
    check(schema, "get", url, refused)


def test_an_operation_anyone_may_call_lists_no_credentials(schema, anon_client):
    """Generators read any listed security as "needs credentials" (openapi-python-client then
    wants an AuthenticatedClient to log in)."""
    anonymous = sorted(
        op["operationId"] for _m, _p, op in _operations(schema) if op.get("security") == []
    )
    assert anonymous == [
        "activate_user",
        "confirm_password_reset",
        "confirm_username_reset",
        "create_user",
        "get_public_form",
        "log_in",
        "receive_webhook",
        "resend_activation",
        "reset_password",
        "reset_username",
        "submit_public_form",
    ]
    assert all({} not in op.get("security", []) for _m, _p, op in _operations(schema))
    login = schema["paths"]["/api/auth/token/login/"]["post"]["responses"]
    assert "401" in login and "403" not in login  # a token sent is checked; none is needed
    answer = anon_client.post("/api/auth/token/login/", {"username": "x", "password": "y"})
    assert answer.status_code == 400


def test_every_429_documents_retry_after_and_a_real_one_sends_it(schema, anon_client, settings):
    missing = [
        f"{method} {path}"
        for method, path, operation in _operations(schema)
        if "Retry-After" not in operation["responses"]["429"].get("headers", {})
    ]
    assert missing == []
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    body = {"username": "x", "password": "y"}
    for _ in range(allowed):
        anon_client.post("/api/auth/token/login/", body, format="json")
    throttled = anon_client.post("/api/auth/token/login/", body, format="json")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    check(schema, "post", "/api/auth/token/login/", throttled)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def staff() -> Any:
    return get_user_model().objects.create_user(
        "staff", "staff@example.com", PASSWORD, is_staff=True
    )


@pytest.fixture
def staff_client(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


def test_a_report_request_body_is_one_of_the_registered_reports_parameters(schema):
    from createpdf import registry

    body = schema["paths"]["/api/pdf/reports/{name}/"]["post"]["requestBody"]
    union = _component(schema, body["content"]["application/json"]["schema"]["$ref"])
    documented = {branch["$ref"].rsplit("/", 1)[-1] for branch in union["anyOf"]}
    expected = {f"{r.parameters.__name__}Request" for r in registry.reports().values()}
    assert documented == expected and len(expected) >= 2
    quotes = _component(schema, "#/components/schemas/QuotesSummaryParametersRequest")
    assert {"date_from", "date_to", "currency"} <= set(quotes["properties"])
