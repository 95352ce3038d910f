"""The error answers every operation of the OpenAPI schema may give, documented where they occur.

A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``). Views
document their deliberate answers (a 404 for an object you cannot see, a 409 of the workflow);
this adds the ones DRF gives on its own, without replacing a view's own description:

- 400 where the request carries input: query parameters (filters name the parameter), a body;
- 401 everywhere: credentials that are sent are checked even where none are required;
- 403 where credentials are required (the principal may not do this);
- 404 where the path names an object, and for a page past the last of a list;
- 409 where the view already says why (not added: it is a workflow's answer, not DRF's);
- 413 where there is a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
- 429 everywhere: every view is throttled.

It also corrects djoser's actions that answer 204 with no body, which drf-spectacular reads
as a 200 with the action's serializer (djoser's ``views.py`` returns ``HTTP_204_NO_CONTENT``).
"""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "patch", "post", "delete", "head", "options", "trace")

DESCRIPTIONS = {
    "400": "Invalid input: the body names each field, and a filter its parameter, with what "
    "it accepts.",
    "401": "Not authenticated, or the credentials sent are not valid.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "Not found (or not yours to see), or a page past the last.",
    "413": "The request body is larger than the limit.",
    "429": "Too many requests: retry after the Retry-After header's seconds.",
}

# djoser's UserViewSet actions: ``Response(status=HTTP_204_NO_CONTENT)``, nothing else on success.
DJOSER_NO_CONTENT = {
    f"auth_users_{action}_create"
    for action in (
        "activation",
        "resend_activation",
        "set_password",
        "reset_password",
        "reset_password_confirm",
        "set_username",
        "reset_username",
        "reset_username_confirm",
    )
}


def _answers(path: str, operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    codes = ["401", "429"]
    if "requestBody" in operation or any(p["in"] != "path" for p in parameters):
        codes.append("400")
    if {} not in operation.get("security", [{}]):
        codes.append("403")
    if "{" in path or any(p["in"] == "query" and p["name"] == "page" for p in parameters):
        codes.append("404")
    if "requestBody" in operation:
        codes.append("413")
    return codes


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Add the 400/401/403/404/413/429 answers to each operation where they can occur."""
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if operation.get("operationId") in DJOSER_NO_CONTENT:
                responses.pop("200", None)
                responses["204"] = {"description": "Done (no content)."}
            for code in _answers(path, operation):
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            operation["responses"] = dict(sorted(responses.items()))
    return result
