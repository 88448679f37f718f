"""Every page makes as many SQL queries with 200+ rows as with a handful.

Each page is asked for once with a few rows around the record it shows,
then again after 220 more of every kind have been added (in bulk, so the
suite stays fast). The two counts must be equal, and below a bound, so a
lazy load per row (an N+1) fails here whichever table it hits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import (
    Action,
    ActionStatus,
    Approach,
    Contact,
    Council,
    Exchange,
    ExchangeKind,
    Organisation,
    OrganisationKind,
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    RelationshipStatusChange,
    Sector,
    Stakeholder,
)
from tests.factories import (
    ApproachFactory,
    ContactFactory,
    CouncilFactory,
    OrganisationFactory,
    PlaceFactory,
    RelationshipFactory,
    SectorFactory,
)

FEW = 3
MANY = 220


@dataclass
class Subject:
    """The records whose pages are measured, and a counter for unique names."""

    user: Any
    place: Place
    relationship: Relationship
    organisation: Organisation
    contact: Contact
    approach: Approach
    action: Action
    exchange: Exchange
    council: Council
    sector: Sector
    added: int = 0


@pytest.fixture
def subject(officer: Any) -> Subject:
    council = CouncilFactory(name="Derby City Council", is_home=True)
    sector = SectorFactory(name="Aerospace")
    place = PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    place.sectors.add(sector)
    relationship = RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC, lead_officer=officer)
    relationship.councils.add(council)
    organisation = OrganisationFactory(name="Xian Aerospace")
    contact = ContactFactory(organisation=organisation)
    approach = ApproachFactory(
        place=place, relationship=relationship, via_organisation=organisation, via_contact=contact
    )
    action = Action.objects.create(title="Discuss options", relationship=relationship, owner=officer)
    exchange = Exchange.objects.create(
        relationship=relationship, kind=ExchangeKind.SECONDMENT, title="Placement"
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
    places = Place.objects.bulk_create(
        Place(name=f"Town {i:04d}", local_name=f"市{i}", country=("China", "Japan")[i % 2]) for i in numbers
    )
    Place.sectors.through.objects.bulk_create(Place.sectors.through(place=p, sector=s.sector) for p in places)
    others = Relationship.objects.bulk_create(
        Relationship(
            place=p, kind=RelationshipKind.CIVIC, status=RelationshipStatus.ACTIVE, lead_officer=s.user
        )
        for p in places
    )
    # The subject place: ended relationships of its kind, each with everything.
    ended = Relationship.objects.bulk_create(
        Relationship(place=s.place, kind=RelationshipKind.ECONOMIC, status=RelationshipStatus.ENDED)
        for _ in numbers
    )
    Relationship.councils.through.objects.bulk_create(
        Relationship.councils.through(relationship=r, council=s.council) for r in [*others, *ended]
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Company {i:04d}", kind=OrganisationKind.COMPANY, country="China") for i in numbers
    )
    contacts = Contact.objects.bulk_create(
        Contact(name=f"Person {i:04d}", job_title="Director", organisation=s.organisation) for i in numbers
    )
    Stakeholder.objects.bulk_create(
        [
            *(Stakeholder(relationship=r, organisation=s.organisation, role="Partner") for r in ended),
            *(
                Stakeholder(relationship=s.relationship, organisation=o, role="Supplier")
                for o in organisations
            ),
        ]
    )
    RelationshipStatusChange.objects.bulk_create(
        [
            *(
                RelationshipStatusChange(relationship=r, to_status=r.status, changed_by=s.user)
                for r in others
            ),
            *(RelationshipStatusChange(relationship=r, to_status="ended", changed_by=s.user) for r in ended),
            *(
                RelationshipStatusChange(
                    relationship=s.relationship, from_status="active", to_status="active", changed_by=s.user
                )
                for _ in numbers
            ),
        ]
    )
    Approach.objects.bulk_create(
        Approach(
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
    Action.objects.bulk_create(
        Action(
            title=f"Action {i:04d}",
            relationship=(s.relationship, ended[k])[i % 2],
            owner=s.user,
            due_on=today - timedelta(days=i % 10),
            status=ActionStatus.OPEN,
        )
        for k, i in enumerate(numbers)
    )
    Exchange.objects.bulk_create(
        Exchange(
            relationship=(s.relationship, ended[k])[i % 2],
            kind=ExchangeKind.EDUCATIONAL,
            title=f"Exchange {i:04d}",
            starts_on=today,
        )
        for k, i in enumerate(numbers)
    )


def _pk(attr: str) -> Callable[[Subject], list[int]]:
    return lambda s: [getattr(s, attr).pk]


PAGES: dict[str, tuple[str, Callable[[Subject], list[int]] | None, str]] = {
    # id: (url name, args, query string)
    "dashboard": ("overview:dashboard", None, ""),
    "place list": ("partners:place-list", None, ""),
    "place list, page 2, sorted": ("partners:place-list", None, "?ordering=-population&page=2"),
    "place list, filtered": ("partners:place-list", None, "?q=town&country=China&sector={sector}"),
    "relationship list": ("partners:relationship-list", None, ""),
    "relationship list, filtered": ("partners:relationship-list", None, "?status=active&ordering=-place"),
    "approach list": ("partners:approach-list", None, ""),
    "approach list, overdue": ("partners:approach-list", None, "?respond_by_due=overdue"),
    "organisation list": ("partners:organisation-list", None, ""),
    "contact list": ("partners:contact-list", None, ""),
    "action list": ("partners:action-list", None, ""),
    "action list, overdue": ("partners:action-list", None, "?overdue=true&ordering=place"),
    "exchange list": ("partners:exchange-list", None, ""),
    "place detail": ("partners:place-detail", _pk("place"), ""),
    "relationship detail": ("partners:relationship-detail", _pk("relationship"), ""),
    "approach detail": ("partners:approach-detail", _pk("approach"), ""),
    "organisation detail": ("partners:organisation-detail", _pk("organisation"), ""),
    "contact detail": ("partners:contact-detail", _pk("contact"), ""),
    "action detail": ("partners:action-detail", _pk("action"), ""),
    "exchange detail": ("partners:exchange-detail", _pk("exchange"), ""),
    # Forms whose choices list the register.
    "approach form": ("partners:approach-create", None, ""),
    "approach edit form": ("partners:approach-update", _pk("approach"), ""),
    "relationship form": ("partners:relationship-create", None, ""),
    "relationship edit form": ("partners:relationship-update", _pk("relationship"), ""),
    "contact form": ("partners:contact-create", None, ""),
    "action form": ("partners:action-create", None, ""),
    "exchange form": ("partners:exchange-create", None, ""),
    "place form": ("partners:place-create", None, ""),
}

# A page that needs more than this is doing too much, whatever the rows.
MAX_QUERIES = 25


def count_queries(client: Client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("page", list(PAGES), ids=list(PAGES))
def test_query_count_does_not_grow_with_rows(
    officer_client: Client, subject: Subject, django_assert_max_num_queries: Any, page: str
) -> None:
    name, args, query = PAGES[page]
    url = reverse(name, args=args(subject) if args else None) + query.format(sector=subject.sector.pk)
    # A second page needs more than a page of rows to exist at all.
    add_rows(subject, FEW if "page=" not in query else settings.PAGE_SIZE + FEW)
    officer_client.get(url)  # warm caches (content types, sessions) that are made once

    few, _ = count_queries(officer_client, url)
    add_rows(subject, MANY)
    many, sql = count_queries(officer_client, url)

    assert many == few, f"{url}: {few} queries with few rows, {many} with {MANY} more:\n" + "\n".join(sql)
    with django_assert_max_num_queries(MAX_QUERIES):
        officer_client.get(url)


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


def test_the_dashboard_for_each_role_does_not_grow(
    finance_client: Client, leader_client: Client, outsider_client: Client, subject: Subject
) -> None:
    url = reverse("overview:dashboard")
    clients = {"finance": finance_client, "leader": leader_client, "outsider": outsider_client}
    add_rows(subject, FEW)
    for client in clients.values():
        client.get(url)
    few = {role: count_queries(client, url)[0] for role, client in clients.items()}
    add_rows(subject, MANY)
    many = {role: count_queries(client, url)[0] for role, client in clients.items()}
    assert many == few


@pytest.mark.parametrize("name", ["place", "relationship"])
def test_history_page_query_count_does_not_grow(
    officer_client: Client, subject: Subject, django_assert_max_num_queries: Any, name: str
) -> None:
    """A record saved 3 times, then 220 more: its History tab costs the same."""
    record = getattr(subject, name)
    other_council = CouncilFactory(name="Derbyshire County Council")
    url = reverse(f"partners:{name}-history", args=[record.pk])

    def save_times(n: int) -> None:
        for i in range(n):
            record.refresh_from_db()
            record.notes = record.narrative = f"Revision {i}"
            if name == "relationship":
                record.lead_officer = subject.user if i % 2 else None
            record.save()
            if i % 3 == 0:
                m2m = record.councils if name == "relationship" else record.sectors
                target = other_council if name == "relationship" else SectorFactory(name=f"Sector {i}")
                m2m.add(target)

    save_times(FEW)
    officer_client.get(url)
    few, _ = count_queries(officer_client, url)
    save_times(MANY)
    many, sql = count_queries(officer_client, url)
    # With few saves the first (creation) entry names every related record; once
    # it falls past the page limit there is less to name. Never more.
    assert many <= few, f"{url}: {few} queries with few saves, {many} with {MANY} more:\n" + "\n".join(sql)
    with django_assert_max_num_queries(MAX_QUERIES):
        officer_client.get(url)
