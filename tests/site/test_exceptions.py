"""Every error answer of the API has one body: ``{"detail", "code", "errors"}``
(betterform_site.exceptions), whatever raised it: a serializer, DRF's authentication,
permissions and throttles, a view's ``Conflict``, Django's ``Http404`` or its body limit."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotFound, ValidationError

from betterform_site.exceptions import error_body

pytestmark = pytest.mark.django_db

LINE = {"description": "Worktop", "quantity": "1", "unit_price": "899.99", "tax_rate": "21"}


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("rep", "rep@example.com", "pw")


@pytest.fixture
def client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_a_validation_error_keeps_nested_line_errors_and_names_the_first(client):
    bad_line = {**LINE, "quantity": "many", "tax_rate": "500"}
    response = client.post("/api/quotes/", {"title": "Kitchen", "lines": [LINE, bad_line]})

    assert response.status_code == 400
    body = response.json()
    assert body == {
        "detail": "Invalid input: lines.1.quantity: A valid number is required. (and 1 more error)",
        "code": "invalid",
        "errors": {
            "lines": [
                {},
                {
                    "quantity": ["A valid number is required."],
                    "tax_rate": ["Ensure this value is less than or equal to 100."],
                },
            ]
        },
    }


def test_an_error_about_the_whole_body_goes_under_non_field_errors(client):
    response = client.post("/api/quotes/", [LINE], format="json")

    assert response.status_code == 400
    message = "Invalid data. Expected a dictionary, but got list."
    assert response.json() == {
        "detail": f"Invalid input: {message}",
        "code": "invalid",
        "errors": {"non_field_errors": [message]},
    }


def test_a_validation_error_raised_with_a_list_or_a_lone_message_is_shaped_the_same():
    assert error_body(ValidationError(["Pick one.", "Or the other."])) == {
        "detail": "Invalid input: Pick one. (and 1 more error)",
        "code": "invalid",
        "errors": {"non_field_errors": ["Pick one.", "Or the other."]},
    }
    assert error_body(ValidationError({"version": "Send a version id."})) == {
        "detail": "Invalid input: version: Send a version id.",
        "code": "invalid",
        "errors": {"version": ["Send a version id."]},
    }
    assert error_body(NotFound()) == {"detail": "Not found.", "code": "not_found", "errors": {}}


def test_a_body_that_is_not_json_is_a_parse_error(client):
    response = client.post("/api/quotes/", b"{not json", content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error" and body["errors"] == {}
    assert body["detail"].startswith("JSON parse error")


def test_no_credentials_is_a_401_with_the_scheme_to_use(api_client):
    response = api_client.get("/api/quotes/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "errors": {},
    }
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_a_401_authentication_failed(api_client):
    response = api_client.get("/api/quotes/", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"} | {
        "errors": {}
    }


def test_a_forbidden_request_is_a_403(client):
    response = client.get("/api/pdf/templates/")  # staff only

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You do not have permission to perform this action.",
        "code": "permission_denied",
        "errors": {},
    }


def test_django_http404_and_an_unknown_api_url_are_404s_in_the_same_shape(client):
    missing = client.get("/api/quotes/999999/")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "No Quote matches the given query.",
        "code": "not_found",
        "errors": {},
    }

    version = client.post("/api/quotes/recover/", {"version": 424242})  # raises Http404
    assert version.status_code == 404
    assert version.json()["detail"] == "no version 424242 of this object that you can see."

    nowhere = client.get("/api/no-such-thing/")
    assert nowhere.status_code == 404 and nowhere["Content-Type"] == "application/json"
    assert nowhere.json() == {
        "detail": "No API endpoint at /api/no-such-thing/.",
        "code": "not_found",
        "errors": {},
    }


def test_a_conflict_is_a_409(client):
    document = client.post("/api/pdf/documents/", {"template": "report", "context": {}})
    response = client.get(f"/api/pdf/documents/{document.json()['id']}/download/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The document is queued; download it when its status is done.",
        "code": "conflict",
        "errors": {},
    }


def test_an_oversized_body_is_a_413_that_names_the_limit(client):
    response = client.patch("/api/auth/users/me/", {"first_name": "x" * (3 * 1024 * 1024)})

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than the limit of 2621440 bytes.",
        "code": "request_too_large",
        "errors": {},
    }


def test_a_multipart_body_is_a_415_naming_the_accepted_type(client):
    response = client.post("/api/quotes/", {"title": "Kitchen"}, format="multipart")

    assert response.status_code == 415
    assert response.json() == {
        "detail": "The request body is multipart/form-data; this endpoint accepts "
        "application/json only.",
        "code": "unsupported_media_type",
        "errors": {},
    }


def test_an_accept_the_api_cannot_answer_is_a_406(client):
    response = client.get("/api/quotes/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_acceptable" and body["errors"] == {}
    assert body["detail"].startswith("This endpoint answers application/json")
    assert "(text/csv)" in body["detail"]


def test_a_throttled_request_is_a_429_that_keeps_retry_after(api_client, settings):
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for _ in range(allowed):
        api_client.post("/api/auth/token/login/", {"username": "x", "password": "y"})

    response = api_client.post("/api/auth/token/login/", {"username": "x", "password": "y"})

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled" and body["errors"] == {}
    assert body["detail"].startswith("Request was throttled.")
    assert int(response["Retry-After"]) > 0
