"""Pages read keys first: the same rows, in the same order, as one query would give."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import KeysFirstPaginator, keys_first
from partners import selectors
from partners.models import Action, ActionStatus, Place
from tests import factories as make
from tests.support.register import client_for, persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def actions() -> list[Action]:
    start = date(2026, 1, 1)
    statuses = [ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED]
    return [
        make.ActionFactory(
            title=f"Action {n:02}",
            status=statuses[n % 4],
            # Some undated, several on one day: the order's ties are broken by key.
            due_on=None if n % 5 == 0 else start + timedelta(days=n % 3),
        )
        for n in range(23)
    ]


def titles(rows: list[Action]) -> list[str]:
    return [row.title for row in rows]


@pytest.mark.parametrize("page_number", [1, 2, 3])
def test_each_page_holds_the_rows_one_query_would_give_in_its_order(
    actions: list[Action], page_number: int
) -> None:
    queryset = selectors.action_list()
    expected = Paginator(queryset, 10).page(page_number).object_list
    page = KeysFirstPaginator(queryset, 10).page(page_number)
    assert titles(list(page.object_list)) == titles(list(expected))
    assert page.paginator.count == 23


def test_the_rows_keep_their_joins_and_sums() -> None:
    approach = make.ApproachFactory(place__name="Hefei")
    rows = KeysFirstPaginator(selectors.approaches_ranked(), 5).page(1).object_list
    with CaptureQueriesContext(connection) as captured:
        read = [(row.pk, row.place.name, row.triage_scored) for row in rows]
    assert read == [(approach.pk, "Hefei", 0)]
    assert len(captured) == 0, "the place and the score were read with the row"


def test_the_last_page_takes_its_orphans(actions: list[Action]) -> None:
    queryset = selectors.action_list()
    page = KeysFirstPaginator(queryset, 10, orphans=3).page(2)
    assert len(page.object_list) == 13
    assert titles(list(page.object_list)) == titles(
        list(Paginator(queryset, 10, orphans=3).page(2).object_list)
    )


def test_a_distinct_queryset_is_read_in_one_step(actions: list[Action]) -> None:
    queryset = Place.objects.filter(relationships__actions__isnull=False).distinct().order_by("name")
    with CaptureQueriesContext(connection) as captured:
        rows = list(KeysFirstPaginator(queryset, 5).page(1).object_list)
    assert [row.name for row in rows] == [place.name for place in queryset[:5]]
    reads = [q["sql"] for q in captured if "COUNT" not in q["sql"]]
    assert len(reads) == 1 and "DISTINCT" in reads[0]


def test_a_record_deleted_between_the_two_reads_is_left_out(actions: list[Action]) -> None:
    queryset = selectors.action_list()
    first_two = list(queryset[:2])

    def a_colleague_deletes_the_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if '"id" AS "pk"' in sql:
            Action.objects.filter(pk=first_two[0].pk).delete()
        return result

    with connection.execute_wrapper(a_colleague_deletes_the_first):
        rows = keys_first(queryset, 0, 2)
    assert [row.pk for row in rows] == [first_two[1].pk]


def test_values_are_read_in_one_step(actions: list[Action]) -> None:
    queryset = selectors.action_list().values("title")
    assert keys_first(queryset, 0, 3) == list(queryset[:3])


def test_a_slice_read_keys_first_matches_the_slice(actions: list[Action]) -> None:
    queryset = selectors.action_list()
    assert titles(keys_first(queryset, 4, 9)) == titles(list(queryset[4:9]))
    assert keys_first(queryset, 30, 40) == []


@pytest.mark.parametrize(
    ("url", "reads_keys_first"),
    [
        ("/partners/approaches/?ordering=-triage", True),
        ("/partners/approaches/", False),
        ("/partners/actions/", False),
        ("/partners/actions/?ordering=place", True),
        ("/partners/places/", False),
    ],
)
def test_list_pages_read_keys_first_where_their_pages_say(url: str, reads_keys_first: bool) -> None:
    make.ApproachFactory()
    make.ActionFactory()
    client = client_for(persona("officer"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    keys_only = [
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT "partners_') and '"id" AS "pk" FROM' in q["sql"]
    ]
    assert bool(keys_only) is reads_keys_first
