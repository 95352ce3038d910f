"""The GraphQL side: ``schema.graphql`` built with graphql-core, real parsing, validation and
execution, monday-shaped error entries and a plausible complexity budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from monday_integration.testing.paging import Pager
from monday_integration.testing.resolvers import attach
from monday_integration.testing.state import State

BUDGET_PER_MINUTE = 10_000_000


@cache
def schema() -> GraphQLSchema:
    """The executable schema (built once per process; resolvers read ``info.context``)."""
    sdl = files("monday_integration.testing").joinpath("schema.graphql").read_text("utf-8")
    return attach(build_schema(sdl))


class Budget:
    """monday's per-minute complexity budget, reduced by each query's estimated cost."""

    def __init__(self, per_minute: int = BUDGET_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self._used = 0

    def charge(self, cost: int) -> dict[str, int]:
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= 60:
                self._window_start, self._used = now, 0
            before = self.per_minute - self._used
            self._used = min(self.per_minute, self._used + cost)
            reset = max(0, int(60 - (now - self._window_start)))
            return {
                "before": before,
                "after": before - cost,
                "query": cost,
                "reset_in_x_seconds": reset,
            }


@dataclass
class Context:
    state: State
    pager: Pager
    base_url: str
    user_id: int
    verify_webhook_url: Callable[[str], None]
    budget: Budget
    request_id: str = ""
    complexity: dict[str, int] = field(default_factory=dict)
    # Whether a mutation answers null this time (``testing.nulls``); never by default.
    take_null: Callable[[str], bool] = lambda _field: False
    # What ``me`` answers about the token's user and account (``FakeMonday.me``).
    me: dict[str, Any] = field(default_factory=dict)
    # The formula columns whose ``display_value`` this request has read (``value_types``).
    formula_columns: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """A parsed and validated request, or the errors that stopped it."""

    document: DocumentNode | None
    operation_name: str | None
    is_mutation: bool = False
    root_fields: tuple[str, ...] = ()
    errors: tuple[dict[str, Any], ...] = ()


def prepare(query: Any, operation_name: str | None) -> Prepared:
    if not isinstance(query, str) or not query.strip():
        return Prepared(None, operation_name, errors=(_plain("Must provide query string."),))
    try:
        document = parse(query)
    except GraphQLError as error:
        return Prepared(None, operation_name, errors=(_format(error, "GRAPHQL_PARSE_FAILED"),))
    found = validate(schema(), document)
    if found:
        return Prepared(
            None,
            operation_name,
            errors=tuple(_format(e, "GRAPHQL_VALIDATION_FAILED") for e in found),
        )
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            f"Unknown operation named '{operation_name}'."
            if operation_name
            else ("Must provide operation name if query contains multiple operations.")
        )
        return Prepared(None, operation_name, errors=(_plain(message),))
    roots = tuple(
        s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)
    )
    return Prepared(document, operation_name, operation.operation == OperationType.MUTATION, roots)


def run(prepared: Prepared, variables: dict[str, Any] | None, context: Context) -> dict[str, Any]:
    """Execute a prepared request; returns ``{"data", "errors"?}``."""
    assert prepared.document is not None
    context.complexity = context.budget.charge(estimate_cost(prepared.document))
    result = execute(
        schema(),
        prepared.document,
        context_value=context,
        variable_values=variables,
        operation_name=prepared.operation_name,
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(error) for error in result.errors]
    return body


def estimate_cost(document: DocumentNode) -> int:
    """Roughly like monday: a base per field, more for item lists (their limits multiply)."""
    fields = pages = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            fields += 1
            if node.name.value in ("items_page", "next_items_page", "items"):
                pages += 1
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return 10 * fields + 500 * pages


def _plain(message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": "BAD_REQUEST", "status_code": 400}}


def _format(error: GraphQLError, code: str | None = None) -> dict[str, Any]:
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        original = error.original_error
        if code is not None:
            extensions.update(code=code, status_code=400)
        elif original is not None and not isinstance(original, GraphQLError):
            extensions.update(code="INTERNAL_SERVER_ERROR", status_code=500)
        else:
            extensions.update(code="GRAPHQL_VALIDATION_FAILED", status_code=400)
    extensions.setdefault("error_data", {})
    formatted["extensions"] = extensions
    return formatted
