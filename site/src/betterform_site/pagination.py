"""The API's lists: page numbers by default, a cursor (keyset) for walking a whole list.

- ``?page=N&page_size=M`` (at most 100 a page): ``count``, ``next``, ``previous``, ``results``.
  Page N is read past ``(N - 1) x M`` rows, so a deep page costs more as the table grows.
- ``?cursor=`` (empty: the first page) switches the list to keyset pagination, with the same
  filters, ``search``, ``ordering`` and ``page_size``: each page starts where the previous one
  ended, by the list's ordering and then the id (``WHERE (ordering, id) > (last row's)``), so
  any page costs what the first does and rows added meanwhile are neither skipped nor repeated.
  ``next`` and ``previous`` carry the cursors (``null`` at either end); ``count`` is ``null``
  (counting the whole list is what a walk avoids). A cursor is signed: one that was altered,
  or made for another ordering, is a 400 naming ``cursor``.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from rest_framework import pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

_SALT = "betterform_site.pagination.cursor"
_FORWARD, _BACKWARD = "n", "p"
_DIRECTIONS = (_FORWARD, _BACKWARD)


def _invalid(message: str) -> serializers.ValidationError:
    return serializers.ValidationError({"cursor": [message]})


def _ordering(queryset: QuerySet) -> list[tuple[models.Field, bool]]:
    """(field, descending) for each term of the queryset's ordering, then the primary key.

    Only the model's own non-null columns can be a keyset (a relation by its id); another
    term is a 400."""
    meta = queryset.model._meta
    terms = list(queryset.query.order_by) or list(meta.ordering)
    keyset: list[tuple[models.Field, bool]] = []
    for term in terms:
        if not isinstance(term, str) or "__" in term.lstrip("-"):
            raise _invalid("A cursor cannot walk this list in this ordering.")
        descending = term.startswith("-")
        name = term.lstrip("-")
        field = meta.pk if name == "pk" else meta.get_field(name)
        if not field.concrete or field.null or field.many_to_many or field.one_to_many:
            raise _invalid(f"A cursor cannot walk this list ordered by {name}.")
        if all(field is not other for other, _ in keyset):
            keyset.append((field, descending))
        if field is meta.pk:
            break  # unique: what follows never decides
    if all(field is not meta.pk for field, _ in keyset):
        keyset.append((meta.pk, keyset[-1][1] if keyset else False))
    return keyset


def _dump(value: Any) -> Any:
    """A column's value in JSON; ``Field.to_python`` reads it back."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, UUID, ...


def _after(keyset: list[tuple[models.Field, bool]], values: list[Any], backward: bool) -> Q:
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


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M`` (at most 100 a page), or ``?cursor=`` for keyset pages."""

    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"
    cursor_query_description = (
        "Keyset pagination: send it empty for the first page, then follow `next` (or "
        "`previous`). Each page costs the same however deep; `count` is null. Replaces `page`."
    )

    keyset: list[tuple[models.Field, bool]] | None = None

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.keyset = None
        if self.cursor_query_param not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        if not isinstance(queryset, QuerySet):
            raise _invalid("A cursor cannot walk this list.")
        self.request = request
        keyset = _ordering(queryset)
        names = [("-" if descending else "") + field.name for field, descending in keyset]
        position, backward = self._decode(request, names, keyset)
        order = [
            ("-" if descending != backward else "") + field.attname for field, descending in keyset
        ]
        rows = queryset.order_by(*order)
        if position is not None:
            rows = rows.filter(_after(keyset, position, backward))
        page = list(rows[: page_size + 1])
        more = len(page) > page_size
        page = page[:page_size]
        if backward:
            page.reverse()
        self.keyset, self.names, self.page = keyset, names, page
        self.has_next = more if not backward else position is not None
        self.has_previous = more if backward else position is not None
        return page

    def _decode(
        self, request: Request, names: list[str], keyset: list[tuple[models.Field, bool]]
    ) -> tuple[list[Any] | None, bool]:
        token = request.query_params[self.cursor_query_param].strip()
        if not token:
            return None, False
        not_a_cursor = _invalid("Not a cursor of this list; follow next or previous.")
        try:
            payload = signing.loads(token, salt=_SALT)
            ordering, stored, direction = payload["o"], payload["v"], payload["d"]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise not_a_cursor from None
        if ordering != names or direction not in _DIRECTIONS:
            raise _invalid("This cursor is for another ordering; start again with cursor=.")
        try:
            values = [field.to_python(v) for (field, _), v in zip(keyset, stored, strict=True)]
        except (TypeError, ValueError, ValidationError):
            raise not_a_cursor from None
        return values, direction == _BACKWARD

    def _link(self, row: Any, direction: str) -> str:
        values = [_dump(getattr(row, field.attname)) for field, _ in self.keyset or []]
        token = signing.dumps({"o": self.names, "v": values, "d": direction}, salt=_SALT)
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def get_next_link(self) -> str | None:
        if self.keyset is None:
            return super().get_next_link()
        return self._link(self.page[-1], _FORWARD) if self.has_next and self.page else None

    def get_previous_link(self) -> str | None:
        if self.keyset is None:
            return super().get_previous_link()
        return self._link(self.page[0], _BACKWARD) if self.has_previous and self.page else None

    def get_paginated_response(self, data: Any) -> Response:
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response(
            OrderedDict(
                [
                    ("count", None),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "How many there are in all; null with `cursor`.",
        }
        return paginated

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_query_description,
                "schema": {"type": "string"},
            }
        )
        return parameters
