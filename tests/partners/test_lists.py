"""The register's lists: filters, the search box, pages and sorting.

Each test uses the list as a person does: picks a filter's choice by its
visible text, types in the search box, follows a column header or the
"Next" link, and reads the rows of the table.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import roles
from partners.models import Place
from tests import factories as make
from tests.support.pages import Page, open_list, sorted_by

# --- Places --------------------------------------------------------------------------


@pytest.fixture
def places(db: Any) -> dict[str, Place]:
    aerospace = make.SectorFactory(name="Aerospace")
    rail = make.SectorFactory(name="Rail")
    xian = make.PlaceFactory(
        name="Xi'an", local_name="西安市", country="China", kind="city", population=8_467_800
    )
    xian.sectors.add(aerospace)
    zhejiang = make.PlaceFactory(name="Zhejiang", local_name="浙江省", country="China", kind="province")
    zhejiang.sectors.add(rail)
    toyota = make.PlaceFactory(
        name="Toyota City", local_name="豊田市", country="Japan", kind="city", population=422_000
    )
    osnabrueck = make.PlaceFactory(
        name="Osnabrück", local_name="Osnabrück", country="Germany", population=165_000
    )
    return {"xian": xian, "zhejiang": zhejiang, "toyota": toyota, "osnabrueck": osnabrueck}


def test_places_filtered_by_country(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, reverse("partners:place-list"), Country="China")
    assert sorted(page.column("Place")) == ["Xi'an", "Zhejiang"]


def test_places_filtered_by_kind(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, reverse("partners:place-list"), Kind="Province")
    assert page.column("Place") == ["Zhejiang"]


def test_places_filtered_by_sector(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, reverse("partners:place-list"), Sector="Aerospace")
    assert page.column("Place") == ["Xi'an"]
    assert page.column("Sectors") == ["Aerospace"]


@pytest.mark.parametrize(
    ("typed", "found"),
    [("西安", ["Xi'an"]), ("豊田", ["Toyota City"]), ("XI'AN", ["Xi'an"]), ("osnabrück", ["Osnabrück"])],
)
def test_place_search_matches_english_and_local_names_in_any_case(
    leader_client: Client, places: Any, typed: str, found: list[str]
) -> None:
    page = open_list(leader_client, reverse("partners:place-list"), Search=typed)
    assert page.column("Place") == found


def test_place_search_that_matches_nothing_says_so(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, reverse("partners:place-list"), Search="Hefei")
    assert "No places match." in page.text


def test_places_sorted_by_a_column_header(leader_client: Client, places: Any) -> None:
    default = open_list(leader_client, reverse("partners:place-list")).column("Place")
    assert default == ["Osnabrück", "Toyota City", "Xi'an", "Zhejiang"]

    # Zhejiang's population is not recorded; where blanks sort depends on the database.
    by_population = sorted_by(leader_client, reverse("partners:place-list"), "Population").column("Place")
    assert [p for p in by_population if p != "Zhejiang"] == ["Osnabrück", "Toyota City", "Xi'an"]
    largest_first = sorted_by(leader_client, reverse("partners:place-list"), "Population", times=2).column(
        "Place"
    )
    assert [p for p in largest_first if p != "Zhejiang"] == ["Xi'an", "Toyota City", "Osnabrück"]
    by_name_descending = sorted_by(leader_client, reverse("partners:place-list"), "Place", times=2).column(
        "Place"
    )
    assert by_name_descending == list(reversed(default))


def test_places_are_paged(leader_client: Client) -> None:
    size = settings.PAGE_SIZE
    Place.objects.bulk_create(Place(name=f"Town {i:03d}", country="China") for i in range(size + 5))

    first = open_list(leader_client, reverse("partners:place-list"))
    assert len(first.column("Place")) == size
    assert "Page 1 of 2" in first.text
    assert f"Showing 1–{size} of {size + 5}" in first.text

    url = reverse("partners:place-list") + first.link("Next page")
    second = Page(leader_client.get(url))
    assert second.column("Place") == [f"Town {i:03d}" for i in range(size, size + 5)]
    assert "Page 2 of 2" in second.text


def test_paging_keeps_the_filter(leader_client: Client) -> None:
    size = settings.PAGE_SIZE
    Place.objects.bulk_create(
        Place(name=f"Town {i:03d}", country=("China", "Japan")[i % 2]) for i in range((size + 5) * 2)
    )
    first = open_list(leader_client, reverse("partners:place-list"), Country="Japan")
    second = Page(leader_client.get(reverse("partners:place-list") + first.link("Next page")))
    assert len(second.column("Place")) == 5
    assert set(second.column("Country")) == {"Japan"}


# --- Relationships --------------------------------------------------------------------


@pytest.fixture
def relationships(places: dict[str, Place]) -> dict[str, Any]:
    return {
        "xian": make.RelationshipFactory(place=places["xian"], kind="economic", status="exploring"),
        "toyota": make.RelationshipFactory(place=places["toyota"], kind="economic", status="active"),
        "osnabrueck": make.RelationshipFactory(place=places["osnabrueck"], kind="civic", status="active"),
        "zhejiang": make.RelationshipFactory(place=places["zhejiang"], kind="educational", status="dormant"),
    }


def test_relationships_filtered_by_status(leader_client: Client, relationships: Any) -> None:
    page = open_list(leader_client, reverse("partners:relationship-list"), Status="Active")
    osnabrueck, toyota = page.column("Place")
    assert osnabrueck.startswith("Osnabrück")  # its local name is the same
    assert toyota == "Toyota City 豊田市"


def link_names(page: Page) -> list[str]:
    """What a screen reader reads for each link in the page's table, in order."""
    return [node.text for node in page.root.find_all("table")[0].find_all("tbody")[0].find_all("a")]


