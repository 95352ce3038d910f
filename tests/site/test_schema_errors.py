"""The schema documents the error answers DRF gives on its own (``betterform_site.schema_errors``),
so schemathesis can check every answer's status code against it (``suites/fuzz.py``)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

METHODS = ("get", "put", "patch", "post", "delete")


@pytest.fixture
def operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/api/schema/?format=json").json()
    return [
        (method, path, item[method])
        for path, item in schema["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_every_operation_documents_401_and_429(operations):
    missing = [
        f"{method} {path}"
        for method, path, operation in operations
        if not {"401", "429"} <= set(operation["responses"])
    ]
    assert missing == []


def test_input_is_documented_with_a_400_and_an_object_in_the_path_with_a_404(operations):
    for method, path, operation in operations:
        responses = set(operation["responses"])
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        # ?format= chooses a renderer (a 404 when none has it); a header is compared, not refused.
        if "requestBody" in operation or query - {"format"}:
            assert "400" in responses, f"{method} {path}"
        if "{" in path or "format" in query:
            assert "404" in responses, f"{method} {path}"


def test_a_conditional_download_is_no_input_that_can_be_invalid(operations):
    (download,) = [
        op for m, p, op in operations if (m, p) == ("get", "/api/pdf/documents/{id}/download/")
    ]
    assert "If-None-Match" in {p["name"] for p in download["parameters"] if p["in"] == "header"}
    assert "400" not in download["responses"]


def test_a_view_keeps_its_own_description_of_an_answer(operations):
    (retrieve,) = [op for m, p, op in operations if (m, p) == ("get", "/api/submissions/{id}/")]
    assert retrieve["responses"]["404"]["description"] == "No such submission that you can see."


def test_djoser_actions_that_answer_204_are_documented_so(operations):
    (reset,) = [
        op for m, p, op in operations if (m, p) == ("post", "/api/auth/users/reset_password/")
    ]
    assert "204" in reset["responses"]
    assert "200" not in reset["responses"]
