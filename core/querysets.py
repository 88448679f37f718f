"""Querysets a list page asks for on every request, built once.

Annotations with correlated subqueries (a place's open relationships, a
line's committed spend) take the ORM longer to build than the database to
run on one page of rows; a queryset is a description, so it is built once and
each request works on a copy. Only querysets without prefetches: a prefetch's
own queryset is written to while it runs, so those are added per request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.db.models import QuerySet

Q = TypeVar("Q", bound=QuerySet)


def built_once(selector: Callable[[], Q]) -> Callable[[], Q]:
    """The selector's queryset, built on first use and copied for each call."""
    built: list[Q] = []

    @functools.wraps(selector)
    def copy() -> Q:
        if not built:
            made = selector()
            assert not made._prefetch_related_lookups, f"{selector.__name__} prefetches: build it per request"
            built.append(made)
        return built[0].all()

    return copy
