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

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from rest_framework import pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from betterform_site.keyset import (
    Keyset,
    dump_value,
    invalid_cursor,
    keyset_of,
    rows_after,
    with_tiebreaker,
)
from betterform_site.paginators import BoundedPaginator

_SALT = "betterform_site.pagination.cursor"
_FORWARD, _BACKWARD = "n", "p"
_DIRECTIONS = (_FORWARD, _BACKWARD)


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
        asked = request.query_params.get(self.page_query_param)
        if asked in self.last_page_strings and not getattr(paginator, "count_is_exact", True):
            raise serializers.ValidationError(
                {
                    self.page_query_param: [
                        f"The last page is past the first {self.max_page_offset:,} rows that "
                        f"page numbers reach. Walk there with {self.cursor_query_param}= "
                        "(send it empty, then follow next), or narrow the list with filters."
                    ]
                }
            )
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
            if isinstance(queryset, QuerySet):
                queryset = with_tiebreaker(queryset)
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
            if payload["l"] != request.path:  # a cursor of another list
                raise KeyError("l")
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
        payload = {"l": self.request.path, "o": names, "v": values, "d": direction}
        token = signing.dumps(payload, salt=_SALT)
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
        limit = f"{self.max_page_offset:,}"
        descriptions = {
            self.page_query_param: (
                f"A page number (or `last`). Page numbers reach the first {limit} rows: a "
                f"page starting past them, or `last` when there are more, is a 400 naming "
                "`page`; walk further with `cursor`."
            ),
            self.page_size_query_param: f"Rows a page, at most {self.max_page_size}.",
        }
        for parameter in parameters:
            if parameter["name"] in descriptions:
                parameter["description"] = descriptions[parameter["name"]]
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
