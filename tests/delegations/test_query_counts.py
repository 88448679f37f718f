"""Every visit and gift page makes as many SQL queries with 200+ rows as with a handful.

Each page is asked for once with a few rows of every kind around the record
it shows, then again after 220 more (in bulk, so the suite stays fast): 220
more visits around it, 220 more participants on the visit itself and 880 on
the others (over 1,000 in all), cost items, meetings, gifts (most of them
awaiting declaration, many overdue), follow-ups and status moves. The two
counts (tests/support/queries.py) must be equal, and below a bound, so a
lazy load per row (an N+1) fails here whichever table it hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from delegations.models import CostItem, Gift, Meeting, Participant, Visit, VisitFollowUp, VisitStatusChange
from partners.models import Action, Organisation, Place, Relationship, RelationshipKind, RelationshipStatus
from tests import factories as make
from tests.support.queries import assert_queries_do_not_grow
from tests.support.register import client_for
from tests.support.urls import url_for

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
    place = make.PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    relationship = make.RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC, lead_officer=officer)
    organisation = make.OrganisationFactory(name="Xian Aerospace")
    visit = make.VisitFactory(
        relationship=relationship,
        title="Exploratory visit to China",
        starts_on=date(2015, 11, 2),
        ends_on=date(2015, 11, 6),
        lead_officer=officer,
        funder="company",
        funder_organisation=organisation,
        party_size=4,
    )
    make.ParticipantFactory(visit=visit, organisation=organisation)
    make.CostItemFactory(visit=visit)
    make.MeetingFactory(visit=visit, organisation=organisation)
    gift = make.GiftFactory(visit=visit, counterparty_organisation=organisation, value=Decimal("120"))
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
                    # Paid by whoever the visit was planned to be paid by: the filtered
                    # list measured ("who pays: a company") finds them by their cost items.
                    funder=v.funder,
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


# id: the page's URL name (its record is the subject's of the kind it names) and query string.
PAGES: dict[str, str] = {
    "visit list": "delegations:visit-list",
    "visit list, filtered": "delegations:visit-list?q=visit&direction=inbound&place={place}&purpose=exploratory&year=2015&funder=company",
    "visit list, sorted, page 2": "delegations:visit-list?ordering=-place&page=2",
    "visit detail": "delegations:visit-detail",
    "visit form": "delegations:visit-create",
    "visit edit form": "delegations:visit-update",
    "gift list": "delegations:gift-list",
    "gift list, awaiting declaration": "delegations:gift-list?outstanding=true&ordering=-value",
    "gift list, refused, page 2": "delegations:gift-list?was_refused=false&page=2",
    "gift detail": "delegations:gift-detail",
    "gift form": "delegations:gift-create",
    "gift edit form": "delegations:gift-update",
    "place detail (its visits)": "partners:place-detail",
    "relationship detail (its visits)": "partners:relationship-detail",
}


@pytest.mark.parametrize("page", list(PAGES), ids=list(PAGES))
def test_query_count_does_not_grow_with_rows(officer_client: Client, subject: Subject, page: str) -> None:
    name, _, query = PAGES[page].partition("?")
    url = url_for(name, vars(subject)) + ("?" + query.format(place=subject.place.name) if query else "")
    # A second page needs more than a page of rows to exist at all.
    add_rows(subject, FEW if "page=" not in query else settings.PAGE_SIZE * 2 + FEW)
    assert_queries_do_not_grow(officer_client, url, lambda: add_rows(subject, MANY), at_most=MAX_QUERIES)


@pytest.mark.parametrize("persona", ["finance", "leader"])
def test_the_visit_page_for_a_read_only_role_does_not_grow(
    persona: str, subject: Subject, personas: dict[str, Any]
) -> None:
    add_rows(subject, FEW)
    assert_queries_do_not_grow(
        client_for(personas[persona]), subject.visit.get_absolute_url(), lambda: add_rows(subject, MANY)
    )


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
    filtered_list = reverse("delegations:visit-list") + "?" + PAGES["visit list, filtered"].partition("?")[2]
    filtered = officer_client.get(filtered_list.format(place=subject.place.name)).content.decode()
    assert f"Showing 1–{settings.PAGE_SIZE} of" in filtered, "The filtered list measured holds too few rows"


@pytest.mark.parametrize("kind", ["visit", "gift"])
def test_history_query_count_does_not_grow(officer_client: Client, subject: Subject, kind: str) -> None:
    """A visit (or gift) saved 3 times, then 220 more: its History tab costs no more."""
    other_org = make.OrganisationFactory(name="Foreign and Commonwealth Office")
    record = getattr(subject, kind)
    url = reverse(f"delegations:{kind}-history", args=[record.pk])

    def save_times(n: int) -> None:
        for i in range(n):
            record.refresh_from_db()
            if kind == "visit":
                record.outcomes = f"Revision {i}"
                record.funder_organisation = (subject.organisation, other_org)[i % 2]
                record.lead_officer = subject.user if i % 2 else None
            else:
                record.notes = f"Revision {i}"
                record.visit = (subject.visit, None)[i % 2]
            record.save()

    save_times(FEW)
    assert_queries_do_not_grow(
        officer_client, url, lambda: save_times(MANY), at_most=MAX_QUERIES, fewer_allowed=True
    )
    assert f"Revision {MANY - 1}" in officer_client.get(url).content.decode()