def test_links_to_records_of_one_place_say_which_record_they_lead_to(
    leader_client: Client, places: dict[str, Place]
) -> None:
    """Two relationships, and two approaches, with one place: the same words seen, told apart when read."""
    civic = make.RelationshipFactory(place=places["osnabrueck"], kind="civic")
    make.RelationshipFactory(place=places["osnabrueck"], kind="educational")
    page = open_list(leader_client, reverse("partners:relationship-list"), Search="Osnabrück")
    assert page.column("Place") == ["Osnabrück", "Osnabrück"]
    assert sorted(link_names(page)) == [
        "Osnabrück (civic relationship)",
        "Osnabrück (educational relationship)",
    ]

    for day in (date(2026, 3, 2), date(2026, 5, 14)):
        make.ApproachFactory(place=places["osnabrueck"], relationship=civic, received_on=day)
    page = open_list(leader_client, reverse("partners:approach-list"), Search="Osnabrück")
    assert sorted(link_names(page)) == [
        "Osnabrück (approach received 14 May 2026)",
        "Osnabrück (approach received 2 March 2026)",
    ]


def test_relationships_filtered_by_kind_and_country(leader_client: Client, relationships: Any) -> None:
    page = open_list(
        leader_client, reverse("partners:relationship-list"), **{"Kind": "Economic", "Country": "China"}
    )
    assert page.column("Place") == ["Xi'an 西安市"]


def test_relationship_search_matches_the_local_name(leader_client: Client, relationships: Any) -> None:
    page = open_list(leader_client, reverse("partners:relationship-list"), Search="浙江")
    assert page.column("Place") == ["Zhejiang 浙江省"]


def test_each_relationship_names_the_councils_holding_it_home_council_first(
    leader_client: Client, relationships: Any
) -> None:
    derby = make.CouncilFactory(name="Derby City Council", is_home=True)
    relationships["toyota"].councils.add(
        make.CouncilFactory(name="Nottingham City Council"),
        derby,
        make.CouncilFactory(name="Amber Valley Borough Council"),
    )
    relationships["osnabrueck"].councils.add(derby)

    page = open_list(leader_client, reverse("partners:relationship-list"), Status="Active")
    assert page.column("Councils") == [
        "Derby City Council",
        "Derby City Council, Amber Valley Borough Council, Nottingham City Council",
    ]
    assert open_list(leader_client, reverse("partners:relationship-list"), Search="浙江").column(
        "Councils"
    ) == ["—"]


