"""Every operation of ``/api/schema/`` has the operation id an integrator would choose, a short
summary and a description of its own (issue 17; ``betterform_site.openapi``, and the
``extend_schema`` annotations of the views where the derived name is not the one to choose).

``OPERATION_IDS`` is the whole list: renaming an operation breaks every generated client's
call, so a rename has to show here.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from betterform_site.openapi import docstring_sections
from createpdf.models import DocumentTemplate
from createpdf.serializers import DocumentTemplateSerializer

METHODS = ("get", "put", "patch", "post", "delete")
FUZZ = Path(__file__).resolve().parents[2] / "suites" / "fuzz.py"

OPERATION_IDS = {
    ("post", "/api/auth/token/login/"): "log_in",
    ("post", "/api/auth/token/logout/"): "log_out",
    ("get", "/api/auth/users/"): "list_users",
    ("post", "/api/auth/users/"): "create_user",
    ("get", "/api/auth/users/{id}/"): "get_user",
    ("put", "/api/auth/users/{id}/"): "replace_user",
    ("patch", "/api/auth/users/{id}/"): "update_user",
    ("delete", "/api/auth/users/{id}/"): "delete_user",
    ("post", "/api/auth/users/activation/"): "activate_user",
    ("get", "/api/auth/users/me/"): "get_me",
    ("put", "/api/auth/users/me/"): "replace_me",
    ("patch", "/api/auth/users/me/"): "update_me",
    ("delete", "/api/auth/users/me/"): "delete_me",
    ("post", "/api/auth/users/resend_activation/"): "resend_activation",
    ("post", "/api/auth/users/reset_password/"): "reset_password",
    ("post", "/api/auth/users/reset_password_confirm/"): "confirm_password_reset",
    ("post", "/api/auth/users/reset_username/"): "reset_username",
    ("post", "/api/auth/users/reset_username_confirm/"): "confirm_username_reset",
    ("post", "/api/auth/users/set_password/"): "set_password",
    ("post", "/api/auth/users/set_username/"): "set_username",
    ("get", "/api/forms/"): "list_forms",
    ("post", "/api/forms/"): "create_form",
    ("get", "/api/forms/{id}/"): "get_form",
    ("put", "/api/forms/{id}/"): "replace_form",
    ("patch", "/api/forms/{id}/"): "update_form",
    ("delete", "/api/forms/{id}/"): "delete_form",
    ("get", "/api/forms/{id}/history/"): "list_form_history",
    ("post", "/api/forms/{id}/publish/"): "publish_form",
    ("post", "/api/forms/{id}/revert/"): "revert_form",
    ("post", "/api/forms/{id}/unpublish/"): "unpublish_form",
    ("get", "/api/forms/deleted/"): "list_deleted_forms",
    ("post", "/api/forms/recover/"): "recover_form",
    ("get", "/api/monday/events/"): "list_events",
    ("get", "/api/monday/events/{id}/"): "get_event",
    ("post", "/api/monday/events/{id}/replay/"): "replay_event",
    ("get", "/api/monday/mappings/"): "list_mappings",
    ("post", "/api/monday/mappings/"): "create_mapping",
    ("get", "/api/monday/mappings/{id}/"): "get_mapping",
    ("put", "/api/monday/mappings/{id}/"): "replace_mapping",
    ("patch", "/api/monday/mappings/{id}/"): "update_mapping",
    ("delete", "/api/monday/mappings/{id}/"): "delete_mapping",
    ("post", "/api/monday/webhooks/{secret}/"): "receive_webhook",
    ("get", "/api/pdf/documents/"): "list_documents",
    ("post", "/api/pdf/documents/"): "request_document",
    ("get", "/api/pdf/documents/{id}/"): "get_document",
    ("get", "/api/pdf/documents/{id}/download/"): "download_document",
    ("post", "/api/pdf/documents/{id}/rerender/"): "rerender_document",
    ("get", "/api/pdf/reports/"): "list_reports",
    ("post", "/api/pdf/reports/{name}/"): "request_report",
    ("get", "/api/pdf/templates/"): "list_templates",
    ("post", "/api/pdf/templates/"): "create_template",
    ("get", "/api/pdf/templates/{slug}/"): "get_template",
    ("put", "/api/pdf/templates/{slug}/"): "replace_template",
    ("patch", "/api/pdf/templates/{slug}/"): "update_template",
    ("delete", "/api/pdf/templates/{slug}/"): "delete_template",
    ("get", "/api/pdf/templates/available/"): "list_available_templates",
    ("post", "/api/pdf/templates/preview/"): "preview_template",
    ("get", "/api/public/forms/{token}/"): "get_public_form",
    ("post", "/api/public/forms/{token}/"): "submit_public_form",
    ("get", "/api/quotes/"): "list_quotes",
    ("post", "/api/quotes/"): "create_quote",
    ("get", "/api/quotes/{id}/"): "get_quote",
    ("put", "/api/quotes/{id}/"): "replace_quote",
    ("patch", "/api/quotes/{id}/"): "update_quote",
    ("delete", "/api/quotes/{id}/"): "delete_quote",
    ("get", "/api/quotes/{id}/history/"): "list_quote_history",
    ("post", "/api/quotes/{id}/new_version/"): "new_quote_version",
    ("post", "/api/quotes/{id}/send/"): "send_quote",
    ("post", "/api/quotes/{id}/record_answer/"): "record_quote_answer",
    ("post", "/api/quotes/{id}/pdf/"): "request_quote_pdf",
    ("post", "/api/quotes/{id}/revert/"): "revert_quote",
    ("get", "/api/quotes/deleted/"): "list_deleted_quotes",
    ("post", "/api/quotes/recover/"): "recover_quote",
    ("get", "/api/submissions/"): "list_submissions",
    ("post", "/api/submissions/"): "create_submission",
    ("get", "/api/submissions/{id}/"): "get_submission",
    ("put", "/api/submissions/{id}/"): "replace_submission",
    ("patch", "/api/submissions/{id}/"): "update_submission",
    ("delete", "/api/submissions/{id}/"): "delete_submission",
    ("get", "/api/submissions/{id}/history/"): "list_submission_history",
    ("post", "/api/submissions/{id}/quote/"): "quote_submission",
    ("post", "/api/submissions/{id}/revert/"): "revert_submission",
    ("post", "/api/submissions/{id}/status/"): "set_submission_status",
    ("get", "/api/submissions/deleted/"): "list_deleted_submissions",
    ("post", "/api/submissions/recover/"): "recover_submission",
}


def _schema(patterns: list[Any] | None = None) -> dict[str, Any]:
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


def _operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, route): item[method]
        for route, item in schema["paths"].items()
        for method in METHODS
        if method in item
    }


@cache
def _site_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return _operations(_schema())


@pytest.fixture
def operations() -> dict[tuple[str, str], dict[str, Any]]:
    return _site_operations()


def test_every_operation_has_the_operation_id_of_the_list(operations):
    ids = {key: operation["operationId"] for key, operation in operations.items()}
    assert ids == OPERATION_IDS


def test_operation_ids_are_unique_lowercase_words_joined_by_underscores(operations):
    ids = [operation["operationId"] for operation in operations.values()]
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(_[a-z]+)*", i)] == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_operation_has_a_short_summary(operations):
    summaries = {key: operation.get("summary", "") for key, operation in operations.items()}
    bad = {
        key: summary
        for key, summary in summaries.items()
        if not summary or len(summary) > 60 or summary.endswith(".") or not summary[0].isupper()
    }
    assert bad == {}


def test_every_operation_has_a_description_of_its_own(operations):
    # The first paragraph says what this operation does; before, every action of a viewset
    # opened with (and was only) the viewset's docstring.
    openings = Counter(
        operation.get("description", "").split("\n\n")[0] for operation in operations.values()
    )
    assert "" not in openings
    assert [opening for opening, n in openings.items() if n > 1] == []


def test_the_fuzz_suite_excludes_operations_the_schema_has(operations):
    # suites/fuzz.py passes these to schemathesis' --exclude-operation-id: a stale id would
    # quietly fuzz the operation that takes the run's own credentials away.
    module = ast.parse(FUZZ.read_text())
    (excluded,) = [
        ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", "") for target in node.targets] == ["EXCLUDED_OPERATIONS"]
    ]
    ids = {operation["operationId"] for operation in operations.values()}
    assert set(excluded) - ids == set()
    assert {"log_out", "delete_me", "set_password"} <= set(excluded)


# How operations are derived, on viewsets made for the test (DocumentTemplate: verbose name
# "document template", so ids say "template" and summaries "document template").


class OneParagraphTemplates(viewsets.ModelViewSet):
    """Templates, described the old way: one paragraph for every action."""

    queryset = DocumentTemplate.objects.all()
    serializer_class = DocumentTemplateSerializer


class SectionedTemplates(viewsets.ReadOnlyModelViewSet):
    """Notes for developers, which stay out of the schema.

    list, retrieve:
    Said of both reads.

    archive:
    Said of archiving only.
    """

    queryset = DocumentTemplate.objects.all()
    serializer_class = DocumentTemplateSerializer

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Archive a template.

        What archiving does."""
        return Response()

    @action(detail=True, methods=["post"])
    def touch(self, request: Request, pk: str | None = None) -> Response:
        return Response()

    @extend_schema(operation_id="mark_template_seen", summary="Mark as seen", description="Seen.")
    @action(detail=True, methods=["post"])
    def seen(self, request: Request, pk: str | None = None) -> Response:
        """Not what the schema says: extend_schema wins."""
        return Response()


