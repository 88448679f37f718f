"""Every page makes as many SQL queries with 200+ rows as with a handful.

Each page is counted (tests/support/queries.py) with a few rows around the
record it shows, then again after 220 more of every kind have been added (in
bulk, so the suite stays fast). The two counts must be equal, and below a
bound, so a lazy load per row (an N+1) fails here whichever table it hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from partners import models as partners
from tests import factories as make
from tests.support.queries import assert_queries_do_not_grow
from tests.support.register import client_for
from tests.support.urls import url_for

FEW = 3
MANY = 220


@dataclass
class Subject:
    """The records whose pages are measured, and a counter for unique names."""

    user: Any
    place: partners.Place
    relationship: partners.Relationship
    organisation: partners.Organisation
    contact: partners.Contact
    approach: partners.Approach
    action: partners.Action
    exchange: partners.Exchange
    council: partners.Council
    sector: partners.Sector
    added: int = 0


@pytest.fixture
def subject(officer: Any) -> Subject:
    council = make.CouncilFactory(name="Derby City Council", is_home=True)
    sector = make.SectorFactory(name="Aerospace")
    place = make.PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    place.sectors.add(sector)
    relationship = make.RelationshipFactory(
        place=place, kind=partners.RelationshipKind.ECONOMIC, lead_officer=officer
    )
    relationship.councils.add(council)
    organisation = make.OrganisationFactory(name="Xian Aerospace")
    contact = make.ContactFactory(organisation=organisation)
    approach = make.ApproachFactory(
        place=place, relationship=relationship, via_organisation=organisation, via_contact=contact
    )
    action = partners.Action.objects.create(title="Discuss options", relationship=relationship, owner=officer)
    exchange = partners.Exchange.objects.create(
        relationship=relationship, kind=partners.ExchangeKind.SECONDMENT, title="Placement"
    )
    return Subject(
        officer, place, relationship, organisation, contact, approach, action, exchange, council, sector
    )


def add_rows(s: Subject, n: int) -> None:
    """Adds ``n`` rows of every kind, hung around the subject's records."""
    start, s.added = s.added, s.added + n
    numbers = range(start, start + n)
    today = date.today()

    # Lists: places, each with a relationship, a sector and a council.
    places = partners.Place.objects.bulk_create(
        partners.Place(name=f"Town {i:04d}", local_name=f"市{i}", country=("China", "Japan")[i % 2])
        for i in numbers
    )
    partners.Place.sectors.through.objects.bulk_create(
        partners.Place.sectors.through(place=p, sector=s.sector) for p in places
    )
    others = partners.Relationship.objects.bulk_create(
        partners.Relationship(
            place=p,
            kind=partners.RelationshipKind.CIVIC,
            status=partners.RelationshipStatus.ACTIVE,
            lead_officer=s.user,
        )
        for p in places
    )
    # The subject place: ended relationships of its kind, each with everything.
    ended = partners.Relationship.objects.bulk_create(
        partners.Relationship(
            place=s.place, kind=partners.RelationshipKind.ECONOMIC, status=partners.RelationshipStatus.ENDED
        )
        for _ in numbers
    )
    partners.Relationship.councils.through.objects.bulk_create(
        partners.Relationship.councils.through(relationship=r, council=s.council) for r in [*others, *ended]
    )
    organisations = partners.Organisation.objects.bulk_create(
        partners.Organisation(
            name=f"Company {i:04d}", kind=partners.OrganisationKind.COMPANY, country="China"
        )
        for i in numbers
    )
    contacts = partners.Contact.objects.bulk_create(
        partners.Contact(name=f"Person {i:04d}", job_title="Director", organisation=s.organisation)
        for i in numbers
    )
    partners.Stakeholder.objects.bulk_create(
        [
            *(
                partners.Stakeholder(relationship=r, organisation=s.organisation, role="Partner")
                for r in ended
            ),
            *(
                partners.Stakeholder(relationship=s.relationship, organisation=o, role="Supplier")
                for o in organisations
            ),
        ]
    )
    partners.RelationshipStatusChange.objects.bulk_create(
        [
            *(
                partners.RelationshipStatusChange(relationship=r, to_status=r.status, changed_by=s.user)
                for r in others
            ),
            *(
                partners.RelationshipStatusChange(relationship=r, to_status="ended", changed_by=s.user)
                for r in ended
            ),
            *(
                partners.RelationshipStatusChange(
                    relationship=s.relationship, from_status="active", to_status="active", changed_by=s.user
                )
                for _ in numbers
            ),
        ]
    )
    partners.Approach.objects.bulk_create(
        partners.Approach(
            place=s.place,
            relationship=s.relationship,
            received_on=today - timedelta(days=40 + i % 30),
            respond_by=today - timedelta(days=i % 20),
            via_organisation=s.organisation,
            via_contact=contacts[k],
            request=f"Request {i}",
        )
        for k, i in enumerate(numbers)
    )
    partners.Action.objects.bulk_create(
        partners.Action(
            title=f"Action {i:04d}",
            relationship=(s.relationship, ended[k])[i % 2],
            owner=s.user,
            due_on=today - timedelta(days=i % 10),
            status=partners.ActionStatus.OPEN,
        )
        for k, i in enumerate(numbers)
    )
    partners.Exchange.objects.bulk_create(
        partners.Exchange(
            relationship=(s.relationship, ended[k])[i % 2],
            kind=partners.ExchangeKind.EDUCATIONAL,
            title=f"Exchange {i:04d}",
            starts_on=today,
        )
        for k, i in enumerate(numbers)
    )


