"""The OpenAPI schema's last corrections: what client generators need and drf-spectacular
cannot infer from DRF's code (issue 17: clients generated from ``/api/schema/``).

``postprocess`` is the site's postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``,
after drf-spectacular's enum hook). In order:

1. ``schema_errors.document_error_responses``: the one ``Error`` body on every 4xx each
   operation can give, and ``Retry-After`` on every 429;
2. ``document_delete_bodies``: djoser's account deletions read ``current_password`` from the
   body of the DELETE (``UserViewSet.destroy`` validates ``UserDeleteSerializer``), which
   drf-spectacular never documents for a DELETE;
3. ``anonymous_operations_take_no_credentials``: an operation anyone may call lists no security
   (``[]``), not its credentials as options beside ``{}``: client generators read any listed
   security as "needs credentials" (openapi-python-client asks for an ``AuthenticatedClient``
   to log in);
4. ``schema_components``: every field a response always has is ``required``, ``oneOf`` whose
   branches overlap is ``anyOf``, and components nothing refers to are dropped.

Headers a view sends itself (``Location`` of a queued document, the download's ``ETag``) are
declared on the view with drf-spectacular's ``OpenApiParameter(..., response=[...])``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from djoser.views import UserViewSet

from betterform_site.schema_components import (
    any_of_for_overlapping_branches,
    drop_unused_components,
    require_response_fields,
)
from betterform_site.schema_errors import document_error_responses

METHODS = ("get", "put", "patch", "post", "delete", "head", "options", "trace")

USER_DELETE = {
    "type": "object",
    "description": "Deleting an account needs its password (djoser's UserDeleteSerializer).",
    "properties": {"current_password": {"type": "string", "writeOnly": True}},
    "required": ["current_password"],
}


def operations(result: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` for every operation of a schema."""
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def views(generator: Any) -> dict[tuple[str, str], Any]:
    """``(schema path, method) -> view`` as drf-spectacular's generator documented them (its
    ``endpoints``, ``create_view`` and ``coerce_path``, which turns ``{pk}`` into ``{id}``)."""
    found = {}
    for path, _regex, method, callback in generator.endpoints or ():
        view = generator.create_view(callback, method)
        found[(generator.coerce_path(path, method, view), method.lower())] = view
    return found


def document_delete_bodies(result: dict[str, Any], generator: Any) -> None:
    """The ``current_password`` body of djoser's DELETE ``users/{id}/`` and ``users/me/``."""
    found = views(generator)
    for path, method, operation in operations(result):
        view = found.get((path, method))
        if method == "delete" and isinstance(view, UserViewSet):
            ref = {"$ref": "#/components/schemas/UserDeleteRequest"}
            operation["requestBody"] = {
                "content": {"application/json": {"schema": ref}},
                "required": True,
            }
            result["components"]["schemas"]["UserDeleteRequest"] = copy.deepcopy(USER_DELETE)


def anonymous_operations_take_no_credentials(result: dict[str, Any]) -> None:
    """``security: []`` on every operation whose options include anonymous (``{}``)."""
    for _path, _method, operation in operations(result):
        if {} in operation.get("security", []):
            operation["security"] = []


def postprocess(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the corrections above, in order."""
    document_delete_bodies(result, generator)  # first: a body brings its 400, 413 and 415
    document_error_responses(result, operations(result))
    anonymous_operations_take_no_credentials(result)
    require_response_fields(result)
    any_of_for_overlapping_branches(result)
    drop_unused_components(result)
    return result
