"""The API takes JSON bodies only (createpdf.parsers.JSONParser): a form or multipart body,
which cannot carry nested writes such as a quote's lines, is a 415 on every operation of the
live schema that takes a body, never a request half read. Each app's views declare the parser
themselves, so a host project whose default parses forms gets the same answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from betterform import services
from betterform.models import Form, Quote
from createpdf import registry
from createpdf.models import DocumentTemplate
from createpdf.parsers import JSONParser
from monday_integration.models import BoardMapping

pytestmark = pytest.mark.django_db

LINE = {"description": "Worktop", "quantity": "2", "unit_price": "100.00", "tax_rate": "21"}
AREA = {"key": "area", "label": "Area", "type": "number"}
SCHEMA = {"sections": [{"title": "Job", "fields": [AREA]}]}
APPS = ("createpdf", "betterform", "monday_integration")
# The webhook reads monday's body raw (webhooks.receive): anything but a JSON object is a 400
# there, which monday never sends (it posts JSON).
NOT_415 = {("post", "/api/monday/webhooks/{secret}/"): 400}


def operations_with_a_body() -> list[tuple[str, str]]:
    """``(method, path template)`` of every operation of the live schema with a requestBody."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]


@pytest.fixture
def path_values(staff) -> dict[str, Any]:
    """One real object per path parameter, so every request gets past its lookup to the body:
    ``{"<path up to the parameter>": value}``."""
    form = services.save_form(Form(name="Kitchen", slug="kitchen", schema=SCHEMA, published=True))
    submission = services.create_submission(form, answers={"area": 3}, customer={"name": "Ada"})
    quote = services.create_quote(title="Kitchen", lines=[LINE], owner=staff)
    template = DocumentTemplate.objects.create(slug="letter", name="Letter", html="<p>x</p>")
    mapping = BoardMapping.objects.create(
        name="Sales", board_id="1", form=form, trigger_column_id="status", status_column_id="s"
    )
    report = next(iter(registry.reports()))
    return {
        "/api/auth/users/{id}": staff.pk,
        "/api/forms/{id}": form.pk,
        "/api/submissions/{id}": submission.pk,
        "/api/quotes/{id}": quote.pk,
        "/api/pdf/templates/{slug}": template.slug,
        "/api/pdf/reports/{name}": report,
        "/api/public/forms/{token}": form.public_token,
        "/api/monday/mappings/{id}": mapping.pk,
        "/api/monday/webhooks/{secret}": mapping.webhook_secret,
    }


def fill(path: str, values: dict[str, Any]) -> str:
    """``path`` with each ``{parameter}`` replaced by the value for the path up to it."""
    for match in reversed(list(re.finditer(r"\{\w+\}", path))):
        prefix = path[: match.end()]
        assert prefix in values, f"add an object for {prefix} to path_values"
        path = f"{path[: match.start()]}{values[prefix]}{path[match.end() :]}"
    return path


def send(client: APIClient, method: str, path: str, kind: str):
    data = {"title": "Kitchen", "lines": "[]"}
    if kind == "multipart":
        return getattr(client, method)(path, data, format="multipart")
    body = urlencode(data)
    return client.generic(method.upper(), path, body, "application/x-www-form-urlencoded")


@pytest.mark.parametrize("kind", ["multipart", "form"])
def test_every_operation_with_a_body_refuses_a_form_or_multipart_body(
    staff_client, path_values, kind
):
    operations = operations_with_a_body()
    assert len(operations) > 40, "the schema was read"
    wrong = []
    for method, template in operations:
        response = send(staff_client, method, fill(template, path_values), kind)
        expected = NOT_415.get((method, template), 415)
        body = response.json()
        if response.status_code != expected or set(body) != {"detail", "code", "errors"}:
            wrong.append((method.upper(), template, response.status_code, body))
        elif expected == 415:
            assert "accepts application/json only" in body["detail"], body
    assert wrong == []


def _app_views(patterns: list[Any]) -> Iterator[type]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _app_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None and view.__module__.split(".")[0] in APPS:
                yield view


def test_every_app_view_declares_the_json_parser_itself():
    """Not inherited from the site's default: a host project's default may parse forms."""
    views = set(_app_views(get_resolver().url_patterns))
    assert len(views) >= 9
    for view in views:
        owner = next(cls for cls in view.__mro__ if "parser_classes" in vars(cls))
        assert owner.__module__.split(".")[0] in APPS, f"{view.__name__} inherits its parsers"
        assert vars(owner)["parser_classes"] == [JSONParser], view


def test_a_multipart_quote_with_lines_is_a_415_not_a_quote_without_them(staff_client):
    quote = {"title": "Kitchen", "lines": [LINE, {**LINE, "description": "Sink"}]}

    multipart = staff_client.post("/api/quotes/", quote, format="multipart")

    assert multipart.status_code == 415, multipart.json()  # was 201 with "lines": []
    assert multipart.json()["code"] == "unsupported_media_type"
    assert not Quote.objects.exists()

    created = staff_client.post("/api/quotes/", quote, format="json")

    assert created.status_code == 201
    assert [line["description"] for line in created.json()["lines"]] == ["Worktop", "Sink"]
    assert created.json()["total"] == "484.00"


def test_a_body_without_a_content_type_is_a_415_that_says_so(staff_client):
    response = staff_client.generic("POST", "/api/quotes/", b'{"title": "Kitchen"}', "")

    assert response.status_code == 415
    assert response.json()["detail"] == (
        "The request body has no Content-Type; this endpoint accepts application/json only."
    )
