"""Keyset positions for cursor pages: a list's ordering as (column, descending) terms, a row's
values in JSON, and the ``WHERE`` that starts a page after a position (``pagination``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from rest_framework import serializers

Keyset = list[tuple[models.Field, bool]]

# Columns whose values do not round-trip through a cursor as one position in the database's
# order: a JSON document compared with its Python str() matched every row (a walk that never
# ended), binary data has no JSON form.
UNORDERED_FIELDS = (models.JSONField, models.BinaryField, models.FileField)


def invalid_cursor(message: str) -> serializers.ValidationError:
    return serializers.ValidationError({"cursor": [message]})


def keyset_of(queryset: QuerySet) -> Keyset:
    """(field, descending) for each term of the queryset's ordering, then the primary key.

    Only the model's own non-null scalar columns can be a keyset (a relation by its id);
    another term (a nullable column, JSON, a related field, an expression) is a 400."""
    meta = queryset.model._meta
    terms = list(queryset.query.order_by) or list(meta.ordering)
    keyset: Keyset = []
    for term in terms:
        if not isinstance(term, str) or "__" in term.lstrip("-"):
            raise invalid_cursor("A cursor cannot walk this list in this ordering.")
        descending = term.startswith("-")
        name = term.lstrip("-")
        field = meta.pk if name == "pk" else meta.get_field(name)
        if (
            not field.concrete
            or field.null
            or field.many_to_many
            or field.one_to_many
            or isinstance(field, UNORDERED_FIELDS)
        ):
            raise invalid_cursor(f"A cursor cannot walk this list ordered by {name}.")
        if all(field is not other for other, _ in keyset):
            keyset.append((field, descending))
        if field is meta.pk:
            break  # unique: what follows never decides
    if all(field is not meta.pk for field, _ in keyset):
        keyset.append((meta.pk, keyset[-1][1] if keyset else False))
    return keyset


def dump_value(value: Any) -> Any:
    """A column's value in JSON; ``Field.to_python`` reads it back."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, UUID, ...


def rows_after(keyset: Keyset, values: list[Any], backward: bool) -> Q:
    """Rows after the position in the walk's direction: ``a > x OR (a = x AND (b > y OR ...))``,
    with ``a >= x`` in front so the index range starts at the position."""

    def beyond(index: int) -> Q:
        field, descending = keyset[index]
        lookup = "lt" if descending != backward else "gt"
        strictly = Q(**{f"{field.attname}__{lookup}": values[index]})
        if index == len(keyset) - 1:
            return strictly
        return strictly | (Q(**{field.attname: values[index]}) & beyond(index + 1))

    first, descending = keyset[0]
    bound = "lte" if descending != backward else "gte"
    return Q(**{f"{first.attname}__{bound}": values[0]}) & beyond(0)


def with_tiebreaker(queryset: QuerySet) -> QuerySet:
    """The queryset ordered as before, then by the primary key, unless it already is: rows
    that tie on the ordering come in one order every time (without it the planner decides,
    and a page-number walk skipped and repeated rows; DRF #6886), the order a cursor
    continues in."""
    meta = queryset.model._meta
    terms = list(queryset.query.order_by) or list(meta.ordering)
    names = {term.lstrip("-") for term in terms if isinstance(term, str)}
    if names & {"pk", meta.pk.name, meta.pk.attname}:
        return queryset
    last = terms[-1] if terms else ""
    descending = isinstance(last, str) and last.startswith("-")
    return queryset.order_by(*terms, "-pk" if descending else "pk")
