"""Change lists that stay fast on big tables; the admins of every app mix ``ScaledListAdmin`` in.

Django's change list counts the whole table twice per page (the paginator, and the "N total"
beside the search box), a ``date_hierarchy`` lists the distinct years of the table, and a list
filter on a plain column (``AllValuesFieldListFilter``) lists its distinct values: each reads
every row. Here:

- ``ScaledPaginator`` counts at most ``exact_up_to`` rows (``COUNT`` over a ``LIMIT``); an
  unfiltered list on PostgreSQL past that bound shows the planner's row estimate
  (``pg_class.reltuples``) instead of counting at all. Past the bound the page numbers are
  approximate; filtering narrows the list to an exact count.
- ``show_full_result_count = False`` drops the second count; facets are never counted.
- ``RecentValuesFilter`` offers the values of the latest rows (a bounded read), plus the one
  chosen; ``RecentRelatedFilter`` likewise offers the related objects (a form, an owner) of the
  latest rows, at most ``max_choices`` of them, instead of every row of the related table.
- A search matching few rows is answered through their ids (``filtering.matches_first``), so
  the page's ordered walk does not read the whole table looking for them.
- Dates are filtered by range (``DateFieldListFilter``: today, past 7 days, this month, this
  year, or any ``<field>__gte`` / ``<field>__lt`` in the URL) instead of a ``date_hierarchy``.
"""

from __future__ import annotations

import operator
from contextlib import suppress
from functools import cached_property, reduce
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import ShowFacets
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from createpdf.filtering import contains, matches_first
from createpdf.search_terms import short_terms_message, unsearchable_terms


class ScaledPaginator(Paginator):
    exact_up_to = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        if not queryset.query.where and not queryset.query.distinct:
            estimate = _estimated_rows(queryset)
            if estimate is not None and estimate > self.exact_up_to:
                return estimate
        return queryset.order_by().values("pk")[: self.exact_up_to + 1].count()


def _estimated_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the table's rows (kept by autovacuum and ANALYZE); None
    elsewhere or before the table was first analysed."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class RecentValuesFilter(admin.AllValuesFieldListFilter):
    """The distinct values of the latest ``recent_rows`` rows (newest primary keys), not of the
    whole table; the value in the URL is always offered, so any value can be filtered on."""

    recent_rows = 1000

    def __init__(
        self,
        field: Any,
        request: Any,
        params: Any,
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        latest = model._default_manager.order_by("-pk").values_list(field.name, flat=True)
        values = set(latest[: self.recent_rows])
        if self.lookup_val:
            values.update(self.lookup_val)
        self.lookup_choices = sorted(values, key=lambda value: (value is None, str(value)))


class RecentRelatedFilter(admin.RelatedFieldListFilter):
    """The related objects referred to by the latest ``recent_rows`` rows (newest primary
    keys), at most ``max_choices`` of them, plus the one chosen: Django's related filter lists
    every row of the related table (every form, every user) on every page. Any object can
    still be filtered on through the URL (``?form__id__exact=``)."""

    recent_rows = 1000
    max_choices = 30

    def field_choices(self, field: Any, request: Any, model_admin: Any) -> list[tuple[Any, str]]:
        latest = field.model._default_manager.order_by("-pk").values_list(field.attname, flat=True)
        wanted: list[Any] = []
        for value in latest[: self.recent_rows]:
            if value is not None and value not in wanted:
                wanted.append(value)
                if len(wanted) >= self.max_choices:
                    break
        for value in self.lookup_val or []:
            with suppress(ValidationError):  # the change list answers a bad parameter itself
                wanted.append(field.target_field.to_python(value))
        related = field.remote_field.model._default_manager.filter(pk__in=wanted)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            related = related.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in related]


class ScaledListAdmin:
    """Mix in before ``admin.ModelAdmin`` (or a subclass of it)."""

    paginator = ScaledPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER

    def get_search_results(self, request: Any, queryset: QuerySet, search_term: str) -> Any:
        words = [bit.strip("\"'") for bit in smart_split(search_term)]
        short = unsearchable_terms(word for word in words if word)
        if short:  # it would read the whole table: say so instead, as the API's 400 does
            messages.error(request, short_terms_message(short))
            return queryset.none(), False
        searched = self._plain_search(request, queryset, search_term)
        if searched is not None:
            may_have_duplicates = False
        else:
            searched, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
                request, queryset, search_term
            )
        if searched is queryset or not isinstance(searched, QuerySet):
            return searched, may_have_duplicates
        narrowed = matches_first(queryset, searched)
        return narrowed, may_have_duplicates and narrowed is searched

    def _plain_search(self, request: Any, queryset: QuerySet, search_term: str) -> Any:
        """The admin's search (each word in some search field, ``icontains``) with each
        condition built by ``filtering.contains``, when every search field is a column of the
        model itself; None otherwise (Django's search then)."""
        fields = self.get_search_fields(request)  # type: ignore[attr-defined]
        if not fields or not search_term or not isinstance(queryset, QuerySet):
            return None
        local = {f.name for f in queryset.model._meta.concrete_fields}
        if any(str(field) not in local for field in fields):
            return None
        vendor = connections[queryset.db].vendor
        terms = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            either = (contains(f"{field}__icontains", bit, vendor) for field in fields)
            terms.append(reduce(operator.or_, either))
        return queryset.filter(reduce(operator.and_, terms, Q()))
