"""Relationship health and evidence: the facts for keeping, reviving or ending a link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from overview.evidence import evidence_for, overview
from tests import factories as make
from tests.support.pages import Page
from tests.support.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def toyota(today):
    link = make.RelationshipFactory(
        place=make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan"),
        kind="civic",
        status="active",
        rag="green",
        next_review_on=today - timedelta(days=3),
    )
    visit = make.VisitFactory(
        relationship=link,
        title="Civic visit to Toyota City",
        starts_on=today - timedelta(days=40),
        status="completed",
        outcomes="Agreed a schools exchange for 2027.",
    )
    make.VisitFactory(
        relationship=link, title="Long ago", starts_on=today - timedelta(days=500), status="completed"
    )
    make.VisitFactory(
        relationship=link, title="Called off", starts_on=today - timedelta(days=20), status="cancelled"
    )
    make.MeetingFactory(
        visit=visit,
        organisation=make.OrganisationFactory(name="Toyota Motor Corporation"),
        held_on=today - timedelta(days=39),
        outcome="Support for apprenticeships.",
    )
    make.ExchangeFactory(
        relationship=link, title="Senior Policy Officer secondment", starts_on=today - timedelta(days=100)
    )
    line = make.BudgetLineFactory(
        relationship=link, title="Toyota City visit", amount=Decimal("5000.00"), approved=True
    )
    make.SpendFactory(
        budget_line=line, amount=Decimal("1200.00"), status="paid", spent_on=today - timedelta(days=45)
    )
    make.SpendFactory(
        budget_line=line, amount=Decimal("300.00"), status="estimated", spent_on=today - timedelta(days=10)
    )
    # Committed over the line by an officer: counted as estimated until Finance decides.
    make.SpendFactory(
        budget_line=line,
        description="Gifts over the line",
        amount=Decimal("500.00"),
        status="committed",
        override_state="requested",
        override_reason="Civic gifts for the anniversary.",
        spent_on=today - timedelta(days=5),
    )
    return link


def test_the_overview_gives_each_relationships_last_year(toyota, today):
    quiet = make.RelationshipFactory(place=make.PlaceFactory(name="Osnabrück"), rag="red")

    rows = overview()

    assert [row.relationship for row in rows] == [quiet, toyota], "red first"
    health = rows[1]
    assert (health.visits, health.meetings, health.exchanges) == (1, 1, 1)
    assert health.spend == Decimal("1200.00"), "estimates, and spend awaiting Finance, are not spend"
    assert health.last_contact == today - timedelta(days=39)
    assert health.review_overdue
    assert rows[0].quiet and not health.quiet


def test_a_later_approach_or_its_answer_counts_as_contact(toyota, today):
    make.ApproachFactory(
        place=toyota.place,
        relationship=toyota,
        received_on=today - timedelta(days=30),
        responded_on=today - timedelta(days=2),
        response="We would welcome it.",
    )

    (row,) = [row for row in overview() if row.relationship == toyota]

    assert row.last_contact == today - timedelta(days=2)


def test_the_evidence_page_lists_outcomes_and_the_years_activity(leader_client, toyota):
    page = Page(leader_client.get(reverse("overview:relationship-health", args=[toyota.pk])))

    assert "Health of the Toyota City – civic relationship" in page.text
    outcomes = page.section("Outcomes recorded").text
    assert "Agreed a schools exchange for 2027." in outcomes
    assert "Support for apprenticeships." in outcomes
    assert "Civic visit to Toyota City" in page.section("Visits").text
    assert "Long ago" not in page.text and "Called off" not in page.text
    assert "£1,200" in page.section("Spend").text
    assert "Gifts over the line" not in page.section("Spend").text
    assert "(overdue)" in page.text


def test_the_overview_page_links_each_relationship_to_its_evidence(officer_client, toyota):
    page = Page(officer_client.get(reverse("overview:relationship-health-list")))

    assert page.column("Relationship") == ["Toyota City – civic"]
    assert page.column("Visits") == ["1"]
    assert page.column("Spend") == ["£1,200"]
    assert (
        reverse("overview:relationship-health", args=[toyota.pk])
        in officer_client.get(reverse("overview:relationship-health-list")).content.decode()
    )


def test_ended_relationships_only_on_request(officer_client, toyota):
    make.RelationshipFactory(place=make.PlaceFactory(name="Bruges"), status="ended")

    assert "Bruges" not in Page(officer_client.get(reverse("overview:relationship-health-list"))).text
    assert (
        "Bruges"
        in Page(officer_client.get(reverse("overview:relationship-health-list"), {"ended": "1"})).text
    )


def test_the_evidence_of_one_relationship_ignores_the_others(toyota, today):
    other = make.RelationshipFactory(place=make.PlaceFactory(name="Hefei"))
    make.VisitFactory(relationship=other, starts_on=today - timedelta(days=5), status="completed")

    evidence = evidence_for(toyota)

    assert [visit.title for visit in evidence.visits] == ["Civic visit to Toyota City"]
    assert evidence.health.visits == 1


def test_the_overview_costs_the_same_queries_with_more_relationships(officer_client, toyota, today):
    def add(extra: int) -> None:
        for number in range(extra):
            link = make.RelationshipFactory(place=make.PlaceFactory(name=f"Town {extra}-{number}"))
            make.VisitFactory(relationship=link, starts_on=today - timedelta(days=10), status="completed")

    add(2)
    assert_queries_do_not_grow(officer_client, reverse("overview:relationship-health-list"), lambda: add(15))
