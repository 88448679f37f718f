"""Every visit and gift page makes as many SQL queries with 200+ rows as with a handful.

Each page is asked for once with a few rows of every kind around the record
it shows, then again after 220 more (in bulk, so the suite stays fast): 220
more visits around it, 220 more participants on the visit itself and 880 on
the others (over 1,000 in all), cost items, meetings, gifts (most of them
awaiting declaration, many overdue), follow-ups and status moves. The two
counts must be equal, and below a bound, so a lazy load per row (an N+1)
fails here whichever table it hits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.models import (
    CostItem,
    Gift,
    Meeting,
    Participant,
    Visit,
    VisitFollowUp,
    VisitStatusChange,
)
from partners.models import Action, Organisation, Place, Relationship, RelationshipKind, RelationshipStatus
from tests.factories import (
    CostItemFactory,
    GiftFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    PlaceFactory,
    RelationshipFactory,
    VisitFactory,
)

FEW = 3
MANY = 220
# A page that needs more than this is doing too much, whatever the rows.
MAX_QUERIES = 30


@dataclass
class Subject:
    user: Any
    place: Place
    relationship: Relationship
    visit: Visit
    gift: Gift
    organisation: Organisation
    added: int = 0


@pytest.fixture
def subject(officer: Any) -> Subject:
    place = PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    relationship = RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC, lead_officer=officer)
    organisation = OrganisationFactory(name="Xian Aerospace")
    visit = VisitFactory(
        relationship=relationship,
        title="Exploratory visit to China",
        starts_on=date(2015, 11, 2),
        ends_on=date(2015, 11, 6),
        lead_officer=officer,
        funder="company",
        funder_organisation=organisation,
        party_size=4,
    )
    ParticipantFactory(visit=visit, organisation=organisation)
    CostItemFactory(visit=visit)
    MeetingFactory(visit=visit, organisation=organisation)
    gift = GiftFactory(visit=visit, counterparty_organisation=organisation, value=Decimal("120"))
    return Subject(officer, place, relationship, visit, gift, organisation)


def add_rows(s: Subject, n: int) -> None:
    """Adds ``n`` rows of every kind around the subject visit, and ``n`` more visits."""
    start, s.added = s.added, s.added + n
    numbers = range(start, start + n)
    today = date.today()

    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Company {i:04d}", kind="company", country="China") for i in numbers
    )
    # Other places, each with a relationship and a visit; and more visits of the subject's own relationship.
    places = Place.objects.bulk_create(Place(name=f"Town {i:04d}", country="China") for i in numbers)
    relationships = Relationship.objects.bulk_create(
        Relationship(place=p, kind=RelationshipKind.CIVIC, status=RelationshipStatus.ACTIVE) for p in places
    )
    others = Visit.objects.bulk_create(
        Visit(
            relationship=(relationships[k], s.relationship)[i % 2],
            direction=("outbound", "inbound")[i % 2],
            purpose=("trade", "exploratory")[i % 2],
            title=f"Visit {i:04d}",
            starts_on=date(2015, 1, 1) + timedelta(days=i % 700),
            ends_on=date(2015, 1, 3) + timedelta(days=i % 700),
            dates_are_approximate=i % 3 == 0,
            status=("proposed", "confirmed", "completed")[i % 3],
            lead_officer=s.user,
            funder=("fco", "company")[i % 2],
            funder_organisation=organisations[k],
        )
        for k, i in enumerate(numbers)
    )
    VisitStatusChange.objects.bulk_create(
        [
            *(VisitStatusChange(visit=v, to_status=v.status, changed_by=s.user) for v in others),
            *(
                VisitStatusChange(
                    visit=s.visit, from_status="proposed", to_status="proposed", changed_by=s.user
                )
                for _ in numbers
            ),
        ]
    )
    Participant.objects.bulk_create(
        [
            *(
                Participant(
                    visit=s.visit, name=f"Person {i:04d}", role="officer", organisation=organisations[k]
                )
                for k, i in enumerate(numbers)
            ),
            *(
                Participant(
                    visit=v, name=f"Member {j} of {v.title}", role="member", organisation=s.organisation
                )
                for v in others
                for j in range(4)
            ),
        ]
    )
    CostItem.objects.bulk_create(
        [
            *(
                CostItem(
                    visit=s.visit,
                    category="travel",
                    description=f"Fare {i}",
                    quantity=Decimal("1"),
                    unit_cost=Decimal("650"),
                    funder=("council", "fco", "partner")[i % 3],
                )
                for i in numbers
            ),
            *(
                CostItem(
                    visit=v,
                    category="accommodation",
                    quantity=Decimal("4"),
                    unit_cost=Decimal("60"),
                    funder="fco",
                )
                for v in others
            ),
        ]
    )
    Meeting.objects.bulk_create(
        Meeting(visit=s.visit, organisation=o, held_on=date(2015, 11, 3), outcome="Met")
        for o in organisations
    )
    Gift.objects.bulk_create(
        Gift(
            direction=("received", "received", "given")[i % 3],
            kind=("gift", "hospitality")[i % 2],
            description=f"Gift {i:04d}",
            value=Decimal("30") + i,
            counterparty=f"Donor {i}",
            counterparty_organisation=organisations[k],
            on=today - timedelta(days=i % 60),
            visit=(s.visit, others[k])[i % 2],
            was_refused=i % 7 == 0 and i % 3 != 2,
            declared_on=today if i % 5 == 0 else None,
        )
        for k, i in enumerate(numbers)
    )
    actions = Action.objects.bulk_create(
        Action(
            title=f"Follow up {i:04d}",
            relationship=s.relationship,
            owner=s.user,
            due_on=today - timedelta(days=i % 10 - 5),
        )
        for i in numbers
    )
    VisitFollowUp.objects.bulk_create(
        VisitFollowUp(visit=(s.visit, others[k])[i % 2], action=a)
        for k, (i, a) in enumerate(zip(numbers, actions, strict=True))
    )


def _pk(attr: str) -> Callable[[Subject], list[int]]:
    return lambda s: [getattr(s, attr).pk]


PAGES: dict[str, tuple[str, Callable[[Subject], list[int]] | None, str]] = {
    # id: (url name, args, query string)
    "visit list": ("delegations:visit-list", None, ""),
    "visit list, filtered": (
        "delegations:visit-list",
        None,
        "?q=visit&direction=inbound&place={place}&purpose=exploratory&year=2015&funder=company",
    ),
    "visit list, sorted, page 2": ("delegations:visit-list", None, "?ordering=-place&page=2"),
    "visit detail": ("delegations:visit-detail", _pk("visit"), ""),
    "visit form": ("delegations:visit-create", None, ""),
    "visit edit form": ("delegations:visit-update", _pk("visit"), ""),
    "gift list": ("delegations:gift-list", None, ""),
    "gift list, awaiting declaration": ("delegations:gift-list", None, "?outstanding=true&ordering=-value"),
    "gift list, refused, page 2": ("delegations:gift-list", None, "?was_refused=false&page=2"),
    "gift detail": ("delegations:gift-detail", _pk("gift"), ""),
    "gift form": ("delegations:gift-create", None, ""),
    "gift edit form": ("delegations:gift-update", _pk("gift"), ""),
    "place detail (its visits)": ("partners:place-detail", _pk("place"), ""),
    "relationship detail (its visits)": ("partners:relationship-detail", _pk("relationship"), ""),
}


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
    url = reverse(name, args=args(subject) if args else None) + query.format(place=subject.place.name)
    # A second page needs more than a page of rows to exist at all.
    add_rows(subject, FEW if "page=" not in query else settings.PAGE_SIZE * 2 + FEW)
    officer_client.get(url)  # warm caches (content types, sessions) that are made once

    few, _ = count_queries(officer_client, url)
    add_rows(subject, MANY)
    many, sql = count_queries(officer_client, url)

    assert many == few, f"{url}: {few} queries with few rows, {many} with {MANY} more:\n" + "\n".join(sql)
    with django_assert_max_num_queries(MAX_QUERIES):
        officer_client.get(url)


@pytest.mark.parametrize("persona", ["finance", "leader"])
def test_the_visit_page_for_a_read_only_role_does_not_grow(
    persona: str, subject: Subject, personas: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(personas[persona])
    url = subject.visit.get_absolute_url()
    add_rows(subject, FEW)
    client.get(url)
    few, _ = count_queries(client, url)
    add_rows(subject, MANY)
    many, sql = count_queries(client, url)
    assert many == few, "\n".join(sql)


def test_the_pages_really_hold_the_rows(officer_client: Client, subject: Subject) -> None:
    """The counts above are only worth something if the rows are on the pages."""
    add_rows(subject, MANY)
    assert Participant.objects.count() > 1000
    assert Visit.objects.count() > 200

    visit = officer_client.get(subject.visit.get_absolute_url()).content.decode()
    assert visit.count("Person ") >= MANY
    assert visit.count("Fare ") >= MANY
    assert visit.count("Follow up ") >= MANY / 2
    assert visit.count("Gift ") >= MANY / 2
    assert visit.count("Company ") >= MANY  # the meetings (and the organisation choices)
    assert visit.count("proposed → Proposed") + visit.count("Proposed → Proposed") >= MANY

    gifts = officer_client.get(reverse("delegations:gift-list")).content.decode()
    assert gifts.count("declare by") >= 50  # the awaiting list shows its first 50
    assert "(overdue)" in gifts
    place = officer_client.get(subject.place.get_absolute_url()).content.decode()
    assert place.count("Visit ") >= MANY / 2
    relationship = officer_client.get(subject.relationship.get_absolute_url()).content.decode()
    assert relationship.count(">Visit ") >= MANY / 2
    visits = officer_client.get(reverse("delegations:visit-list")).content.decode()
    assert f"Showing 1–{settings.PAGE_SIZE} of {Visit.objects.count()}" in visits
    name, _, query = PAGES["visit list, filtered"]
    filtered = officer_client.get(reverse(name) + query.format(place=subject.place.name)).content.decode()
    assert f"Showing 1–{settings.PAGE_SIZE} of" in filtered, "The filtered list measured holds too few rows"


def test_visit_history_query_count_does_not_grow(
    officer_client: Client, subject: Subject, django_assert_max_num_queries: Any
) -> None:
    """A visit saved 3 times, then 220 more: its History tab costs the same."""
    other_org = OrganisationFactory(name="Foreign and Commonwealth Office")
    url = reverse("delegations:visit-history", args=[subject.visit.pk])

    def save_times(n: int) -> None:
        for i in range(n):
            visit = Visit.objects.get(pk=subject.visit.pk)
            visit.outcomes = f"Revision {i}"
            visit.funder_organisation = (subject.organisation, other_org)[i % 2]
            visit.lead_officer = subject.user if i % 2 else None
            visit.save()

    save_times(FEW)
    officer_client.get(url)
    few, _ = count_queries(officer_client, url)
    save_times(MANY)
    many, sql = count_queries(officer_client, url)
    assert many <= few, f"{url}: {few} queries with few saves, {many} with {MANY} more:\n" + "\n".join(sql)
    with django_assert_max_num_queries(MAX_QUERIES):
        officer_client.get(url)
    assert f"Revision {MANY - 1}" in officer_client.get(url).content.decode()


def test_gift_history_query_count_does_not_grow(officer_client: Client, subject: Subject) -> None:
    url = reverse("delegations:gift-history", args=[subject.gift.pk])

    def save_times(n: int) -> None:
        for i in range(n):
            gift = Gift.objects.get(pk=subject.gift.pk)
            gift.notes = f"Note {i}"
            gift.visit = (subject.visit, None)[i % 2]
            gift.save()

    save_times(FEW)
    officer_client.get(url)
    few, _ = count_queries(officer_client, url)
    save_times(MANY)
    many, sql = count_queries(officer_client, url)
    assert many <= few, "\n".join(sql)