def test_relationships_sorted_by_status(leader_client: Client, relationships: Any) -> None:
    ascending = sorted_by(leader_client, reverse("partners:relationship-list"), "Status").column("Status")
    descending = sorted_by(leader_client, reverse("partners:relationship-list"), "Status", times=2).column(
        "Status"
    )
    assert ascending == sorted(ascending)
    assert descending == list(reversed(ascending))
    assert ascending != descending


# --- Approaches -----------------------------------------------------------------------


def test_approaches_overdue_for_a_response(leader_client: Client, places: Any) -> None:
    today = timezone.localdate()
    make.ApproachFactory(place=places["xian"], respond_by=today - timedelta(days=1), outcome="pending")
    make.ApproachFactory(place=places["toyota"], respond_by=today + timedelta(days=3), outcome="pending")
    make.ApproachFactory(place=places["zhejiang"], respond_by=today - timedelta(days=9), outcome="declined")
    make.ApproachFactory(place=places["osnabrueck"], respond_by=None, outcome="pending")

    page = open_list(leader_client, reverse("partners:approach-list"), **{"Respond-by": "Overdue"})

    assert page.column("Place") == ["Xi'an 西安市"]
    assert page.column("Respond by")[0].endswith("(overdue)")
    soon = open_list(leader_client, reverse("partners:approach-list"), **{"Respond-by": "Due within 7 days"})
    assert soon.column("Place") == ["Toyota City 豊田市"]


def test_approach_search_matches_the_local_name(leader_client: Client, places: Any) -> None:
    make.ApproachFactory(place=places["xian"], request="Aerospace links")
    make.ApproachFactory(place=places["toyota"], request="Automotive links")
    page = open_list(leader_client, reverse("partners:approach-list"), Search="西安")
    assert page.column("Place") == ["Xi'an 西安市"]
    page = open_list(leader_client, reverse("partners:approach-list"), Search="AUTOMOTIVE")
    assert page.column("Place") == ["Toyota City 豊田市"]


def test_approaches_filtered_by_outcome(leader_client: Client, places: Any) -> None:
    make.ApproachFactory(place=places["xian"], outcome="accepted")
    make.ApproachFactory(place=places["toyota"], outcome="pending")
    page = open_list(leader_client, reverse("partners:approach-list"), Outcome="Accepted")
    assert page.column("Place") == ["Xi'an 西安市"]


def test_approaches_sorted_by_date_received(leader_client: Client, places: Any) -> None:
    make.ApproachFactory(place=places["xian"], received_on=date(2015, 6, 1))
    make.ApproachFactory(place=places["toyota"], received_on=date(2014, 3, 2))
    make.ApproachFactory(place=places["zhejiang"], received_on=date(2015, 9, 9))
    oldest_first = sorted_by(leader_client, reverse("partners:approach-list"), "Received").column("Received")
    assert oldest_first == ["2 March 2014", "1 June 2015", "9 September 2015"]
    newest_first = sorted_by(leader_client, reverse("partners:approach-list"), "Received", times=2).column(
        "Received"
    )
    assert newest_first == list(reversed(oldest_first))


# --- Organisations and contacts -------------------------------------------------------


def test_organisations_filtered_by_kind_and_searched(leader_client: Client) -> None:
    make.OrganisationFactory(name="Rolls-Royce", kind="company")
    make.OrganisationFactory(name="British Consulate-General Shanghai", kind="government", country="China")
    make.OrganisationFactory(name="UKTI", kind="government", country="United Kingdom")
    page = open_list(leader_client, reverse("partners:organisation-list"), Kind="Government body")
    assert page.column("Organisation") == ["British Consulate-General Shanghai", "UKTI"]
    page = open_list(leader_client, reverse("partners:organisation-list"), Search="shanghai")
    assert page.column("Organisation") == ["British Consulate-General Shanghai"]


