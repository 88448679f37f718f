"""The register's lists: filters, the search box, pages and sorting.

Each test uses the list as a person does: picks a filter's choice by its
visible text, types in the search box, follows a column header or the
"Next" link, and reads the rows of the table.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import roles
from partners.models import Place
from tests.factories import (
    ActionFactory,
    ApproachFactory,
    ContactFactory,
    ExchangeFactory,
    OrganisationFactory,
    PlaceFactory,
    RelationshipFactory,
    SectorFactory,
    UserFactory,
)
from tests.partners.test_html import Page


def open_list(client: Client, name: str, **chosen: str) -> Page:
    """The list, filtered by choosing each filter's option by its visible text
    (or typing it, for a text box), as the filter form would send it."""
    url = reverse(f"partners:{name}-list")
    params: dict[str, str] = {}
    if chosen:
        form = Page(client.get(url))
        for label, text in chosen.items():
            control = form.control(label)
            if control.tag == "select":
                values = [o.attrs.get("value", "") for o in control.find_all("option") if o.text == text]
                assert values, f"The {label!r} filter offers no {text!r}: {form.options(label)}"
                params[control.attrs["name"]] = values[0]
            else:
                params[control.attrs["name"]] = text
    response = client.get(url + ("?" + urlencode(params) if params else ""))
    assert response.status_code == 200
    return Page(response)


def sort_by(client: Client, name: str, header: str, times: int = 1) -> Page:
    """Clicks a column header ``times`` times (once ascending, twice descending)."""
    url = reverse(f"partners:{name}-list")
    page = Page(client.get(url))
    for _ in range(times):
        links = [
            a
            for th in page.root.find_all("th")
            for a in th.find_all("a")
            if a.text.split(" (")[0].rstrip(" ▲▼") == header
        ]
        assert links, f"No sortable column {header!r}"
        page = Page(client.get(url + links[0].attrs["href"]))
    return page


# --- Places --------------------------------------------------------------------------


@pytest.fixture
def places(db: Any) -> dict[str, Place]:
    aerospace = SectorFactory(name="Aerospace")
    rail = SectorFactory(name="Rail")
    xian = PlaceFactory(name="Xi'an", local_name="西安市", country="China", kind="city", population=8_467_800)
    xian.sectors.add(aerospace)
    zhejiang = PlaceFactory(name="Zhejiang", local_name="浙江省", country="China", kind="province")
    zhejiang.sectors.add(rail)
    toyota = PlaceFactory(
        name="Toyota City", local_name="豊田市", country="Japan", kind="city", population=422_000
    )
    osnabrueck = PlaceFactory(name="Osnabrück", local_name="Osnabrück", country="Germany", population=165_000)
    return {"xian": xian, "zhejiang": zhejiang, "toyota": toyota, "osnabrueck": osnabrueck}


def test_places_filtered_by_country(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, "place", Country="China")
    assert sorted(page.column("Place")) == ["Xi'an", "Zhejiang"]


def test_places_filtered_by_kind(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, "place", Kind="Province")
    assert page.column("Place") == ["Zhejiang"]


def test_places_filtered_by_sector(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, "place", Sector="Aerospace")
    assert page.column("Place") == ["Xi'an"]
    assert page.column("Sectors") == ["Aerospace"]


@pytest.mark.parametrize(
    ("typed", "found"),
    [("西安", ["Xi'an"]), ("豊田", ["Toyota City"]), ("XI'AN", ["Xi'an"]), ("osnabrück", ["Osnabrück"])],
)
def test_place_search_matches_english_and_local_names_in_any_case(
    leader_client: Client, places: Any, typed: str, found: list[str]
) -> None:
    page = open_list(leader_client, "place", Search=typed)
    assert page.column("Place") == found


def test_place_search_that_matches_nothing_says_so(leader_client: Client, places: Any) -> None:
    page = open_list(leader_client, "place", Search="Hefei")
    assert "No places match." in page.text


def test_places_sorted_by_a_column_header(leader_client: Client, places: Any) -> None:
    default = open_list(leader_client, "place").column("Place")
    assert default == ["Osnabrück", "Toyota City", "Xi'an", "Zhejiang"]

    # Zhejiang's population is not recorded; where blanks sort depends on the database.
    by_population = sort_by(leader_client, "place", "Population").column("Place")
    assert [p for p in by_population if p != "Zhejiang"] == ["Osnabrück", "Toyota City", "Xi'an"]
    largest_first = sort_by(leader_client, "place", "Population", times=2).column("Place")
    assert [p for p in largest_first if p != "Zhejiang"] == ["Xi'an", "Toyota City", "Osnabrück"]
    by_name_descending = sort_by(leader_client, "place", "Place", times=2).column("Place")
    assert by_name_descending == list(reversed(default))


def test_places_are_paged(leader_client: Client) -> None:
    size = settings.PAGE_SIZE
    Place.objects.bulk_create(Place(name=f"Town {i:03d}", country="China") for i in range(size + 5))

    first = open_list(leader_client, "place")
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
    first = open_list(leader_client, "place", Country="Japan")
    second = Page(leader_client.get(reverse("partners:place-list") + first.link("Next page")))
    assert len(second.column("Place")) == 5
    assert set(second.column("Country")) == {"Japan"}


# --- Relationships --------------------------------------------------------------------


@pytest.fixture
def relationships(places: dict[str, Place]) -> dict[str, Any]:
    return {
        "xian": RelationshipFactory(place=places["xian"], kind="economic", status="exploring"),
        "toyota": RelationshipFactory(place=places["toyota"], kind="economic", status="active"),
        "osnabrueck": RelationshipFactory(place=places["osnabrueck"], kind="civic", status="active"),
        "zhejiang": RelationshipFactory(place=places["zhejiang"], kind="educational", status="dormant"),
    }


def test_relationships_filtered_by_status(leader_client: Client, relationships: Any) -> None:
    page = open_list(leader_client, "relationship", Status="Active")
    osnabrueck, toyota = page.column("Place")
    assert osnabrueck.startswith("Osnabrück")  # its local name is the same
    assert toyota == "Toyota City 豊田市"


def test_relationships_filtered_by_kind_and_country(leader_client: Client, relationships: Any) -> None:
    page = open_list(leader_client, "relationship", **{"Kind": "Economic", "Country": "China"})
    assert page.column("Place") == ["Xi'an 西安市"]


def test_relationship_search_matches_the_local_name(leader_client: Client, relationships: Any) -> None:
    page = open_list(leader_client, "relationship", Search="浙江")
    assert page.column("Place") == ["Zhejiang 浙江省"]


def test_relationships_sorted_by_status(leader_client: Client, relationships: Any) -> None:
    ascending = sort_by(leader_client, "relationship", "Status").column("Status")
    descending = sort_by(leader_client, "relationship", "Status", times=2).column("Status")
    assert ascending == sorted(ascending)
    assert descending == list(reversed(ascending))
    assert ascending != descending


# --- Approaches -----------------------------------------------------------------------


def test_approaches_overdue_for_a_response(leader_client: Client, places: Any) -> None:
    today = timezone.localdate()
    ApproachFactory(place=places["xian"], respond_by=today - timedelta(days=1), outcome="pending")
    ApproachFactory(place=places["toyota"], respond_by=today + timedelta(days=3), outcome="pending")
    ApproachFactory(place=places["zhejiang"], respond_by=today - timedelta(days=9), outcome="declined")
    ApproachFactory(place=places["osnabrueck"], respond_by=None, outcome="pending")

    page = open_list(leader_client, "approach", **{"Respond-by": "Overdue"})

    assert page.column("Place") == ["Xi'an 西安市"]
    assert page.column("Respond by")[0].endswith("(overdue)")
    soon = open_list(leader_client, "approach", **{"Respond-by": "Due within 7 days"})
    assert soon.column("Place") == ["Toyota City 豊田市"]


def test_approach_search_matches_the_local_name(leader_client: Client, places: Any) -> None:
    ApproachFactory(place=places["xian"], request="Aerospace links")
    ApproachFactory(place=places["toyota"], request="Automotive links")
    page = open_list(leader_client, "approach", Search="西安")
    assert page.column("Place") == ["Xi'an 西安市"]
    page = open_list(leader_client, "approach", Search="AUTOMOTIVE")
    assert page.column("Place") == ["Toyota City 豊田市"]


def test_approaches_filtered_by_outcome(leader_client: Client, places: Any) -> None:
    ApproachFactory(place=places["xian"], outcome="accepted")
    ApproachFactory(place=places["toyota"], outcome="pending")
    page = open_list(leader_client, "approach", Outcome="Accepted")
    assert page.column("Place") == ["Xi'an 西安市"]


def test_approaches_sorted_by_date_received(leader_client: Client, places: Any) -> None:
    ApproachFactory(place=places["xian"], received_on=date(2015, 6, 1))
    ApproachFactory(place=places["toyota"], received_on=date(2014, 3, 2))
    ApproachFactory(place=places["zhejiang"], received_on=date(2015, 9, 9))
    oldest_first = sort_by(leader_client, "approach", "Received").column("Received")
    assert oldest_first == ["2 March 2014", "1 June 2015", "9 September 2015"]
    newest_first = sort_by(leader_client, "approach", "Received", times=2).column("Received")
    assert newest_first == list(reversed(oldest_first))


# --- Organisations and contacts -------------------------------------------------------


def test_organisations_filtered_by_kind_and_searched(leader_client: Client) -> None:
    OrganisationFactory(name="Rolls-Royce", kind="company")
    OrganisationFactory(name="British Consulate-General Shanghai", kind="government", country="China")
    OrganisationFactory(name="UKTI", kind="government", country="United Kingdom")
    page = open_list(leader_client, "organisation", Kind="Government body")
    assert page.column("Organisation") == ["British Consulate-General Shanghai", "UKTI"]
    page = open_list(leader_client, "organisation", Search="shanghai")
    assert page.column("Organisation") == ["British Consulate-General Shanghai"]


def test_organisations_sorted_by_name_descending(leader_client: Client) -> None:
    for name in ("CBBC", "Rolls-Royce", "Midlands Aerospace Alliance"):
        OrganisationFactory(name=name)
    names = sort_by(leader_client, "organisation", "Organisation", times=2).column("Organisation")
    assert names == ["Rolls-Royce", "Midlands Aerospace Alliance", "CBBC"]


def test_contacts_filtered_by_organisation_and_searched(leader_client: Client) -> None:
    fco = OrganisationFactory(name="FCO")
    ContactFactory(name="Ann Jones", job_title="Desk officer", organisation=fco)
    ContactFactory(
        name="Bo Chen", job_title="British Deputy Consul General", organisation=OrganisationFactory()
    )
    page = open_list(leader_client, "contact", Organisation="FCO")
    assert page.column("Name") == ["Ann Jones"]
    page = open_list(leader_client, "contact", Search="consul general")
    assert page.column("Name") == ["Bo Chen"]


# --- Actions and exchanges ------------------------------------------------------------


def test_actions_filtered_by_owner_status_and_overdue(leader_client: Client, officer: Any) -> None:
    other = UserFactory(username="sam", first_name="Sam", last_name="Singh", roles=[roles.OFFICER])
    today = timezone.localdate()
    ActionFactory(title="Brief the Leader", owner=officer, due_on=today - timedelta(days=2))
    ActionFactory(title="Book flights", owner=other, due_on=today - timedelta(days=2))
    ActionFactory(title="Send thanks", owner=officer, due_on=today + timedelta(days=5))
    ActionFactory(title="Old task", owner=officer, due_on=today - timedelta(days=30), status="done")

    mine = leader_client.get(reverse("partners:action-list"), {"owner": officer.pk})
    assert sorted(Page(mine).column("Action")) == ["Brief the Leader", "Old task", "Send thanks"]
    overdue = Page(leader_client.get(reverse("partners:action-list"), {"overdue": "true"}))
    assert sorted(overdue.column("Action")) == ["Book flights", "Brief the Leader"]
    done = open_list(leader_client, "action", Status="Done")
    assert done.column("Action") == ["Old task"]


def test_action_owner_filter_names_people_as_the_list_does(leader_client: Client, officer: Any) -> None:
    ActionFactory(title="Brief the Leader", owner=officer)
    page = open_list(leader_client, "action", Owner="Olivia Officer")
    assert page.column("Owner") == ["Olivia Officer"]


def test_actions_sorted_by_due_date(leader_client: Client) -> None:
    ActionFactory(title="Second", due_on=date(2016, 2, 1))
    ActionFactory(title="First", due_on=date(2016, 1, 1))
    ActionFactory(title="Third", due_on=date(2016, 3, 1))
    assert sort_by(leader_client, "action", "Due").column("Action") == ["First", "Second", "Third"]
    assert sort_by(leader_client, "action", "Due", times=2).column("Action") == ["Third", "Second", "First"]


def test_exchanges_filtered_by_kind_searched_and_sorted(leader_client: Client, places: Any) -> None:
    toyota = RelationshipFactory(place=places["toyota"], kind="civic")
    xian = RelationshipFactory(place=places["xian"], kind="educational")
    ExchangeFactory(
        relationship=toyota, kind="secondment", title="Senior Policy Officer", starts_on=date(2014, 4, 1)
    )
    ExchangeFactory(
        relationship=xian, kind="educational", title="School exchange", starts_on=date(2016, 9, 1)
    )

    page = open_list(leader_client, "exchange", Kind="Staff secondment")
    assert page.column("Title") == ["Senior Policy Officer"]
    page = open_list(leader_client, "exchange", Search="toyota")
    assert page.column("Title") == ["Senior Policy Officer"]
    assert sort_by(leader_client, "exchange", "Dates").column("Title") == [
        "Senior Policy Officer",
        "School exchange",
    ]
    assert sort_by(leader_client, "exchange", "Dates", times=2).column("Title") == [
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
    PlaceFactory()
    response = leader_client.get(reverse(f"partners:{name}-list") + query)
    assert response.status_code in (200, 404), f"{name} list{query}: {response.status_code}"


def test_places_without_a_population_sort_last_both_ways(leader_client: Client) -> None:
    PlaceFactory(name="Unknown size", population=None)
    PlaceFactory(name="Small", population=1_000)
    PlaceFactory(name="Large", population=9_000_000)
    ascending = sort_by(leader_client, "place", "Population").column("Place")
    descending = sort_by(leader_client, "place", "Population", times=2).column("Place")
    assert ascending == ["Small", "Large", "Unknown size"]
    assert descending == ["Large", "Small", "Unknown size"]
