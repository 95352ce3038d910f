"""A list asked for without its filters' parameters skips building the filterset
(``createpdf.filtering.FilterBackend``): safe because every app's filterset leaves the rows
alone when given no values, which is checked here for each one; with a parameter the
filterset is built and checked as before."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.http import QueryDict

from createpdf import filtering

pytestmark = pytest.mark.django_db


def _filtersets() -> list[type[filtering.FilterSet]]:
    import_module(settings.ROOT_URLCONF)  # every app's views, so every app's filtersets
    found, todo = [], [filtering.FilterSet]
    while todo:
        kind = todo.pop()
        todo += kind.__subclasses__()
        if kind._meta.model is not None:
            found.append(kind)
    return found


def test_the_apps_filtersets_are_all_found():
    names = {kind.__name__ for kind in _filtersets()}
    assert {"QuoteFilter", "SubmissionFilter", "DocumentFilter", "WebhookEventFilter"} <= names


@pytest.mark.parametrize("filterset_class", _filtersets(), ids=lambda kind: kind.__name__)
def test_a_filterset_given_no_values_leaves_the_rows_alone(filterset_class):
    rows = filterset_class._meta.model._default_manager.all()
    filterset = filterset_class(data=QueryDict(""), queryset=rows)
    assert filterset.is_valid(), filterset.errors
    assert str(filterset.qs.query) == str(rows.query)
    assert not filtering._asked(filterset_class, QueryDict("page=2&page_size=5&ordering=id"))


def _count_filtersets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    original = filtering.FilterSet.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(filtering.FilterSet, "__init__", counted)
    return built


def test_a_list_without_filter_parameters_builds_no_filterset(staff_client, monkeypatch):
    built = _count_filtersets(monkeypatch)
    response = staff_client.get("/api/pdf/documents/?page_size=5&ordering=-id")
    assert response.status_code == 200, response.json()
    assert built == []


@pytest.mark.parametrize(
    ("query", "status"),
    [("status=done", 200), ("created_after=not-a-date", 400), ("status=x%00", 400)],
)
def test_a_list_with_a_filter_parameter_is_filtered_and_checked(
    staff_client, monkeypatch, query, status
):
    built = _count_filtersets(monkeypatch)
    response = staff_client.get(f"/api/pdf/documents/?{query}")
    assert response.status_code == status, response.json()
    assert built == ["DocumentFilter"]


def test_a_filterset_with_a_required_filter_is_always_built():
    import django_filters

    from createpdf.models import Document

    class Required(filtering.FilterSet):
        status = django_filters.CharFilter(required=True)

        class Meta:
            model = Document
            fields: list[str] = []

    assert filtering._asked(Required, QueryDict(""))
