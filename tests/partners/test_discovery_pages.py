"""The partner discovery page: places ranked against the home council's economy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as make
from tests.support.pages import Page
from tests.support.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def derby():
    home = make.CouncilFactory(name="Derby City Council", is_home=True)
    home.sectors.set([make.SectorFactory(name=name) for name in ("Aerospace", "Rail", "Automotive")])
    return home


def sector(name):
    return make.SectorFactory(name=name)


def test_places_are_ranked_with_their_shared_sectors_and_business_links(leader_client, derby):
    xian = make.PlaceFactory(name="Xi'an", local_name="西安市")
    xian.sectors.set([sector("Aerospace")])
    rolls = make.OrganisationFactory(name="Rolls-Royce", kind="company")
    rolls.sectors.set([sector("Aerospace")])
    make.StakeholderFactory(
        relationship=make.RelationshipFactory(place=xian), organisation=rolls, role="Joint venture"
    )
    toyota = make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    toyota.sectors.set([sector("Automotive"), sector("Rail")])
    make.PlaceFactory(name="Bruges", local_name="Brugge", country="Belgium").sectors.set([sector("Tourism")])

    page = Page(leader_client.get(reverse("overview:discovery")))

    assert "Aerospace, Automotive, Rail" in page.text
    assert page.column("Place")[:2] == ["Toyota City (豊田市) Japan", "Xi'an (西安市) China"]
    assert page.column("Match") == ["2 of 3 (67%)", "1 of 3 (33%)"]
    assert page.column("Business links")[1] == "Rolls-Royce (aerospace): Joint venture"
    assert page.column("In the register") == ["Candidate", "Yes"]
    assert "Bruges" not in page.text

    every = Page(leader_client.get(reverse("overview:discovery"), {"all": "1"}))
    assert every.column("Place")[-1] == "Bruges (Brugge) Belgium"


def test_without_a_sector_profile_the_page_says_who_sets_it(officer_client, db):
    make.CouncilFactory(name="Derby City Council", is_home=True)

    body = Page(officer_client.get(reverse("overview:discovery"))).text

    assert "Derby City Council has no sectors recorded" in body
    assert "Django admin, under Councils" in body


def test_the_page_costs_the_same_queries_with_more_places(officer_client, derby):
    aerospace = derby.sectors.get(name="Aerospace")

    def add(places: int) -> None:
        for number in range(places):
            make.PlaceFactory(name=f"Town {places}-{number}").sectors.add(aerospace)

    add(2)
    assert_queries_do_not_grow(officer_client, reverse("overview:discovery"), lambda: add(20))
