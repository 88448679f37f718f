"""The partner discovery page: places ranked against the home council's economy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CouncilFactory,
    OrganisationFactory,
    PlaceFactory,
    RelationshipFactory,
    SectorFactory,
    StakeholderFactory,
)
from tests.partners.test_html import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def derby():
    home = CouncilFactory(name="Derby City Council", is_home=True)
    home.sectors.set([SectorFactory(name=name) for name in ("Aerospace", "Rail", "Automotive")])
    return home


def sector(name):
    return SectorFactory(name=name)


def test_places_are_ranked_with_their_shared_sectors_and_business_links(leader_client, derby):
    xian = PlaceFactory(name="Xi'an", local_name="西安市")
    xian.sectors.set([sector("Aerospace")])
    rolls = OrganisationFactory(name="Rolls-Royce", kind="company")
    rolls.sectors.set([sector("Aerospace")])
    StakeholderFactory(relationship=RelationshipFactory(place=xian), organisation=rolls, role="Joint venture")
    toyota = PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    toyota.sectors.set([sector("Automotive"), sector("Rail")])
    PlaceFactory(name="Bruges", local_name="Brugge", country="Belgium").sectors.set([sector("Tourism")])

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
    CouncilFactory(name="Derby City Council", is_home=True)

    body = Page(officer_client.get(reverse("overview:discovery"))).text

    assert "Derby City Council has no sectors recorded" in body
    assert "Django admin, under Councils" in body


def test_the_page_costs_the_same_queries_with_more_places(officer_client, derby):
    aerospace = derby.sectors.get(name="Aerospace")
    officer_client.get(reverse("overview:discovery"))

    def count(places: int) -> int:
        for number in range(places):
            PlaceFactory(name=f"Town {places}-{number}").sectors.add(aerospace)
        with CaptureQueriesContext(connection) as captured:
            assert officer_client.get(reverse("overview:discovery")).status_code == 200
        return len(captured)

    assert count(2) == count(20)
