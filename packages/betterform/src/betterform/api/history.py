"""Audit history for API resources, on django-reversion.

``RevisionMixin`` makes every write through a viewset one revision that records the user, or
the API key's name when a key made it. ``HistoryMixin`` adds:

- ``GET <resource>/<id>/history/``: versions (newest first) with author, time, comment and the
  fields that changed since the previous version;
- ``POST <resource>/<id>/revert/`` ``{"version": <id>}``: restore that version (for a quote,
  its lines too);
- ``GET <resource>/deleted/`` and ``POST <resource>/recover/`` ``{"version": <id>}``: deleted
  objects the caller may see, and bringing one back.
"""

from __future__ import annotations

import json
from typing import Any

import reversion
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from reversion.models import Version

from betterform.api.permissions import api_key_of, sees_everything


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


VersionSerializer = inline_serializer(
    "Version",
    {
        "id": serializers.IntegerField(),
        "created_at": serializers.DateTimeField(),
        "user": serializers.CharField(allow_null=True),
        "comment": serializers.CharField(),
        "changes": serializers.DictField(help_text="field -> {'from': old, 'to': new}"),
        "object_id": serializers.CharField(required=False, help_text="Deleted list only."),
        "object_repr": serializers.CharField(required=False, help_text="Deleted list only."),
    },
    many=True,
)
VersionChoice = inline_serializer("VersionChoice", {"version": serializers.IntegerField()})


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

    @extend_schema(
        request=VersionChoice,
        responses={200: OpenApiResponse(description="The object as restored."), 404: None},
    )
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        version = self._chosen_version(request, Version.objects.get_for_object(instance))
        with transaction.atomic(), record_revision(request, f"Reverted to version {version.pk}."):
            version.revision.revert(delete=True)
            restored = self.get_queryset().get(pk=instance.pk)
            self.after_revert(restored)
        return Response(self.get_serializer(restored).data)

    @extend_schema(responses=VersionSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def deleted(self, request: Request) -> Response:
        versions = self._deleted_versions(request)
        rows = []
        for version in versions:
            (row,) = describe_versions([version])
            row["object_id"] = version.object_id
            row["object_repr"] = version.object_repr
            rows.append(row)
        return Response(rows)

    @extend_schema(
        request=VersionChoice, responses={201: OpenApiResponse(description="Recovered.")}
    )
    @action(detail=False, methods=["post"])
    def recover(self, request: Request) -> Response:
        version = self._chosen_version(request, self._deleted_versions(request))
        with transaction.atomic(), record_revision(request, f"Recovered version {version.pk}."):
            version.revision.revert(delete=False)
            restored = self.get_queryset().model.objects.get(pk=version.object_id)
            self.after_revert(restored)
        return Response(self.get_serializer(restored).data, status=status.HTTP_201_CREATED)

    def after_revert(self, instance: Any) -> None:
        """Hook: recompute what is derived from the restored rows (quote totals)."""

    def _deleted_versions(self, request: Request) -> list[Version]:
        model = self.get_queryset().model
        versions = Version.objects.get_deleted(model).select_related("revision__user")
        if sees_everything(request):
            return list(versions)
        return [v for v in versions if _fields(v).get("owner") == request.user.pk]

    def _chosen_version(self, request: Request, versions: Any) -> Version:
        raw = request.data.get("version") if hasattr(request.data, "get") else None
        try:
            version_id = int(raw)
        except (TypeError, ValueError):
            raise serializers.ValidationError({"version": "send the id of a version."}) from None
        for version in versions:
            if version.pk == version_id:
                return version
        raise Http404(f"no version {version_id} of this object that you can see.")