def test_organisations_sorted_by_name_descending(leader_client: Client) -> None:
    for name in ("CBBC", "Rolls-Royce", "Midlands Aerospace Alliance"):
        make.OrganisationFactory(name=name)
    names = sorted_by(leader_client, reverse("partners:organisation-list"), "Organisation", times=2).column(
        "Organisation"
    )
    assert names == ["Rolls-Royce", "Midlands Aerospace Alliance", "CBBC"]


def test_contacts_filtered_by_organisation_and_searched(leader_client: Client) -> None:
    fco = make.OrganisationFactory(name="FCO")
    make.ContactFactory(name="Ann Jones", job_title="Desk officer", organisation=fco)
    make.ContactFactory(
        name="Bo Chen", job_title="British Deputy Consul General", organisation=make.OrganisationFactory()
    )
    page = open_list(leader_client, reverse("partners:contact-list"), Organisation="FCO")
    assert page.column("Name") == ["Ann Jones"]
    page = open_list(leader_client, reverse("partners:contact-list"), Search="consul general")
    assert page.column("Name") == ["Bo Chen"]


# --- Actions and exchanges ------------------------------------------------------------


def test_actions_filtered_by_owner_status_and_overdue(leader_client: Client, officer: Any) -> None:
    other = make.UserFactory(username="sam", first_name="Sam", last_name="Singh", roles=[roles.OFFICER])
    today = timezone.localdate()
    make.ActionFactory(title="Brief the Leader", owner=officer, due_on=today - timedelta(days=2))
    make.ActionFactory(title="Book flights", owner=other, due_on=today - timedelta(days=2))
    make.ActionFactory(title="Send thanks", owner=officer, due_on=today + timedelta(days=5))
    make.ActionFactory(title="Old task", owner=officer, due_on=today - timedelta(days=30), status="done")

    mine = leader_client.get(reverse("partners:action-list"), {"owner": officer.pk})
    assert sorted(Page(mine).column("Action")) == ["Brief the Leader", "Old task", "Send thanks"]
    overdue = Page(leader_client.get(reverse("partners:action-list"), {"overdue": "true"}))
    assert sorted(overdue.column("Action")) == ["Book flights", "Brief the Leader"]
    done = open_list(leader_client, reverse("partners:action-list"), Status="Done")
    assert done.column("Action") == ["Old task"]


def test_action_owner_filter_names_people_as_the_list_does(leader_client: Client, officer: Any) -> None:
    make.ActionFactory(title="Brief the Leader", owner=officer)
    page = open_list(leader_client, reverse("partners:action-list"), Owner="Olivia Officer")
    assert page.column("Owner") == ["Olivia Officer"]


def test_actions_sorted_by_due_date(leader_client: Client) -> None:
    make.ActionFactory(title="Second", due_on=date(2016, 2, 1))
    make.ActionFactory(title="First", due_on=date(2016, 1, 1))
    make.ActionFactory(title="Third", due_on=date(2016, 3, 1))
    assert sorted_by(leader_client, reverse("partners:action-list"), "Due").column("Action") == [
        "First",
        "Second",
        "Third",
    ]
    assert sorted_by(leader_client, reverse("partners:action-list"), "Due", times=2).column("Action") == [
        "Third",
        "Second",
        "First",
    ]


def test_actions_open_first_soonest_due_first_undated_last(leader_client: Client) -> None:
    make.ActionFactory(title="Done, dated", status="done", due_on=date(2016, 1, 1))
    make.ActionFactory(title="Open, undated", status="open", due_on=None)
    make.ActionFactory(title="Cancelled, undated", status="cancelled", due_on=None)
    make.ActionFactory(title="In progress, due later", status="in_progress", due_on=date(2016, 3, 1))
    make.ActionFactory(title="Open, due soon", status="open", due_on=date(2016, 2, 1))
    assert Page(leader_client.get(reverse("partners:action-list"))).column("Action") == [
        "Open, due soon",
        "In progress, due later",
        "Open, undated",
        "Done, dated",
        "Cancelled, undated",
    ]


