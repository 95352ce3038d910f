"""Registries other apps fill from their ``AppConfig.ready()``: reports and document sources.

A **report** is a named document with validated parameters (``POST /api/pdf/reports/<name>/``).
The request only validates them and queues the document; the worker calls ``build_context``
(with the parameters as validated again there, and the requesting user or None) just before it
renders, so a report over a big table never holds a web request. The same report with the same
parameters, asked again by the same requester within ``reuse_seconds`` (the window), is the
document already asked for.
A **source** lets a client ask for a document of a model instance by type and id
(``{"source": {"type": "betterform.quote", "id": 7}}``) without sending the context itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.request import Request


def staff_only(request: Request) -> bool:
    return bool(request.user and request.user.is_staff)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    parameters: type[serializers.Serializer]
    # (validated parameters, the requesting user or None) -> the template's context; run by
    # the worker, never in the request.
    build_context: Callable[[dict[str, Any], Any], dict[str, Any]]
    template_slug: str = "report"
    allowed: Callable[[Request], bool] = field(default=staff_only)
    reuse_seconds: int = 60


@dataclass(frozen=True)
class DocumentSource:
    name: str
    template_slug: str
    build_context: Callable[[Any], dict[str, Any]]
    # The instances this request may turn into documents (owner rules live with the model).
    queryset: Callable[[Request], models.QuerySet]
    title: Callable[[Any], str] = field(default=str)


_reports: dict[str, Report] = {}
_sources: dict[str, DocumentSource] = {}


def register_report(report: Report) -> None:
    _reports[report.name] = report


def register_source(source: DocumentSource) -> None:
    _sources[source.name] = source


def report(name: str) -> Report | None:
    return _reports.get(name)


def reports() -> dict[str, Report]:
    return dict(_reports)


def sources() -> dict[str, DocumentSource]:
    return dict(_sources)
