"""The error answers of the OpenAPI schema: one ``Error`` body, on every 4xx where it occurs.

Every 4xx of the API has the body ``betterform_site.exceptions`` shapes:
``{"detail": str, "code": str, "errors": {field: DRF's detail}}``. Views document their
deliberate answers (a 404 for an object you cannot see, a 409 of the workflow); this adds the
ones DRF gives on its own, keeping a view's own description:

- 400 where the request carries input: query parameters (filters name the parameter), a body
  (not a request header: ``If-None-Match`` is compared, never refused);
- 401 everywhere: credentials that are sent are checked even where none are required;
- 403 where credentials are required (the principal may not do this);
- 404 where the path names an object, for a page past the last of a list, and for a
  ``?format=`` no renderer of the action has (DRF's URL format override);
- 406 where the answer is a file (a PDF): an ``Accept`` that takes neither it nor JSON;
- 409 where the view already says why (not added: it is a workflow's answer, not DRF's);
  with ``{409: None}`` it gets a generic description;
- 413 where there is a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
- 415 where there is a body: the API reads JSON only (``createpdf.parsers.JSONParser``);
- 429 everywhere: views are throttled; DRF sends ``Retry-After`` (``Throttled.wait``).

(monday's webhook has no throttle, so it never sends its 429, nor the public form, which has
no authentication, its 401: an answer documented that never comes costs a client nothing.)

Every one of them gets ``application/json`` with the ``Error`` component. A view that documents
a body of its own for an error (the restore's 409 lists the ``missing`` parents, sent through
``createpdf.errors.Conflict(extra=...)``) keeps it: its component becomes ``Error`` plus its
own keys (``allOf``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

ERROR_REF = "#/components/schemas/Error"

ERROR = {
    "type": "object",
    "description": "The body of every 4xx answer of the API.",
    "properties": {
        "detail": {
            "type": "string",
            "description": "One sentence a person can act on. For invalid input it names the "
            "first field at fault (as a dotted path, e.g. lines.1.tax_rate) and how many more "
            "errors there are.",
        },
        "code": {
            "type": "string",
            "description": "DRF's error code: invalid, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, not_found, conflict, throttled, "
            "unsupported_media_type, not_acceptable, method_not_allowed, request_too_large.",
        },
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "description": "For invalid input, each field's errors as DRF gives them: a list of "
            "messages, or for nested input (a quote's lines) the nested object or list, with {} "
            "for an item without errors. Errors not about one field are under non_field_errors. "
            "{} when the error is not about fields.",
        },
    },
    "required": ["detail", "code", "errors"],
}

DESCRIPTIONS = {
    "400": "Invalid input: the body names each field, and a filter its parameter, with what "
    "it accepts.",
    "401": "Not authenticated, or the credentials sent are not valid.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "Not found (or not yours to see), or a page past the last.",
    "406": "The Accept header takes neither this answer's type nor JSON.",
    "409": "The object's current state does not allow this.",
    "413": "The request body is larger than the limit.",
    "415": "The request body is not JSON (send Content-Type: application/json).",
    "429": "Too many requests: retry after the Retry-After header's seconds.",
}

RETRY_AFTER = {
    "description": "Seconds to wait before the next request is allowed.",
    "schema": {"type": "integer"},
}

NO_BODY = "No response body"
ERROR_FIELDS = set(ERROR["properties"])  # type: ignore[arg-type]


def _answers(path: str, operation: dict[str, Any]) -> list[str]:
    query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    codes = ["401", "429"]
    if "requestBody" in operation or query - {"format"}:
        codes.append("400")
    security = operation.get("security", [{}])
    if security and {} not in security:  # [] or an option of {}: anyone may call it
        codes.append("403")
    if _answers_a_file(operation):
        codes.append("406")
    if "{" in path or query & {"page", "format"}:
        codes.append("404")
    if "requestBody" in operation:
        codes += ["413", "415"]
    return codes


def _answers_a_file(operation: dict[str, Any]) -> bool:
    """An operation whose success is not JSON (a PDF) negotiates: an ``Accept`` that takes
    neither its type nor JSON is a 406."""
    return any(
        media_type != "application/json"
        for code, response in operation.get("responses", {}).items()
        if code.startswith("2")
        for media_type in response.get("content", {})
    )


def _extend_error(schemas: dict[str, Any], ref: str) -> None:
    """The component ``ref`` names becomes ``Error`` plus its own keys (once)."""
    name = ref.rsplit("/", 1)[-1]
    own = schemas[name]
    if "allOf" in own:
        return
    properties = {k: v for k, v in own.get("properties", {}).items() if k not in ERROR_FIELDS}
    required = [field for field in own.get("required", []) if field in properties]
    extra = {"type": "object", "properties": properties, "required": required}
    description = {"description": own["description"]} if "description" in own else {}
    schemas[name] = {**description, "allOf": [{"$ref": ERROR_REF}, extra]}


def _error_content(schemas: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    own = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = own.get("$ref")
    if ref and ref != ERROR_REF:
        _extend_error(schemas, ref)
        return {"application/json": {"schema": {"$ref": ref}}}
    return {"application/json": {"schema": {"$ref": ERROR_REF}}}


def document_error_responses(
    result: dict[str, Any], operations: Iterable[tuple[str, str, dict[str, Any]]]
) -> None:
    """Add the 4xx answers above to each operation, each with its ``Error`` body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = copy.deepcopy(ERROR)
    for path, _method, operation in operations:
        responses = operation.setdefault("responses", {})
        for code in _answers(path, operation):
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.startswith("4"):
                # drf-spectacular's placeholder for ``{409: None}``; an error has a body now.
                if response.get("description", "") in ("", NO_BODY):
                    response["description"] = DESCRIPTIONS.get(code, "")
                response["content"] = _error_content(schemas, response)
            if code == "429":
                response.setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        operation["responses"] = dict(sorted(responses.items()))
