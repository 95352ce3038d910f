"""The Django ``Paginator`` behind the API's page numbers (``pagination``): counts that stop
at a limit, and deep pages that skip ids instead of rows."""

from __future__ import annotations

from typing import Any

from django.core import paginator as django_paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

DEFERRED_JOIN_FROM = 1_000  # rows skipped from which a page reads ids first


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

    def next_page_number(self) -> int:
        return self.number + 1  # past num_pages, which counts only up to the limit

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)
