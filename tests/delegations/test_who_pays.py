"""Who pays for a visit is what its cost items say: a visit whose costs are
split between the council and the FCO says both, with each one's share, on
its page, in the list of visits, in the calendar and in the transparency
export, and is found by the list's "Who pays" filter under either funder.
A visit with no cost items yet says who is expected to pay (the visit's own
"Who pays", given when it was planned)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from delegations.models import Funder, Visit
from tests import factories as make
from tests.support.pages import open_list, record_page
from tests.support.queries import assert_queries_do_not_grow

SPLIT = "The council £1,704.32; Foreign and Commonwealth Office £2,749.80"


@pytest.fixture
def split_visit(xian: Any) -> Visit:
    """Planned as paid by the FCO; then the council took on the hotel."""
    visit = make.VisitFactory(
        relationship=xian,
        title="Rail supply chain mission",
        direction="outbound",
        funder=Funder.FCO,
        starts_on=date(2016, 3, 7),
        ends_on=date(2016, 3, 11),
    )
    make.CostItemFactory(
        visit=visit, category="travel", quantity=Decimal("4"), unit_cost=Decimal("650.00"), funder="fco"
    )
    make.CostItemFactory(
        visit=visit, category="other", quantity=Decimal("1"), unit_cost=Decimal("149.80"), funder="fco"
    )
    make.CostItemFactory(
        visit=visit,
        category="accommodation",
        quantity=Decimal("16"),
        unit_cost=Decimal("106.52"),
        funder="council",
    )
    return visit


@pytest.fixture
def unpriced_visit(xian: Any) -> Visit:
    """Planned as the partner's to pay, with nothing priced yet."""
    return make.VisitFactory(
        relationship=xian,
        title="Xi'an mayor's return visit",
        funder=Funder.PARTNER,
        starts_on=date(2016, 9, 1),
    )


def test_the_visit_page_says_each_funder_and_its_share(leader_client: Client, split_visit: Visit) -> None:
    assert record_page(leader_client, split_visit).described()["Who pays"] == SPLIT


def test_a_visit_with_no_cost_items_says_who_is_expected_to_pay(
    leader_client: Client, unpriced_visit: Visit
) -> None:
    assert record_page(leader_client, unpriced_visit).described()["Who pays"] == "The partner"


def test_the_list_says_each_funder_and_its_share(
    leader_client: Client, split_visit: Visit, unpriced_visit: Visit
) -> None:
    page = open_list(leader_client, reverse("delegations:visit-list"))
    assert page.column("Visit") == ["Xi'an mayor's return visit", "Rail supply chain mission"]
    assert page.column("Who pays") == ["The partner", SPLIT]


@pytest.mark.parametrize(
    ("funder", "found"),
    [
        ("The council", ["Rail supply chain mission"]),
        ("Foreign and Commonwealth Office", ["Rail supply chain mission"]),
        ("The partner", ["Xi'an mayor's return visit"]),
        ("A company", []),
    ],
)
def test_the_who_pays_filter_finds_a_visit_under_each_of_its_funders(
    leader_client: Client, split_visit: Visit, unpriced_visit: Visit, funder: str, found: list[str]
) -> None:
    page = open_list(leader_client, reverse("delegations:visit-list"), Who_pays=funder)
    assert (page.column("Visit") if found else []) == found
    if not found:
        assert "No visits match." in page.text


def test_a_visit_is_found_once_however_many_of_its_items_a_funder_pays(
    leader_client: Client, split_visit: Visit
) -> None:
    page = open_list(
        leader_client, reverse("delegations:visit-list"), Who_pays="Foreign and Commonwealth Office"
    )
    assert page.column("Visit") == ["Rail supply chain mission"]


def test_once_priced_the_visit_is_no_longer_found_under_who_was_expected_to_pay(
    leader_client: Client, unpriced_visit: Visit
) -> None:
    make.CostItemFactory(visit=unpriced_visit, funder="council")
    page = open_list(leader_client, reverse("delegations:visit-list"), Who_pays="The partner")
    assert "No visits match." in page.text
    page = open_list(leader_client, reverse("delegations:visit-list"), Who_pays="The council")
    assert page.column("Visit") == ["Xi'an mayor's return visit"]


def test_the_filtered_list_does_not_grow_in_queries_with_visits(leader_client: Client, xian: Any) -> None:
    def add_visits(count: int = 20) -> None:
        for n in range(count):
            visit = make.VisitFactory(relationship=xian, title=f"Visit {n}", funder="fco")
            make.CostItemFactory(visit=visit, funder="council")
            make.CostItemFactory(visit=visit, funder="fco")

    add_visits(2)
    url = reverse("delegations:visit-list") + "?funder=council"
    pages = assert_queries_do_not_grow(leader_client, url, add_visits)
    assert pages[url].decode().count("The council £1,000; Foreign and Commonwealth Office £1,000") == 22


def test_the_transparency_export_says_each_funder_and_its_share(
    finance_client: Client, split_visit: Visit
) -> None:
    response = finance_client.get(reverse("delegations:overseas-travel-csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["Who paid"] for row in rows] == [SPLIT]


def test_the_calendar_says_each_funder_and_its_share(
    leader_client: Client, leader: Any, split_visit: Visit
) -> None:
    from delegations.models import CalendarFeed

    feed = CalendarFeed.objects.create(user=leader)
    response = Client().get(reverse("delegations:calendar-feed", args=[feed.token]))
    assert response.status_code == 200
    unfolded = response.content.decode().replace("\r\n ", "")
    assert "Who pays: The council £1\\,704.32\\; Foreign and Commonwealth Office £2\\,749.80" in unfolded


@pytest.mark.parametrize(
    ("paid_by", "says"),
    [
        ("FCO Prosperity Fund", "Foreign and Commonwealth Office (FCO Prosperity Fund)"),
        # The funder's name already says who: it is said once, and leads to the organisation.
        ("Foreign and Commonwealth Office", "Foreign and Commonwealth Office"),
    ],
)
def test_the_paying_organisation_is_named_beside_its_funder_unless_that_is_its_own_name(
    leader_client: Client, xian: Any, paid_by: str, says: str
) -> None:
    organisation = make.OrganisationFactory(name=paid_by, kind="government")
    visit = make.VisitFactory(relationship=xian, funder=Funder.FCO, funder_organisation=organisation)
    page = record_page(leader_client, visit)

    assert page.described()["Who pays"] == says
    assert page.link(paid_by) == organisation.get_absolute_url()
    listed = open_list(leader_client, reverse("delegations:visit-list"))
    assert listed.column("Who pays") == [says]
