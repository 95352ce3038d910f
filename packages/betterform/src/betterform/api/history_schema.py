"""The OpenAPI side of ``HistoryMixin``: the version list, the version choice, the restored
object (the resource plus ``warnings``) and the 409 of a restore refused for a missing parent.

A viewset passes ``history_schema(<its serializer>)`` to ``extend_schema_view``, which also
names the four operations and describes them for that resource (``list_quote_history``, ...).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers


def _version_fields() -> dict[str, serializers.Field]:
    # New fields each time: a serializer class takes its declared fields out of the dict.
    return {
        "id": serializers.IntegerField(),
        "created_at": serializers.DateTimeField(),
        "user": serializers.CharField(allow_null=True),
        "comment": serializers.CharField(),
        "changes": serializers.DictField(help_text="field -> {'from': old, 'to': new}"),
    }


VersionSerializer = inline_serializer("Version", _version_fields(), many=True)
# The deleted list's rows always have the two keys more, the history's never: one component each.
# many=True on a paginated action: the schema wraps it (PaginatedDeletedVersionList).
DeletedVersionSerializer = inline_serializer(
    "DeletedVersion",
    {
        **_version_fields(),
        "object_id": serializers.CharField(help_text="The deleted object's id."),
        "object_repr": serializers.CharField(help_text="The deleted object, as text."),
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
        "history": extend_schema(filters=False, **_history_texts("history", serializer_class)),
        "deleted": extend_schema(filters=False, **_history_texts("deleted", serializer_class)),
        "revert": extend_schema(
            request=VersionChoice,
            responses={200: restored, **refused},
            **_history_texts("revert", serializer_class),
        ),
        "recover": extend_schema(
            request=VersionChoice,
            responses={201: restored, **refused},
            **_history_texts("recover", serializer_class),
        ),
    }


# Operation id, summary and description of each history action, for one resource ("quote",
# "quotes"). Written once here, with the resource's name, instead of a generic docstring on
# ``HistoryMixin`` that every resource would repeat. ``{one_id}``: the name in operation ids.
_TEXTS = {
    "history": (
        "list_{one_id}_history",
        "List {a} {one}'s versions",
        "Every stored version of the {one}, newest first, in one list (not paginated): when "
        "(`created_at`), who (`user`, null for an API key client, whose name the `comment` "
        "gives), and `changes`: each field that changed since the version before, as "
        '`{{"from": old, "to": new}}`. '
        "Send a version's `id` to `revert_{one_id}` to go back to it.",
    ),
    "deleted": (
        "list_deleted_{many_id}",
        "List deleted {many}",
        "The {many} deleted (through the API or the admin) that you may see, each as its last "
        "version with `object_id` and `object_repr`, most recently deleted first, paginated "
        "like the other lists (`count`, `next`, `previous`, `results`). A rep sees the ones "
        "they owned; staff and API clients all of them. Send a version's `id` to "
        "`recover_{one_id}` to bring the {one} back; a recovered {one} is no longer listed.",
    ),
    "revert": (
        "revert_{one_id}",
        "Revert {a} {one} to a version",
        'Restore the {one} as the version chosen (`{{"version": <id>}}`, an id from '
        "`list_{one_id}_history`) stored it, with the rows it owns (a quote's lines); nothing "
        "else of that revision changes, and the revert is a new version itself. The answer is "
        "the {one} plus `warnings`: links cleared because their parent no longer exists. A 409 "
        "when a required parent (a submission's form) is gone: `missing` names it and the "
        "version to recover it from.",
    ),
    "recover": (
        "recover_{one_id}",
        "Recover a deleted {one}",
        'Bring a deleted {one} back from its last version (`{{"version": <id>}}`, an id from '
        "`list_deleted_{many_id}`), under its old id and with the rows it owns (a quote's "
        "lines). The answer (201) is the {one} plus `warnings`: links cleared because their "
        "parent no longer exists. A 409 when a required parent (a submission's form) is gone: "
        "`missing` names it and the version to recover it from.",
    ),
}


def _history_texts(action: str, serializer_class: type[serializers.Serializer]) -> dict[str, str]:
    meta = serializer_class.Meta.model._meta  # type: ignore[attr-defined]
    one, many = str(meta.verbose_name), str(meta.verbose_name_plural)
    names = {"one": one, "many": many, "a": "an" if one[:1] in "aeio" else "a"}
    names |= {"one_id": one.replace(" ", "_"), "many_id": many.replace(" ", "_")}
    operation_id, summary, description = (text.format(**names) for text in _TEXTS[action])
    return {"operation_id": operation_id, "summary": summary, "description": description}
