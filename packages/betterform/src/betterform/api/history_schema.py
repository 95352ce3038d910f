"""The OpenAPI side of ``HistoryMixin``: the version list, the version choice, the restored
object (the resource plus ``warnings``) and the 409 of a restore refused for a missing parent.

A viewset passes ``history_schema(<its serializer>)`` to ``extend_schema_view``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

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


WARNINGS_HELP = (
    "Links cleared because their parent no longer exists (e.g. a quote recovered without its "
    "deleted submission); empty when nothing was left out."
)


class RestoredMixin:
    """Marks the classes ``restored_serializer`` makes (``restored_from`` is the resource's)."""

    restored_from: type[serializers.Serializer]


@cache
def restored_serializer(serializer_class: type[serializers.Serializer]) -> type[Any]:
    """``serializer_class`` plus ``warnings``: the answer of revert and recover."""
    meta = type("Meta", (serializer_class.Meta,), {})  # type: ignore[attr-defined]
    meta.fields = [*serializer_class.Meta.fields, "warnings"]  # type: ignore[attr-defined]
    warnings = serializers.ListField(
        child=serializers.CharField(), source="restore_warnings", read_only=True
    )
    attrs = {"Meta": meta, "warnings": warnings, "restored_from": serializer_class}
    name = f"Restored{serializer_class.__name__}"
    return type(name, (RestoredMixin, serializer_class), attrs)


class RestoredSchema(OpenApiSerializerExtension):
    """In the schema a restored answer is the resource's own component plus ``warnings``
    (``allOf``), so its fields and enums are not described twice."""

    target_class = RestoredMixin
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        resource = auto_schema.resolve_serializer(self.target.restored_from, direction)
        warnings = {"type": "array", "items": {"type": "string"}, "description": WARNINGS_HELP}
        extra = {"type": "object", "properties": {"warnings": warnings}, "required": ["warnings"]}
        return {"allOf": [resource.ref, extra]}


RestoreRefused = inline_serializer(
    "RestoreRefused",
    {
        "detail": serializers.CharField(help_text="What is missing and how to bring it back."),
        "missing": inline_serializer(
            "MissingParent",
            {
                "model": serializers.CharField(help_text="e.g. betterform.form"),
                "field": serializers.CharField(help_text="The link, e.g. form."),
                "id": serializers.CharField(),
                "repr": serializers.CharField(),
                "version": serializers.IntegerField(
                    allow_null=True, help_text="Recover this version first; null: no history."
                ),
            },
            many=True,
        ),
    },
)


def history_schema(serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """``extend_schema_view`` arguments for a ``HistoryMixin`` viewset serving that class."""
    restored = restored_serializer(serializer_class)
    refused = {
        400: OpenApiResponse(description="No version id sent."),
        404: OpenApiResponse(description="No such version that you can see."),
        409: OpenApiResponse(RestoreRefused, description="A required parent no longer exists."),
    }
    return {
        "history": extend_schema(filters=False),
        "deleted": extend_schema(filters=False),
        "revert": extend_schema(request=VersionChoice, responses={200: restored, **refused}),
        "recover": extend_schema(request=VersionChoice, responses={201: restored, **refused}),
    }