@cache
def _made_up_api() -> dict[tuple[str, str], dict[str, Any]]:
    router = SimpleRouter()
    router.register("plain", OneParagraphTemplates, basename="plain")
    router.register("sectioned", SectionedTemplates, basename="sectioned")
    return _operations(_schema([path("api/", include(router.urls))]))


def test_standard_actions_are_named_from_the_model():
    operations = _made_up_api()
    named = {
        key: (operation["operationId"], operation["summary"])
        for key, operation in operations.items()
        if key[1].startswith("/api/plain/")
    }
    assert named == {
        ("get", "/api/plain/"): ("list_templates", "List document templates"),
        ("post", "/api/plain/"): ("create_template", "Create a document template"),
        ("get", "/api/plain/{id}/"): ("get_template", "Get a document template"),
        ("put", "/api/plain/{id}/"): ("replace_template", "Replace a document template"),
        ("patch", "/api/plain/{id}/"): ("update_template", "Update a document template (partial)"),
        ("delete", "/api/plain/{id}/"): ("delete_template", "Delete a document template"),
    }


def test_a_docstring_without_sections_follows_each_generated_sentence():
    operations = _made_up_api()
    description = operations[("delete", "/api/plain/{id}/")]["description"]
    assert description == (
        "Delete the document template; the answer is a 204 with no body.\n\n"
        "Templates, described the old way: one paragraph for every action."
    )


