"""Audit history for API resources, on django-reversion.

``RevisionMixin`` makes every write through a viewset one revision that records the user, or
the API key's name when a key made it. ``HistoryMixin`` adds:

- ``GET <resource>/<id>/history/``: versions (newest first) with author, time, comment and the
  fields that changed since the previous version;
- ``POST <resource>/<id>/revert/`` ``{"version": <id>}``: restore that version;
- ``GET <resource>/deleted/`` and ``POST <resource>/recover/`` ``{"version": <id>}``: deleted
  objects the caller may see, a page at a time, and bringing one back. Both read the
  tombstones of ``createpdf.deletions`` (indexed, a rep's filtered in SQL), never the whole
  history.

Revert and recover restore that one object and the rows it owns (a quote's lines), nothing
else of the revision: ``createpdf.history.restore_version``, which the admin calls too. The
answer is the object plus ``warnings`` (links cleared because their parent is gone); a
required parent that is gone is a 409 naming it and the version to recover it from. Each
viewset documents these with ``history_schema.history_schema(<its serializer>)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import reversion
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from reversion.models import Version

from betterform.api.errors import Conflict
from betterform.api.history_schema import (
    DeletedVersionSerializer,
    VersionChoice,
    VersionSerializer,
    restored_serializer,
)
from betterform.api.permissions import api_key_of, sees_everything
from createpdf.deletions import deleted_objects, deletion_of
from createpdf.history import MissingParent, RestoreError, restore_comment, restore_version
from createpdf.models import Deletion


def describe_actor(request: Request) -> tuple[Any, str]:
    api_key = api_key_of(request)
    user = request.user if request.user and request.user.is_authenticated else None
    return user, (f"API key {api_key.name!r}" if api_key is not None else "")


def record_revision(request: Request, comment: str) -> Any:
    """Context manager: one revision for this request's write, attributed to its actor."""
    return _Revision(request, comment)


class _Revision:
    def __init__(self, request: Request, comment: str) -> None:
        self.request, self.comment = request, comment
        self._context = reversion.create_revision()

    def __enter__(self) -> None:
        self._context.__enter__()
        user, via = describe_actor(self.request)
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(f"{self.comment} (by {via})" if via else self.comment)

    def __exit__(self, *exc: Any) -> Any:
        return self._context.__exit__(*exc)


class RevisionMixin:
    """Wrap create/update/destroy of a ModelViewSet in one revision each."""

    def perform_create(self, serializer: serializers.Serializer) -> None:
        with record_revision(self.request, f"Created through the API ({self.basename})."):
            super().perform_create(serializer)  # type: ignore[misc]

    def perform_update(self, serializer: serializers.Serializer) -> None:
        with record_revision(self.request, f"Changed through the API ({self.basename})."):
            super().perform_update(serializer)  # type: ignore[misc]

    def perform_destroy(self, instance: Any) -> None:
        with record_revision(self.request, f"Deleted through the API ({self.basename})."):
            super().perform_destroy(instance)  # type: ignore[misc]


def _fields(version: Version) -> dict[str, Any]:
    return json.loads(version.serialized_data)[0]["fields"]


def _diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return {name: {"from": None, "to": value} for name, value in new.items()}
    names = sorted(set(old) | set(new))
    return {
        name: {"from": old.get(name), "to": new.get(name)}
        for name in names
        if old.get(name) != new.get(name)
    }


def describe_versions(versions: list[Version]) -> list[dict[str, Any]]:
    """Newest first, each with its changes against the one before it."""
    described = []
    ordered = list(reversed(versions))  # oldest first for diffing
    previous: dict[str, Any] | None = None
    for version in ordered:
        fields = _fields(version)
        revision = version.revision
        described.append(
            {
                "id": version.pk,
                "created_at": revision.date_created,
                "user": revision.user.get_username() if revision.user else None,
                "comment": revision.get_comment(),
                "changes": _diff(previous, fields),
            }
        )
        previous = fields
    return list(reversed(described))


class HistoryMixin(RevisionMixin):
    @extend_schema(responses=VersionSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        versions = list(Version.objects.get_for_object(instance).select_related("revision__user"))
        return Response(describe_versions(versions))

    @extend_schema(request=VersionChoice)  # responses: history_schema() in each viewset
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str | None = None) -> Response:
        """Restore this object (a quote with its lines) as the version stored it."""
        instance = self.get_object()
        version = self._chosen_version(request, Version.objects.get_for_object(instance))
        return self._restore(request, version, lambda: self.get_queryset().get(pk=instance.pk))

    @extend_schema(responses=DeletedVersionSerializer)
    @action(detail=False, methods=["get"])
    def deleted(self, request: Request) -> Response:
        tombstones = self._deletions(request).select_related("version__revision__user")
        page = self.paginate_queryset(tombstones)
        rows = []
        for tombstone in tombstones if page is None else page:
            (row,) = describe_versions([tombstone.version])
            row["object_id"] = tombstone.object_id
            row["object_repr"] = tombstone.version.object_repr
            rows.append(row)
        return Response(rows) if page is None else self.get_paginated_response(rows)

    @extend_schema(request=VersionChoice)
    @action(detail=False, methods=["post"])
    def recover(self, request: Request) -> Response:
        """Bring back a deleted object (a quote with its lines) from its last version."""
        version_id = _version_id(request)
        model = self.get_queryset().model
        tombstone = deletion_of(model, version_id, owner=_owner_filter(request))
        if tombstone is None:
            raise Http404(f"no version {version_id} of this object that you can see.")
        version = tombstone.version
        return self._restore(
            request, version, lambda: model.objects.get(pk=version.object_id), http=201
        )

    def get_serializer_class(self) -> type[Any]:
        serializer_class = super().get_serializer_class()  # type: ignore[misc]
        if getattr(self, "action", None) in ("revert", "recover"):
            return restored_serializer(serializer_class)
        return serializer_class

    def _restore(
        self, request: Request, version: Version, reload: Callable[[], Any], http: int = 200
    ) -> Response:
        try:
            with transaction.atomic(), record_revision(request, restore_comment(version)):
                result = restore_version(version)
                restored = reload()
                self.after_revert(restored)
        except RestoreError as error:
            missing = error.missing if isinstance(error, MissingParent) else []
            rows = [
                {"model": row.model, "field": row.field, "id": row.object_id}
                | {"repr": row.object_repr, "version": row.version}
                for row in missing
            ]
            raise Conflict(str(error), extra={"missing": rows}) from None
        restored.restore_warnings = result.warnings
        return Response(self.get_serializer(restored).data, status=http)

    def after_revert(self, instance: Any) -> None:
        """Hook: recompute what is derived from the restored rows (quote totals)."""

    def _deletions(self, request: Request) -> QuerySet[Deletion]:
        """The tombstones of this resource that the caller may see: a rep's own, in SQL."""
        return deleted_objects(self.get_queryset().model, owner=_owner_filter(request))

    def _chosen_version(self, request: Request, versions: QuerySet[Version]) -> Version:
        version_id = _version_id(request)
        version = versions.filter(pk=version_id).first()
        if version is None:
            raise Http404(f"no version {version_id} of this object that you can see.")
        return version


def _owner_filter(request: Request) -> Any:
    """None for staff and API clients (they see every deleted object), the rep otherwise."""
    return None if sees_everything(request) else request.user.pk


def _version_id(request: Request) -> int:
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"version": ["Send the id of a version."]}) from None
