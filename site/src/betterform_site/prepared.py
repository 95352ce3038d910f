"""Aggregates compiled to SQL once per process and run as that SQL afterwards.

``/healthz`` is polled by load balancers many times a second, and building its two ORM
aggregates (resolving filters and expressions, compiling) cost about four times running their
SQL (``./dev bench -k http`` against a bare view running the same SQL). A
:class:`PreparedAggregate` pays that once per database alias: the first call runs the ORM's
``aggregate()``, recording the SQL and parameters it sends; later calls send that SQL again
and convert the row as the ORM would.

The parameters are replayed as recorded, so the query must not depend on the moment or the
caller: compare with the database's ``Now()`` rather than ``timezone.now()``, and key
anything else (a setting) in ``key``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Aggregate, QuerySet


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: Any
    names: tuple[str, ...]
    converters: list[tuple[list[Callable[..., Any]], Aggregate]]  # per column, as the ORM


class PreparedAggregate:
    """``build().aggregate(**aggregates())``, compiled once per (alias, ``key()``).

    ``build`` returns the queryset; ``aggregates`` the ``{name: Aggregate}`` to compute over
    it; ``key`` (optional) whatever else the SQL depends on. Calling it returns the dict
    ``aggregate()`` returns. Raises what the database raises (``DatabaseError``).
    """

    def __init__(
        self,
        build: Callable[[], QuerySet[Any]],
        aggregates: Callable[[], dict[str, Aggregate]],
        key: Callable[[], Hashable] = lambda: None,
    ) -> None:
        self.build, self.aggregates, self.key = build, aggregates, key
        self._compiled: dict[tuple[str, Hashable], _Compiled | None] = {}

    def __call__(self, using: str = "default") -> dict[str, Any]:
        cache_key = (using, self.key())
        if cache_key not in self._compiled:
            return self._compile(cache_key)
        compiled = self._compiled[cache_key]
        if compiled is None:  # the ORM answers it without SQL, or in several queries
            return self.build().using(using).aggregate(**self.aggregates())
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params)
            row = cursor.fetchone()
        connection = connections[using]
        values = []
        for value, (converters, expression) in zip(row, compiled.converters, strict=True):
            for convert in converters:
                value = convert(value, expression, connection)
            values.append(value)
        return dict(zip(compiled.names, values, strict=True))

    def _compile(self, cache_key: tuple[str, Hashable]) -> dict[str, Any]:
        using = cache_key[0]
        connection = connections[using]
        sent: list[tuple[str, Any]] = []

        def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
            sent.append((sql, params))
            return execute(sql, params, many, context)

        queryset = self.build().using(using)
        aggregates = self.aggregates()
        with connection.execute_wrapper(record):
            result = queryset.aggregate(**aggregates)
        if len(sent) != 1:
            self._compiled[cache_key] = None
            return result
        query = queryset.query.chain()
        converters = []
        for aggregate in aggregates.values():
            resolved = aggregate.resolve_expression(query, allow_joins=True, summarize=True)
            found = connection.ops.get_db_converters(resolved)
            converters.append((found + resolved.get_db_converters(connection), resolved))
        self._compiled[cache_key] = _Compiled(*sent[0], tuple(aggregates), converters)
        return result
