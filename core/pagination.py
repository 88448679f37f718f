"""Pages of a long list read in two steps: first the keys in order, then those rows.

A list page joins its related records and sums its children for every row it
shows. Asked for in one query, the database joins and sums every row of the
table before sorting and keeping a page of them; asked for the page's keys
first (one table, the columns the order needs), then for those 25 rows with
their joins and sums, it does the expensive part 25 times, whatever the
table holds.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

# A list that reads keys first only when sorted by a column (core.views.RecordPages).
WHEN_SORTED = "when sorted"


def keys_first(queryset: QuerySet, start: int, stop: int) -> list[Any]:
    """``queryset[start:stop]`` read as two queries: the keys in order, then those rows.

    A DISTINCT queryset, or one of values rather than records, is read in one step.
    A record a colleague deletes between the two reads is left out, not an error.
    """
    if queryset.query.distinct or queryset._iterable_class is not ModelIterable:
        return list(queryset[start:stop])
    keys = list(queryset.values_list("pk", flat=True)[start:stop])
    if not keys:
        return []
    by_key = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
    return [by_key[key] for key in keys if key in by_key]


class KeysFirstPaginator(Paginator):
    """A Paginator whose pages of a queryset read the keys first, then the rows
    (``keys_first``); anything that is not a queryset is paged as by Django's own."""

    def page(self, number: Any) -> Page:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(keys_first(rows, bottom, top), number, self)
