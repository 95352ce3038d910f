"""Lookups on the hot path compiled to SQL once per process, then sent with new values.

A repeated ``POST /api/pdf/documents/`` is answered from the document already asked for
(issue 3's bar: at least 50 times faster than a fresh render, ``./dev bench -k pdf``). Its two
lookups, the template by slug and the document by cache key, cost about three times their SQL
when the ORM built and compiled them anew on every request. A :class:`PreparedFirst` compiles
the query once per database alias (and per set of values that are ``None``: ``IS NULL`` is
another statement) and afterwards sends that SQL through ``raw()`` with the call's values.

The values are found among the compiled parameters by sentinels, so their order is the
ORM's, never assumed here. Should the ORM compile the query in a way this cannot replay (a
sentinel missing or repeated), every call asks the ORM instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

_Shape = tuple[tuple[bool, Any], ...]  # per parameter: (is a caller's value, its name or value)
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
        params = [values[value] if named else value for named, value in shape]
        return next(iter(model._default_manager.using(using).raw(sql, params)), None)

    def _compile(self, using: str, nulls: frozenset[str]) -> _Compiled | None:
        placeholders = {
            name: None if name in nulls else value for name, value in self.sentinels.items()
        }
        queryset = self.build(**placeholders)
        if not queryset.ordered:  # first() would order by the key: keep it one statement
            return None
        sql, params = queryset[:1].query.get_compiler(using).as_sql()
        shape = tuple(self._name(param) for param in params)
        named = sorted(value for is_named, value in shape if is_named)
        if named != sorted(set(self.sentinels) - nulls):
            return None
        return queryset.model, sql, shape

    def _name(self, param: Any) -> tuple[bool, Any]:
        for name, sentinel in self.sentinels.items():
            if type(param) is type(sentinel) and param == sentinel:
                return True, name
        return False, param
