"""Lookups on the hot path compiled to SQL once per process, then sent with new values.

A repeated ``POST /api/pdf/documents/`` is answered from the document already asked for
(issue 3's bar: at least 50 times faster than a fresh render, ``./dev bench -k pdf``). Its two
lookups, the template by slug and the document by cache key, cost about three times their SQL
when the ORM built and compiled them anew on every request. A :class:`PreparedFirst` compiles
the query once per database alias (and per set of values that are ``None``: ``IS NULL`` is
another statement) and afterwards sends that SQL through ``raw()`` with the call's values.

The values are found among the compiled parameters by sentinels, so their order is the
ORM's, never assumed here. Each value is prepared by the field its lookup compares it with, as
the ORM prepares it (``raw()`` sends values as they are: a number for a text column was a
PostgreSQL error, a lazy string one on both backends). Should the ORM compile the query in a
way this cannot replay (a sentinel missing, repeated or reshaped by its lookup, as ``in`` and
``contains`` do; a query the ORM answers without SQL), every call asks the ORM instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.lookups import Lookup
from django.db.models.sql.where import WhereNode

M = TypeVar("M", bound=Model)

# Per parameter: (the field preparing a caller's value, its name), or (None, a fixed value).
_Shape = tuple[tuple[Field | None, Any], ...]
_Compiled = tuple[type[Model], str, _Shape]


class PreparedFirst(Generic[M]):
    """``build(**values).first()``, compiled once per (alias, which values are ``None``).

    ``build`` takes keyword values and returns an *ordered* queryset of one model, selecting
    its concrete fields (no ``only``, ``annotate`` or ``select_related``). ``sentinels`` gives
    each keyword a distinct value of its type that no caller sends (for a key, a negative
    number).
    Calling it returns the first row as a model instance, or ``None``; it raises what the
    database raises.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], sentinels: dict[str, Any]) -> None:
        self.build, self.sentinels = build, sentinels
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled | None] = {}

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> M | None:
        nulls = frozenset(name for name, value in values.items() if value is None)
        slot = (using, nulls)
        if slot not in self._compiled:
            self._compiled[slot] = self._compile(using, nulls)
        compiled = self._compiled[slot]
        if compiled is None:
            return self.build(**values).using(using).first()
        model, sql, shape = compiled
        connection = connections[using]
        params = [
            field.get_db_prep_value(values[value], connection, prepared=False) if field else value
            for field, value in shape
        ]
        return next(iter(model._default_manager.using(using).raw(sql, params)), None)

    def _compile(self, using: str, nulls: frozenset[str]) -> _Compiled | None:
        placeholders = {
            name: None if name in nulls else value for name, value in self.sentinels.items()
        }
        queryset = self.build(**placeholders)
        if not queryset.ordered:  # first() would order by the key: keep it one statement
            return None
        try:
            sql, params = queryset[:1].query.get_compiler(using).as_sql()
        except EmptyResultSet:  # first() is None without a query
            return None
        fields = self._fields(queryset.query.where)
        names = [self._name(param) for param in params]
        named = sorted(name for name in names if name is not None)
        if named != sorted(set(self.sentinels) - nulls) or not set(named) <= set(fields):
            return None
        shape = tuple(
            (fields[name], name) if name is not None else (None, param)
            for name, param in zip(names, params, strict=True)
        )
        return queryset.model, sql, shape

    def _name(self, value: Any) -> str | None:
        for name, sentinel in self.sentinels.items():
            if type(value) is type(sentinel) and value == sentinel:
                return name
        return None

    def _fields(self, where: WhereNode) -> dict[str, Field]:
        """The field each sentinel is compared with, by the lookups holding it as such."""
        fields: dict[str, Field] = {}
        for child in where.children:
            if isinstance(child, WhereNode):
                fields.update(self._fields(child))
            elif isinstance(child, Lookup) and (name := self._name(child.rhs)) is not None:
                fields[name] = child.lhs.output_field
        return fields