# id: the page's URL name (its record is the subject's of the kind it names) and query string.
PAGES: dict[str, str] = {
    "dashboard": "overview:dashboard",
    "place list": "partners:place-list",
    "place list, page 2, sorted": "partners:place-list?ordering=-population&page=2",
    "place list, filtered": "partners:place-list?q=town&country=China&sector={sector}",
    "relationship list": "partners:relationship-list",
    "relationship list, filtered": "partners:relationship-list?status=active&ordering=-place",
    "approach list": "partners:approach-list",
    "approach list, overdue": "partners:approach-list?respond_by_due=overdue",
    "organisation list": "partners:organisation-list",
    "contact list": "partners:contact-list",
    "action list": "partners:action-list",
    "action list, overdue": "partners:action-list?overdue=true&ordering=place",
    "exchange list": "partners:exchange-list",
    "place detail": "partners:place-detail",
    "relationship detail": "partners:relationship-detail",
    "approach detail": "partners:approach-detail",
    "organisation detail": "partners:organisation-detail",
    "contact detail": "partners:contact-detail",
    "action detail": "partners:action-detail",
    "exchange detail": "partners:exchange-detail",
    # Forms whose choices list the register.
    "approach form": "partners:approach-create",
    "approach edit form": "partners:approach-update",
    "relationship form": "partners:relationship-create",
    "relationship edit form": "partners:relationship-update",
    "contact form": "partners:contact-create",
    "action form": "partners:action-create",
    "exchange form": "partners:exchange-create",
    "place form": "partners:place-create",
}

# A page that needs more than this is doing too much, whatever the rows.
MAX_QUERIES = 25


@pytest.mark.parametrize("page", list(PAGES), ids=list(PAGES))
def test_query_count_does_not_grow_with_rows(officer_client: Client, subject: Subject, page: str) -> None:
    name, _, query = PAGES[page].partition("?")
    url = url_for(name, vars(subject)) + ("?" + query.format(sector=subject.sector.pk) if query else "")
    # A second page needs more than a page of rows to exist at all.
    add_rows(subject, FEW if "page=" not in query else settings.PAGE_SIZE + FEW)
    assert_queries_do_not_grow(officer_client, url, lambda: add_rows(subject, MANY), at_most=MAX_QUERIES)


def test_the_pages_really_hold_the_rows(officer_client: Client, subject: Subject) -> None:
    """The counts above are only worth something if the rows are on the pages."""
    add_rows(subject, MANY)
    place = officer_client.get(reverse("partners:place-detail", args=[subject.place.pk])).content.decode()
    assert place.count("Request ") >= MANY
    assert place.count("Person ") >= MANY
    assert place.count("Exchange ") >= MANY / 2
    relationship = officer_client.get(subject.relationship.get_absolute_url()).content.decode()
    assert relationship.count("Company ") >= MANY
    organisation = officer_client.get(subject.organisation.get_absolute_url()).content.decode()
    assert organisation.count("Person ") >= MANY
    contacts = officer_client.get(reverse("partners:contact-list")).content.decode()
    assert "Showing 1–25 of" in contacts


@pytest.mark.parametrize("persona", ["finance", "leader", "outsider"])
def test_the_dashboard_for_each_role_does_not_grow(
    persona: str, subject: Subject, personas: dict[str, Any]
) -> None:
    add_rows(subject, FEW)
    assert_queries_do_not_grow(
        client_for(personas[persona]), reverse("overview:dashboard"), lambda: add_rows(subject, MANY)
    )


@pytest.mark.parametrize("name", ["place", "relationship"])
def test_history_page_query_count_does_not_grow(officer_client: Client, subject: Subject, name: str) -> None:
    """A record saved 3 times, then 220 more: its History tab costs the same.

    With few saves the first (creation) entry names every related record; once
    it falls past the page limit there is less to name. Never more.
    """
    record = getattr(subject, name)
    other_council = make.CouncilFactory(name="Derbyshire County Council")

    def save_times(n: int) -> None:
        for i in range(n):
            record.refresh_from_db()
            record.notes = record.narrative = f"Revision {i}"
            if name == "relationship":
                record.lead_officer = subject.user if i % 2 else None
            record.save()
            if i % 3 == 0:
                m2m = record.councils if name == "relationship" else record.sectors
                target = other_council if name == "relationship" else make.SectorFactory(name=f"Sector {i}")
                m2m.add(target)

    save_times(FEW)
    assert_queries_do_not_grow(
        officer_client,
        reverse(f"partners:{name}-history", args=[record.pk]),
        lambda: save_times(MANY),
        at_most=MAX_QUERIES,
        fewer_allowed=True,
    )