def test_sections_describe_their_actions_and_the_introduction_stays_out():
    operations = _made_up_api()
    listed = operations[("get", "/api/sectioned/")]["description"]
    assert listed.startswith("The document templates you may see, a page at a time (`page`")
    assert listed.endswith("\n\nSaid of both reads.")
    assert operations[("get", "/api/sectioned/{id}/")]["description"].endswith(
        "\n\nSaid of both reads."
    )
    descriptions = " ".join(operation["description"] for operation in operations.values())
    assert "Notes for developers" not in descriptions


def test_another_action_takes_its_docstring_or_its_name_unless_extend_schema_says():
    operations = _made_up_api()
    archive = operations[("post", "/api/sectioned/{id}/archive/")]
    assert (archive["operationId"], archive["summary"]) == (
        "archive_template",
        "Archive a template",
    )
    assert archive["description"] == "What archiving does.\n\nSaid of archiving only."
    touch = operations[("post", "/api/sectioned/{id}/touch/")]
    assert (touch["operationId"], touch["summary"]) == (
        "touch_template",
        "Touch a document template",
    )
    seen = operations[("post", "/api/sectioned/{id}/seen/")]
    assert (seen["operationId"], seen["summary"], seen["description"]) == (
        "mark_template_seen",
        "Mark as seen",
        "Seen.",
    )


def test_a_section_starts_only_at_a_line_naming_actions_of_the_view():
    doc = "Intro.\n\nlist:\nShown.\nnote: not a section.\n\ncreate, update:\nWrites."
    assert docstring_sections(doc, {"list", "create", "update"}) == {
        "list": ["Shown.\nnote: not a section."],
        "create": ["Writes."],
        "update": ["Writes."],
    }
    assert docstring_sections("Just prose.\nnote: still prose.", {"list"}) is None


@pytest.mark.parametrize(
    "operation",
    [
        ("post", "/api/pdf/documents/"),
        ("post", "/api/pdf/documents/{id}/rerender/"),
        ("post", "/api/pdf/reports/{name}/"),
        ("post", "/api/quotes/{id}/pdf/"),
    ],
)
def test_every_action_that_queues_a_document_documents_200_when_it_is_done(operations, operation):
    """``queued_response`` answers 200 for a document already done: a re-render left to a
    render that finishes before the answer too (``./dev fuzz``'s stateful phase met it)."""
    assert {"200", "202"} <= set(operations[operation]["responses"])
