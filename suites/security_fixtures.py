"""The objects the security suite probes: rep_a's form, submission, quote and document, a
staff template and board mapping, all made through the API as a client would.

``Factories`` also make a fresh object per call, so a DELETE that is allowed removes a
throwaway row rather than the one every other operation of the matrix points at.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from suites.security_common import created

SCHEMA = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "required": True,
                    "min": 1,
                    "max": 200,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                }
            ],
        }
    ]
}
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com"}
LINE = {"description": "Worktop", "quantity": "1", "unit_price": "899.99", "tax_rate": "21"}
TEMPLATE_HTML = "<h1>{{ title }}</h1>"
_numbers = itertools.count(1)


@dataclass
class Objects:
    """Path parameters of the API, by the name the schema gives the resource."""

    form: int = 0
    public_token: str = ""
    submission: int = 0
    quote: int = 0
    document: str = ""
    mapping: int = 0
    webhook_url: str = ""
    template: str = ""
    user: int = 0
    event: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Factories:
    """Make objects owned by rep_a (``rep``) or by staff (``staff``) through the API."""

    def __init__(
        self, rep: httpx.Client, staff: httpx.Client, new_board: Callable[[], dict[str, Any]]
    ) -> None:
        self.rep, self.staff, self.new_board = rep, staff, new_board
        self.form_id = 0

    def form(self) -> int:
        n = next(_numbers)
        body = {"name": f"Suite form {n}", "slug": f"suite-form-{n}", "schema": SCHEMA}
        return created(self.rep.post("/api/forms/", json=body), "a form")["id"]

    def submission(self) -> int:
        body = {"form": self.form_id, "answers": {"area": 3}, "customer": CUSTOMER}
        return created(self.rep.post("/api/submissions/", json=body), "a submission")["id"]

    def quote(self) -> int:
        body = {"title": "Suite quote", "lines": [LINE]}
        return created(self.rep.post("/api/quotes/", json=body), "a quote")["id"]

    def template(self) -> str:
        slug = f"suite-template-{next(_numbers)}"
        body = {"slug": slug, "name": slug, "html": TEMPLATE_HTML, "sample_context": {}}
        return created(self.staff.post("/api/pdf/templates/", json=body), "a template")["slug"]

    def mapping(self) -> int:
        board = self.new_board()  # one mapping a board
        c, s = board["columns"], board["subitem_columns"]
        body = {
            "name": f"Suite board {next(_numbers)}",
            "board_id": str(board["board_id"]),
            "form": self.form_id,
            "trigger_column_id": c["status"],
            "trigger_label": "Quote requested",
            "column_map": {c["customer"]: "customer.name", c["area"]: "answers.area"},
            "subitem_map": {
                "description": "name",
                "quantity": s["quantity"],
                "unit_price": s["unit_price"],
            },
            "file_column_id": c["files"],
            "status_column_id": c["status"],
            "stage_labels": {
                "working": "Quote in progress",
                "done": "Quote ready",
                "failed": "Quote failed",
            },
            "template_slug": "quote",
            "active": True,
        }
        return created(self.staff.post("/api/monday/mappings/", json=body), "a mapping")["id"]

    def for_delete(self, resource: str) -> Any | None:
        """A throwaway object for a DELETE on ``resource``; None: DELETE is refused anyway."""
        make = {
            "forms": self.form,
            "submissions": self.submission,
            "quotes": self.quote,
            "templates": self.template,
            "mappings": self.mapping,
        }.get(resource)
        return make() if make else None


def create_objects(factories: Factories) -> Objects:
    """rep_a's form (published), submission, quote and document; a template; a mapping."""
    rep, staff = factories.rep, factories.staff
    objects = Objects()
    objects.form = factories.form_id = factories.form()
    form = created(rep.post(f"/api/forms/{objects.form}/publish/"), "publishing the form")
    objects.public_token = form["public_token"]
    objects.submission = factories.submission()
    objects.quote = factories.quote()
    source = {"source": {"type": "betterform.quote", "id": str(objects.quote)}}
    objects.document = str(created(rep.post("/api/pdf/documents/", json=source), "a doc")["id"])
    objects.template = factories.template()
    objects.mapping = factories.mapping()
    mapping = created(staff.get(f"/api/monday/mappings/{objects.mapping}/"), "the mapping")
    objects.webhook_url = mapping["webhook_url"]
    objects.user = created(rep.get("/api/auth/users/me/"), "rep_a")["id"]
    return objects
