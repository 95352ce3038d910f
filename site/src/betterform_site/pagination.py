"""The API's lists: page numbers by default, a cursor (keyset) for walking a whole list.

- ``?page=N&page_size=M`` (at most 100 a page): ``count``, ``count_is_exact``, ``next``,
  ``previous``, ``results``. Page numbers reach the first ``max_page_offset`` (10,000) rows of
  a list and count up to that many, as Elasticsearch's ``max_result_window`` and
  ``track_total_hits`` do, so no page costs more however large the table grows: past it
  ``count`` is 10,000 with ``count_is_exact`` false, a page starting past it is a 400 naming
  ``page`` that says to use ``cursor``, and the last page before it links ``next`` to a
  cursor, so a client that follows ``next`` walks on without noticing. Past
  ``DEFERRED_JOIN_FROM`` rows a page reads only ids past the offset (an index-only scan of the
  ordering's index on PostgreSQL, three to four times cheaper than whole rows), then its rows.
- ``?cursor=`` (empty: the first page) switches the list to keyset pagination, with the same
  filters, ``search``, ``ordering`` and ``page_size``: each page starts where the previous one
  ended, by the list's ordering and then the id (``WHERE (ordering, id) > (last row's)``), so
  any page costs what the first does and rows added meanwhile are neither skipped nor repeated.
  ``next`` and ``previous`` carry the cursors (``null`` at either end); ``count`` is ``null``
  and ``count_is_exact`` false (counting the whole list is what a walk avoids). A cursor is
  signed: one that was altered, or made for another ordering, is a 400 naming ``cursor``.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

from django.core import paginator as django_paginator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from betterform_site.keyset import Keyset, dump_value, invalid_cursor, keyset_of, rows_after

DEFERRED_JOIN_FROM = 1_000  # rows skipped from which a page reads ids first
_SALT = "betterform_site.pagination.cursor"
_FORWARD, _BACKWARD = "n", "p"
_DIRECTIONS = (_FORWARD, _BACKWARD)


class BoundedPaginator(django_paginator.Paginator):
    """A Django ``Paginator`` whose cost stops growing with the table.

    - ``count`` counts at most ``count_limit + 1`` rows (``SELECT COUNT(*) FROM (... LIMIT
      n)``), like Elasticsearch's ``track_total_hits``: exact up to the limit, and ``limit +
      1`` means "more than that" (``count_is_exact``).
    - A deep page reads ids, not rows, past the offset ("deferred join"): ``OFFSET`` makes
      the database read and throw away every row before the page; from
      ``DEFERRED_JOIN_FROM`` rows on, the page takes the primary keys past the offset first
      (an index on the ordering's columns and the id answers that without the table), then
      the rows of those ids with the queryset's own joins, annotations and prefetches, in the
      same order.

    Anything but a queryset is paged as Django does."""

    def __init__(self, *args: Any, count_limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit

    @cached_property
    def count(self) -> int:
        if self.count_limit is None or not isinstance(self.object_list, QuerySet):
            return super().count
        # Any count_limit + 1 rows tell "more": no ORDER BY, the planner takes the cheapest.
        return self.object_list.order_by()[: self.count_limit + 1].count()

    @property
    def count_is_exact(self) -> bool:
        return self.count_limit is None or self.count <= self.count_limit

    def page(self, number: Any) -> django_paginator.Page:
        if self.count_is_exact:
            return super().page(number)
        # More rows than were counted: the page is not cut at ``count``, and one row past it
        # tells whether another page follows.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self._rows(self.object_list[bottom : bottom + self.per_page + 1])
        return _UncountedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def _get_page(self, object_list: Any, number: int, paginator: Any) -> django_paginator.Page:
        return super()._get_page(self._rows(object_list), number, paginator)

    def _rows(self, sliced: Any) -> Any:
        query = getattr(sliced, "query", None)
        if not isinstance(sliced, QuerySet) or not query or query.low_mark < DEFERRED_JOIN_FROM:
            return list(sliced)
        ids = list(sliced.values_list("pk", flat=True))
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]


class _UncountedPage(django_paginator.Page):
    """A page of a list counted only up to its paginator's ``count_limit``."""

    def __init__(self, object_list: list[Any], number: int, paginator: Any, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M`` (at most 100 a page), or ``?cursor=`` for keyset pages."""

    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"
    cursor_query_description = (
        "Keyset pagination: send it empty for the first page, then follow `next` (or "
        "`previous`). Each page costs the same however deep; `count` is null. Replaces `page`."
    )

    max_page_offset = 10_000  # rows page numbers reach and count exactly; a cursor walks on

    keyset: Keyset | None = None

    @property
    def django_paginator_class(self) -> Any:  # DRF calls it with (queryset, page_size)
        return functools.partial(BoundedPaginator, count_limit=self.max_page_offset)

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        number = super().get_page_number(request, paginator)
        try:
            skipped = (int(number) - 1) * paginator.per_page
        except (TypeError, ValueError):
            return number  # DRF answers it (404 "Invalid page.")
        if skipped >= self.max_page_offset:
            raise serializers.ValidationError(
                {
                    self.page_query_param: [
                        f"Page numbers reach the first {self.max_page_offset:,} rows. Walk "
                        f"further with {self.cursor_query_param}= (send it empty, then follow "
                        "next), or narrow the list with filters."
                    ]
                }
            )
        return number

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
            raise invalid_cursor("A cursor cannot walk this list.")
        self.request = request
        keyset = keyset_of(queryset)
        names = [("-" if descending else "") + field.name for field, descending in keyset]
        position, backward = self._decode(request, names, keyset)
        order = [
            ("-" if descending != backward else "") + field.attname for field, descending in keyset
        ]
        rows = queryset.order_by(*order)
        if position is not None:
            rows = rows.filter(rows_after(keyset, position, backward))
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
        self, request: Request, names: list[str], keyset: Keyset
    ) -> tuple[list[Any] | None, bool]:
        token = request.query_params[self.cursor_query_param].strip()
        if not token:
            return None, False
        not_a_cursor = invalid_cursor("Not a cursor of this list; follow next or previous.")
        try:
            payload = signing.loads(token, salt=_SALT)
            ordering, stored, direction = payload["o"], payload["v"], payload["d"]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise not_a_cursor from None
        if ordering != names or direction not in _DIRECTIONS:
            raise invalid_cursor("This cursor is for another ordering; start again with cursor=.")
        try:
            values = [field.to_python(v) for (field, _), v in zip(keyset, stored, strict=True)]
        except (TypeError, ValueError, ValidationError):
            raise not_a_cursor from None
        return values, direction == _BACKWARD

    def _link(
        self,
        row: Any,
        direction: str,
        keyset: Keyset | None = None,
        names: list[str] | None = None,
    ) -> str:
        keyset, names = keyset or self.keyset or [], names or self.names
        values = [dump_value(getattr(row, field.attname)) for field, _ in keyset]
        token = signing.dumps({"o": names, "v": values, "d": direction}, salt=_SALT)
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def _cursor_after_page(self) -> str | None:
        """``next`` as a cursor after the page's last row, where the next page number would
        start past ``max_page_offset``; None when the list's ordering cannot be a keyset."""
        queryset, rows = self.page.paginator.object_list, list(self.page.object_list)
        if not isinstance(queryset, QuerySet) or not rows:
            return None
        try:
            keyset = keyset_of(queryset)
        except serializers.ValidationError:
            return None
        names = [("-" if descending else "") + field.name for field, descending in keyset]
        return self._link(rows[-1], _FORWARD, keyset, names)

    def get_next_link(self) -> str | None:
        if self.keyset is None:
            if self.page.has_next() and self.page.end_index() >= self.max_page_offset:
                return self._cursor_after_page() or super().get_next_link()
            return super().get_next_link()
        return self._link(self.page[-1], _FORWARD) if self.has_next and self.page else None

    def get_previous_link(self) -> str | None:
        if self.keyset is None:
            return super().get_previous_link()
        return self._link(self.page[0], _BACKWARD) if self.has_previous and self.page else None

    def get_paginated_response(self, data: Any) -> Response:
        if self.keyset is None:
            paginator = self.page.paginator
            exact = getattr(paginator, "count_is_exact", True)
            count = paginator.count if exact else self.max_page_offset
        else:
            count, exact = None, False
        return Response(
            OrderedDict(
                [
                    ("count", count),
                    ("count_is_exact", exact),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        limit = f"{self.max_page_offset:,}"
        paginated["properties"] = {
            "count": {
                "type": "integer",
                "nullable": True,
                "example": 123,
                "description": (
                    f"How many there are in all, counted up to {limit}: {limit} with "
                    "`count_is_exact` false means more than that. Null with `cursor`."
                ),
            },
            "count_is_exact": {
                "type": "boolean",
                "description": f"False when there are more than {limit} (and with `cursor`).",
            },
            **{name: value for name, value in properties.items() if name != "count"},
        }
        paginated["required"] = [*paginated.get("required", []), "count_is_exact"]
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
