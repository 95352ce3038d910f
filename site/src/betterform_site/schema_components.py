"""The schema's components as clients generated from it need them: response fields that are
always sent are ``required``, alternatives that overlap are ``anyOf``, and nothing is left that
no operation uses.

- Required: DRF's ``Serializer.to_representation`` writes every readable field of a model
  instance, so each property of an object a response reaches is always there (``null`` where
  the schema says ``nullable``). drf-spectacular marks only read-only and input-required fields,
  so a generated client typed ``status`` or ``lines`` of a quote as optional. The rule has no
  exceptions: a serializer fed dicts declares only the keys every dict has (a list whose rows
  differ gets a component per kind, as ``Version`` and ``DeletedVersion``). Request components
  (``*Request``) keep drf-spectacular's input rules.
- ``anyOf``: ``oneOf`` means exactly one branch matches, and drf-spectacular's email-or-blank
  (an email, or a string of length 0) and the quote filters' date or date-time both let ``""``
  or a date match twice, so a strict client refuses a quote without an email. Without a
  ``discriminator`` nothing makes branches exclusive, so every ``oneOf`` is an ``anyOf``.
- Unused: components only a replaced answer referred to (e.g. djoser's serializers of actions
  that answer 204) would become dead types in a generated client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PREFIX = "#/components/schemas/"


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in ``node``, ``node`` first (without following ``$ref``)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _reachable(result: dict[str, Any], roots: list[Any]) -> set[str]:
    """Names of the components ``roots`` refer to, directly or through other components."""
    schemas = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        for node in _nodes(pending.pop()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(PREFIX):
                name = ref.removeprefix(PREFIX)
                if name not in seen and name in schemas:
                    seen.add(name)
                    pending.append(schemas[name])
    return seen


def _responses(result: dict[str, Any]) -> list[Any]:
    return [
        operation.get("responses", {})
        for item in result.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
    ]


def require_response_fields(result: dict[str, Any]) -> None:
    """Every property of an object a response reaches is ``required``."""
    schemas = result.get("components", {}).get("schemas", {})
    roots = _responses(result)
    names = sorted(n for n in _reachable(result, roots) if not n.endswith("Request"))
    for root in [*roots, *(schemas[name] for name in names)]:
        for node in _nodes(root):
            if isinstance(node.get("properties"), dict) and node["properties"]:
                node["required"] = sorted(node["properties"])


def any_of_for_overlapping_branches(result: dict[str, Any]) -> None:
    """Every ``oneOf`` without a ``discriminator`` becomes ``anyOf``."""
    for node in list(_nodes(result)):
        if "oneOf" in node and "discriminator" not in node:
            node["anyOf"] = node.pop("oneOf")


def drop_unused_components(result: dict[str, Any]) -> None:
    """Remove the schema components no operation reaches; sort the rest by name."""
    components = result.get("components", {})
    schemas = components.get("schemas", {})
    used = _reachable(result, [result.get("paths", {}), result.get("webhooks", {})])
    components["schemas"] = {name: schemas[name] for name in sorted(schemas) if name in used}
