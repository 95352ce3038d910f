"""API errors of createpdf's own, for the apps built on it.

Raise them from a view instead of building a 4xx ``Response``: the site's exception handler
turns every ``APIException`` into the one error body of the API (``detail``, ``code``,
``errors``), and the schema documents that body once.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    """409: the request is valid but the object's current state does not allow it (a document
    not rendered yet, a workflow step out of order, a restore whose parent is gone).

    ``extra``: more top-level keys for the answer (e.g. ``{"missing": [...]}`` when a
    restore is refused), next to ``detail``, ``code`` and ``errors``."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's current state does not allow this."
    default_code = "conflict"

    def __init__(
        self, detail: Any = None, code: str | None = None, *, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail, code)
        self.extra = extra or {}
