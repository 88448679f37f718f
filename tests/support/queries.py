"""The query-count harness: a page (or a search, a selector) makes as many SQL
queries with many rows as with a few.

Each page is asked for once to warm what is made once (content types, the
session), counted with the few rows there are, then counted again after the
test has added many more. A lazy load per row (an N+1) anywhere makes the
second count larger, whichever table it hits.

Each count is taken twice: with nothing kept in the cache (core/kept.py: the
first request after a change makes a filter's choices and a year's totals
afresh) and with what that request kept. Both must stay flat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import kept


@dataclass
class Counted:
    """One request: how many queries it made, their SQL and what it answered."""

    queries: int
    sql: list[str]
    body: bytes


def count_queries(client: Client, url: str, **headers: str) -> Counted:
    """GETs ``url`` (which must answer 200), reading the whole answer, and counts the queries."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return Counted(len(captured), [query["sql"] for query in captured.captured_queries], body)


def assert_queries_do_not_grow(
    client: Client,
    urls: str | dict[str, str],
    add_many: Callable[[], object],
    *,
    at_most: int | None = None,
    fewer_allowed: bool = False,
    **headers: str,
) -> dict[str, bytes]:
    """Counts each page with the rows there are, calls ``add_many``, counts again.

    Each count with many rows must equal the count with few (or, with
    ``fewer_allowed``, be no more: a history whose first entry falls off the
    page has less to name), and be at most ``at_most``. Returns each page as
    it was with many rows, by name (by URL for a single URL), so that the test
    can check the rows are really there.
    """
    pages = {urls: urls} if isinstance(urls, str) else urls
    for url in pages.values():
        count_queries(client, url, **headers)

    def count_each(kept_from_before: bool) -> dict[str, Counted]:
        counted = {}
        for name, url in pages.items():
            if not kept_from_before:
                kept.move_all_on()
            counted[name] = count_queries(client, url, **headers)
        return counted

    few = {False: count_each(False), True: count_each(True)}
    add_many()
    many = {False: count_each(False), True: count_each(True)}

    differ = {
        (name, warm): (few[warm][name].queries, many[warm][name].queries)
        for warm in (False, True)
        for name in pages
        if many[warm][name].queries > few[warm][name].queries
        or (many[warm][name].queries < few[warm][name].queries and not fewer_allowed)
    }
    assert not differ, "Query counts (few rows, many rows) that differ: " + "; ".join(
        f"{pages[name]} {'(kept values read)' if warm else '(nothing kept)'} {counts}:\n"
        + "\n".join(many[warm][name].sql)
        for (name, warm), counts in differ.items()
    )
    many = many[False]
    if at_most is not None:
        heavy = {pages[name]: counted.queries for name, counted in many.items() if counted.queries > at_most}
        assert not heavy, f"Pages over {at_most} queries: {heavy}"
    return {name: counted.body for name, counted in many.items()}


def assert_work_does_not_grow(work: Callable[[], object], add_many: Callable[[], object]) -> None:
    """The same for work other than a page (a search, a selector): done once to warm
    what is made once, counted, ``add_many`` called, counted again."""

    def count() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            work()
        return len(captured), [query["sql"] for query in captured.captured_queries]

    work()
    kept.move_all_on()
    few, _ = count()
    add_many()
    kept.move_all_on()
    many, sql = count()
    assert many == few, f"Query counts (few rows, many rows) that differ: ({few}, {many}):\n" + "\n".join(sql)