def test_an_action_moves_in_the_list_when_it_is_closed_or_given_a_date(leader_client: Client) -> None:
    first = make.ActionFactory(title="Call Osnabrück", status="open", due_on=date(2016, 1, 1))
    make.ActionFactory(title="Write to Toyota City", status="open", due_on=date(2016, 2, 1))
    later = make.ActionFactory(title="Thank Xi'an", status="open", due_on=None)
    first.status = "done"
    first.save()
    later.due_on = date(2015, 12, 1)
    later.save()
    assert Page(leader_client.get(reverse("partners:action-list"))).column("Action") == [
        "Thank Xi'an",
        "Write to Toyota City",
        "Call Osnabrück",
    ]


def test_exchanges_filtered_by_kind_searched_and_sorted(leader_client: Client, places: Any) -> None:
    toyota = make.RelationshipFactory(place=places["toyota"], kind="civic")
    xian = make.RelationshipFactory(place=places["xian"], kind="educational")
    make.ExchangeFactory(
        relationship=toyota, kind="secondment", title="Senior Policy Officer", starts_on=date(2014, 4, 1)
    )
    make.ExchangeFactory(
        relationship=xian, kind="educational", title="School exchange", starts_on=date(2016, 9, 1)
    )

    page = open_list(leader_client, reverse("partners:exchange-list"), Kind="Staff secondment")
    assert page.column("Title") == ["Senior Policy Officer"]
    page = open_list(leader_client, reverse("partners:exchange-list"), Search="toyota")
    assert page.column("Title") == ["Senior Policy Officer"]
    assert sorted_by(leader_client, reverse("partners:exchange-list"), "Dates").column("Title") == [
        "Senior Policy Officer",
        "School exchange",
    ]
    assert sorted_by(leader_client, reverse("partners:exchange-list"), "Dates", times=2).column("Title") == [
        "School exchange",
        "Senior Policy Officer",
    ]


# --- Nonsense in the address bar ------------------------------------------------------

NONSENSE = [
    "?status=bogus",
    "?kind=bogus&country=Atlantis",
    "?ordering=-bogus",
    "?owner=999999&overdue=maybe",
    "?organisation=abc",
    "?sector=abc",
    "?respond_by_due=someday",
    "?q=" + "x" * 500,
    "?q=%00",
    "?page=999",
    "?page=abc",
]


@pytest.mark.parametrize(
    "name", ["place", "relationship", "approach", "organisation", "contact", "action", "exchange"]
)
@pytest.mark.parametrize("query", NONSENSE)
def test_lists_never_fail_on_nonsense_in_the_address(leader_client: Client, name: str, query: str) -> None:
    make.PlaceFactory()
    response = leader_client.get(reverse(f"partners:{name}-list") + query)
    # A page that does not exist is not found; any other nonsense is ignored or refused beside its filter.
    expected = 404 if query.startswith("?page=") else 200
    assert response.status_code == expected, f"{name} list{query}: {response.status_code}"


def test_places_without_a_population_sort_last_both_ways(leader_client: Client) -> None:
    make.PlaceFactory(name="Unknown size", population=None)
    make.PlaceFactory(name="Small", population=1_000)
    make.PlaceFactory(name="Large", population=9_000_000)
    ascending = sorted_by(leader_client, reverse("partners:place-list"), "Population").column("Place")
    descending = sorted_by(leader_client, reverse("partners:place-list"), "Population", times=2).column(
        "Place"
    )
    assert ascending == ["Small", "Large", "Unknown size"]
    assert descending == ["Large", "Small", "Unknown size"]
