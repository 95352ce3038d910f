"""Every query parameter of every list endpoint, read from the OpenAPI schema, answers 200 or a
400 naming the parameter for values at and past the edges of its column: huge and negative
integers, exponents, fractions, NaN and infinities, the years 1 and 9999, the widest time-zone
offsets, 10,000 characters, control characters and NUL, and values of the wrong type. A new
filter or list endpoint is covered without a case of its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.filters import SearchFilter
from rest_framework.test import APIClient

from createpdf import filtering

pytestmark = pytest.mark.django_db

EXTREMES = [
    # integers: past 64 bits, past 32 bits, the 64-bit edges, negative, signed zero
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "-1",
    "-0",
    "1,99999999999999999999",
    # exponents, fractions, not-a-number and infinities
    "1e30",
    "1E+3",
    "1.5",
    "0.000000001",
    "NaN",
    "-nan",
    "Infinity",
    "-inf",
    # the ends of the calendar, with the widest offsets either way
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59.999999+14:00",
    "2026-01-01T00:00:00+23:59",
    "2026-02-30",
    # long, control characters, NUL, wrong types
    "x" * 10_000,
    "9" * 10_000,
    "a " * 5_000,
    "\x00",
    "1\x00",
    "\x01\x1b\x7f",
    "true",
    "[]",
    "{}",
    " ",
]


def _list_operations(schema: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(path, query parameter names) of every GET without path parameters that has some."""
    operations = []
    for path, item in schema["paths"].items():
        get = item.get("get")
        if get is None or "{" in path:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if names:
            operations.append((path, names))
    return operations


def _names_parameter(body: Any, name: str) -> bool:
    """A 400 error body whose ``errors`` are keyed by the parameter (a from/to pair by its
    common stem), with messages."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict):
        return False
    return any(
        (key == name or name.startswith(f"{key}_"))
        and isinstance(messages, list)
        and all(isinstance(message, str) and message for message in messages)
        and messages
        for key, messages in errors.items()
    )


@pytest.fixture
def schema(client) -> dict[str, Any]:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("is_staff", [True, False], ids=["staff", "rep"])
def test_every_list_parameter_answers_200_or_a_400_naming_it(schema, is_staff):
    operations = _list_operations(schema)
    assert {"/api/quotes/", "/api/submissions/", "/api/pdf/documents/"} <= {
        path for path, _ in operations
    }
    user = get_user_model().objects.create_user("edges", password="x", is_staff=is_staff)
    client = APIClient()
    client.force_authenticate(user)
    client.raise_request_exception = False
    failures = []
    for path, names in operations:
        cache.clear()  # the throttle counts these requests too
        if client.get(path).status_code != 200:  # not this principal's (403): never filtered
            continue
        for name in names:
            for value in EXTREMES:
                response = client.get(path, {name: value})
                if response.status_code == 200:
                    continue
                body = response.json() if response.get("Content-Type") == "application/json" else ""
                if response.status_code == 400 and _names_parameter(body, name):
                    continue
                if name == "page" and response.status_code == 404:
                    continue  # DRF's answer for a page that does not exist
                failures.append(f"{path}?{name}={value[:40]!r}: {response.status_code} {body}")
    assert failures == []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"created_before": "9999-12-31"}, "created_before"),
        ({"created_after": "0001-01-01"}, "created_after"),
        ({"form": "1e30"}, "form"),
        ({"form": "99999999999999999999"}, "form"),
        ({"form": "1.5"}, "form"),
        ({"total_min": "NaN"}, "total_min"),
        ({"total_max": "1e30"}, "total_max"),
        ({"number": "x" * 10_000}, "number"),
    ],
)
def test_quote_filters_out_of_range_are_a_400_naming_the_parameter(schema, query, parameter):
    user = get_user_model().objects.create_user("staff", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/quotes/", query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


def test_a_fraction_is_not_read_as_a_whole_id(schema):
    user = get_user_model().objects.create_user("staff", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/submissions/", {"form": "1.5"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["form"]
    assert "whole number" in response.json()["errors"]["form"][0]


def test_every_api_view_filters_through_the_guarded_backends():
    unguarded = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        view = callback.cls
        for backend in getattr(view, "filter_backends", []):
            if issubclass(backend, DjangoFilterBackend) and not issubclass(
                backend, filtering.FilterBackend
            ):
                unguarded.append(f"{method} {path}: {backend.__name__}")
            if issubclass(backend, SearchFilter) and not issubclass(
                backend, filtering.SearchFilter
            ):
                unguarded.append(f"{method} {path}: {backend.__name__}")
    assert unguarded == []
