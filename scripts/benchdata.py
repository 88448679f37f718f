"""A large register, built in bulk and the same every time, for the benchmark.

``grow_register(sizes, seed=...)`` tops each table up to the number of rows
asked for (counting rows already there, such as the demo data), so the
benchmark can build a small register, measure it, and grow the same
register large. Every value comes from a random generator seeded by the
seed, the table and the rows already present: the same sizes and seed on an
empty database give the same rows.

Rows are written with ``bulk_create``: no history rows, no signals, no
``full_clean``. The values keep to every database constraint and to the
rules the forms enforce (spend dated within its line's year, only estimated
spend on a proposed line, none on a rejected one, meetings within their
visit, a contact's organisation as the approach's).

Call it with Django set up (models are imported inside the functions).
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

# Rows of each table at scale 1.
SIZES: dict[str, int] = {
    "users": 60,
    "sectors": 24,
    "councils": 8,
    "places": 1_000,
    "organisations": 2_000,
    "contacts": 6_000,
    "relationships": 2_500,
    "stakeholders": 4_000,
    "approaches": 3_000,
    "actions": 6_000,
    "exchanges": 1_000,
    "visits": 10_000,
    "participants": 50_000,
    "meetings": 10_000,
    "cost_items": 30_000,
    "gifts": 8_000,
    "financial_years": 15,
    "budget_lines": 5_000,
    "spend": 20_000,
    "reports": 200,
    "paragraphs": 4_000,
    "renderings": 200,
}

# Tables whose size does not follow --scale: there are only so many financial years.
FIXED = {"financial_years"}
FIRST_FINANCIAL_YEAR = 2012
BATCH = 2_000

COUNTRIES = (
    "China",
    "Japan",
    "Germany",
    "France",
    "Poland",
    "India",
    "United States",
    "Canada",
    "Italy",
    "Spain",
    "South Korea",
    "Brazil",
    "Netherlands",
    "Sweden",
    "Czech Republic",
    "Ghana",
    "Kenya",
    "Australia",
    "Mexico",
    "Turkey",
)
JOB_TITLES = (
    "Mayor",
    "Director of International Relations",
    "Deputy Consul General",
    "Trade Adviser",
    "Head of Economic Development",
    "Senior Policy Officer",
    "Chief Executive",
    "Project Manager",
)
SUPPLIERS = ("Derby Travel Ltd", "Midland Hotels", "Civic Gifts Co", "Rail Link Tours", "Print Derby")
# Paragraphs and PDFs go to the generated reports only: the demo Cabinet report,
# whose PDF is timed, stays as the demo made it.
GENERATED_REPORT_TITLE = "Options paper "
PDF_STUB = b"%PDF-1.7\n% benchmark stand-in\n" + b"0" * 2_000


def scaled_sizes(scale: float, overrides: dict[str, int] | None = None) -> dict[str, int]:
    """SIZES times ``scale`` (at least one row each), then any sizes given by name."""
    if scale <= 0:
        raise ValueError("The scale must be more than 0.")
    sizes = {
        name: (count if name in FIXED else max(1, round(count * scale))) for name, count in SIZES.items()
    }
    for name, count in (overrides or {}).items():
        if name not in SIZES:
            raise ValueError(f"Unknown table {name!r}; known: {', '.join(SIZES)}.")
        if count < 0:
            raise ValueError(f"{name} cannot be negative.")
        sizes[name] = count
    return sizes


def capped_sizes(sizes: dict[str, int], rows: int) -> dict[str, int]:
    """The same register with no table above ``rows`` (the small register to compare with)."""
    return {name: (count if name in FIXED else min(count, rows)) for name, count in sizes.items()}


# The tables the generator fills, by the name the benchmark reports them under.
TABLES = {
    "sectors": "partners.Sector",
    "councils": "partners.Council",
    "places": "partners.Place",
    "organisations": "partners.Organisation",
    "contacts": "partners.Contact",
    "relationships": "partners.Relationship",
    "stakeholders": "partners.Stakeholder",
    "approaches": "partners.Approach",
    "actions": "partners.Action",
    "exchanges": "partners.Exchange",
    "visits": "delegations.Visit",
    "participants": "delegations.Participant",
    "meetings": "delegations.Meeting",
    "cost_items": "delegations.CostItem",
    "gifts": "delegations.Gift",
    "financial_years": "budgets.FinancialYear",
    "budget_lines": "budgets.BudgetLine",
    "spend": "budgets.Spend",
    "reports": "reports.Report",
    "paragraphs": "reports.Paragraph",
    "renderings": "reports.Rendering",
}


def _models() -> dict[str, Any]:
    from django.apps import apps
    from django.contrib.auth import get_user_model

    return {"users": get_user_model(), **{name: apps.get_model(label) for name, label in TABLES.items()}}


def table_counts() -> dict[str, int]:
    """Rows now in each table the generator fills."""
    return {name: model.objects.count() for name, model in _models().items()}


# --- value helpers -------------------------------------------------------------------------


def _day(rng: random.Random, start: date = date(2010, 1, 1), end: date = date(2026, 12, 31)) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _maybe(rng: random.Random, probability: float, value: Any) -> Any:
    return value if rng.random() < probability else None


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100 + 1)) / 100


def _weighted(rng: random.Random, choices: dict[str, float]) -> str:
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _ids(model: Any, **filters: Any) -> list[int]:
    return list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))


def _bulk(model: Any, rows: list[Any]) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)


# --- one builder per table: (rng, how many, offset) -> rows written ------------------------


def _users(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import roles

    User = get_user_model()
    first = ("Alex", "Sam", "Priya", "Tom", "Grace", "Wei", "Hana", "Jonas", "Amara", "Owen")
    last = ("Patel", "Smith", "Jones", "Khan", "Brown", "Li", "Sato", "Weber", "Okafor", "Evans")
    users = [
        User(
            username=f"bench-user-{offset + i:05d}",
            first_name=rng.choice(first),
            last_name=rng.choice(last),
            email=f"bench-user-{offset + i:05d}@council.example",
            password="!bench-no-login",  # noqa: S106 - an unusable hash: these users never sign in
        )
        for i in range(n)
    ]
    _bulk(User, users)
    made = User.objects.filter(username__in=[u.username for u in users]).order_by("pk")
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLES)}
    links = []
    through = User.groups.through
    for user in made:
        role = _weighted(rng, {roles.OFFICER: 0.7, roles.FINANCE: 0.2, roles.LEADERS_OFFICE: 0.1})
        if role in groups:
            links.append(through(user_id=user.pk, group_id=groups[role].pk))
    _bulk(through, links)


def _sectors(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Sector

    _bulk(Sector, [Sector(name=f"Bench sector {offset + i:03d}") for i in range(n)])


def _councils(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Council

    _bulk(Council, [Council(name=f"Bench borough council {offset + i:03d}") for i in range(n)])


def _places(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Place, PlaceKind, Sector

    places = []
    for i in range(n):
        country = rng.choice(COUNTRIES)
        local = {"China": "市", "Japan": "町"}.get(country)
        places.append(
            Place(
                name=f"Benchton {offset + i:05d}",
                local_name=f"本{offset + i}{local}" if local else "",
                country=country,
                kind=rng.choice(PlaceKind.values),
                population=_maybe(rng, 0.7, rng.randrange(20_000, 12_000_000)),
                notes=_maybe(rng, 0.3, "Comparable economy: advanced manufacturing and rail.") or "",
            )
        )
    _bulk(Place, places)
    made = list(Place.objects.filter(name__in=[p.name for p in places]).order_by("pk"))
    sectors = _ids(Sector)
    through = Place.sectors.through
    links = []
    for place in made:
        for sector in rng.sample(sectors, k=min(len(sectors), rng.randrange(0, 4))):
            links.append(through(place_id=place.pk, sector_id=sector))
    _bulk(through, links)


def _organisations(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Organisation, OrganisationKind

    _bulk(
        Organisation,
        [
            Organisation(
                name=f"Bench organisation {offset + i:05d}",
                kind=rng.choice(OrganisationKind.values),
                country=rng.choice(("United Kingdom", *COUNTRIES)),
                website=_maybe(rng, 0.5, f"https://org{offset + i}.example.com") or "",
            )
            for i in range(n)
        ],
    )


def _contacts(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Contact, Organisation

    organisations = _ids(Organisation)
    contacts = []
    for i in range(n):
        named = rng.random() < 0.85
        contacts.append(
            Contact(
                name=f"Contact {offset + i:05d}" if named else "",
                job_title=rng.choice(JOB_TITLES) if (not named or rng.random() < 0.7) else "",
                organisation_id=_maybe(rng, 0.9, rng.choice(organisations)) if organisations else None,
                email=_maybe(rng, 0.6, f"contact{offset + i}@partner.example") or "",
                phone=_maybe(rng, 0.4, f"+44 1332 {rng.randrange(100000, 999999)}") or "",
            )
        )
    _bulk(Contact, contacts)


def _relationships(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from partners.models import Council, Place, RagRating, Relationship, RelationshipKind, RelationshipStatus

    places = _ids(Place)
    users = _ids(get_user_model())
    taken = set(Relationship.objects.exclude(status=RelationshipStatus.ENDED).values_list("place_id", "kind"))
    open_statuses = {
        RelationshipStatus.ACTIVE: 0.45,
        RelationshipStatus.EXPLORING: 0.15,
        RelationshipStatus.PROPOSED: 0.1,
        RelationshipStatus.APPROACH_RECEIVED: 0.15,
        RelationshipStatus.DORMANT: 0.15,
    }
    rows = []
    for _ in range(n):
        place, kind, status = (
            rng.choice(places),
            rng.choice(RelationshipKind.values),
            RelationshipStatus.ENDED,
        )
        if rng.random() >= 0.1:
            for _attempt in range(8):
                if (place, kind) not in taken:
                    status = _weighted(rng, open_statuses)
                    taken.add((place, kind))
                    break
                place, kind = rng.choice(places), rng.choice(RelationshipKind.values)
        rows.append(
            Relationship(
                place_id=place,
                kind=kind,
                status=status,
                established_year=_maybe(rng, 0.6, rng.randrange(1950, 2026)),
                lead_officer_id=_maybe(rng, 0.8, rng.choice(users)) if users else None,
                rag=rng.choice(["", *RagRating.values]),
                next_review_on=_maybe(rng, 0.6, _day(rng, date(2024, 1, 1))),
                narrative="A relationship built for the benchmark. " * rng.randrange(1, 6),
            )
        )
    before = set(_ids(Relationship))
    _bulk(Relationship, rows)
    made = [pk for pk in _ids(Relationship) if pk not in before]
    councils = _ids(Council)
    through = Relationship.councils.through
    links = []
    for relationship in made:
        for council in rng.sample(councils, k=min(len(councils), rng.randrange(1, 4))):
            links.append(through(relationship_id=relationship, council_id=council))
    _bulk(through, links)


def _stakeholders(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Organisation, Relationship, Stakeholder

    relationships, organisations = _ids(Relationship), _ids(Organisation)
    taken = set(Stakeholder.objects.values_list("relationship_id", "organisation_id"))
    rows: list[Any] = []
    for i in range(n * 20):
        if len(rows) == n:
            break
        pair = (rng.choice(relationships), rng.choice(organisations))
        if pair in taken:
            continue
        taken.add(pair)
        rows.append(
            Stakeholder(relationship_id=pair[0], organisation_id=pair[1], role=f"Partner in project {i}")
        )
    _bulk(Stakeholder, rows)


def _approaches(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Approach, ApproachOutcome, Contact, Organisation, Relationship

    relationships = list(Relationship.objects.order_by("pk").values_list("pk", "place_id"))
    contacts = list(Contact.objects.order_by("pk").values_list("pk", "organisation_id"))
    organisations = _ids(Organisation)
    rows = []
    for i in range(n):
        relationship, place = rng.choice(relationships)
        received = _maybe(rng, 0.9, _day(rng))
        via_contact = via_organisation = None
        route = rng.random()
        if route < 0.4 and contacts:
            via_contact, via_organisation = rng.choice(contacts)
        elif route < 0.7 and organisations:
            via_organisation = rng.choice(organisations)
        outcome = rng.choice(ApproachOutcome.values)
        respond_by = (
            received + timedelta(days=rng.randrange(7, 90)) if received and rng.random() < 0.8 else None
        )
        responded = (
            received + timedelta(days=rng.randrange(1, 60))
            if received and outcome not in (ApproachOutcome.PENDING,)
            else None
        )
        rows.append(
            Approach(
                place_id=place,
                relationship_id=relationship,
                received_on=received,
                via_organisation_id=via_organisation,
                via_contact_id=via_contact,
                request=f"Approach {offset + i}: a request for an economic link, a visit and a meeting "
                "with local companies in rail and aerospace.",
                respond_by=respond_by,
                response="Officers replied." if responded else "",
                responded_on=responded,
                outcome=outcome,
            )
        )
    _bulk(Approach, rows)


def _actions(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from partners.models import Action, ActionStatus, Relationship

    relationships, users = _ids(Relationship), _ids(get_user_model())
    _bulk(
        Action,
        [
            Action(
                title=f"Follow up item {offset + i}",
                description="Officers to discuss options with key local companies.",
                relationship_id=_maybe(rng, 0.9, rng.choice(relationships)),
                owner_id=_maybe(rng, 0.8, rng.choice(users)) if users else None,
                due_on=_maybe(rng, 0.85, _day(rng, date(2015, 1, 1))),
                status=rng.choice(ActionStatus.values),
                source=_maybe(rng, 0.5, f"Cabinet {rng.randrange(1, 28)} May 20{rng.randrange(15, 26)}")
                or "",
            )
            for i in range(n)
        ],
    )


def _exchanges(rng: random.Random, n: int, offset: int) -> None:
    from partners.models import Exchange, ExchangeKind, Relationship

    relationships = _ids(Relationship)
    rows = []
    for i in range(n):
        starts = _maybe(rng, 0.8, _day(rng))
        rows.append(
            Exchange(
                relationship_id=rng.choice(relationships),
                kind=rng.choice(ExchangeKind.values),
                title=f"Exchange {offset + i}",
                host=rng.choice(("", "Derbyshire County Council", "University of Derby", "Derby College")),
                starts_on=starts,
                ends_on=starts + timedelta(days=rng.randrange(5, 365)) if starts else None,
                duration_months=_maybe(rng, 0.3, rng.randrange(1, 13)),
            )
        )
    _bulk(Exchange, rows)


def _visits(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from delegations.models import Direction, Funder, Purpose, Visit, VisitStatus
    from partners.models import Organisation, Relationship

    relationships, users, organisations = _ids(Relationship), _ids(get_user_model()), _ids(Organisation)
    rows = []
    for i in range(n):
        starts = _maybe(rng, 0.92, _day(rng))
        funder = _weighted(
            rng, {"council": 0.5, "fco": 0.15, "partner": 0.15, "company": 0.15, "not_recorded": 0.05}
        )
        rows.append(
            Visit(
                relationship_id=rng.choice(relationships),
                direction=rng.choice(Direction.values),
                purpose=rng.choice(Purpose.values),
                title=f"Delegation visit {offset + i}",
                starts_on=starts,
                ends_on=starts + timedelta(days=rng.randrange(0, 10)) if starts else None,
                dates_are_approximate=rng.random() < 0.1,
                location=rng.choice(("", "Derby", "Council House, Derby", "Shanghai", "Toyota City")),
                status=rng.choice(VisitStatus.values),
                lead_officer_id=_maybe(rng, 0.8, rng.choice(users)) if users else None,
                funder=funder,
                funder_organisation_id=(
                    rng.choice(organisations)
                    if funder in (Funder.COMPANY, Funder.FCO, Funder.PARTNER)
                    else None
                ),
                party_size=_maybe(rng, 0.5, rng.randrange(1, 12)),
                outcomes=_maybe(rng, 0.4, "Agreed to explore rail and aerospace links.") or "",
                actual_cost=_maybe(rng, 0.3, _money(rng, 100, 9_000)),
            )
        )
    _bulk(Visit, rows)


def _participants(rng: random.Random, n: int, offset: int) -> None:
    from delegations.models import Participant, ParticipantRole, Visit
    from partners.models import Organisation

    visits, organisations = _ids(Visit), _ids(Organisation)
    _bulk(
        Participant,
        [
            Participant(
                visit_id=rng.choice(visits),
                name=f"Participant {offset + i:06d}",
                role=rng.choice(ParticipantRole.values),
                organisation_id=_maybe(rng, 0.6, rng.choice(organisations)),
            )
            for i in range(n)
        ],
    )


def _meetings(rng: random.Random, n: int, offset: int) -> None:
    from delegations.models import Meeting, Visit
    from partners.models import Organisation

    visits = list(Visit.objects.order_by("pk").values_list("pk", "starts_on", "ends_on"))
    organisations = _ids(Organisation)
    rows = []
    for _ in range(n):
        visit, starts, ends = rng.choice(visits)
        held = None
        if starts and ends and rng.random() < 0.8:
            held = starts + timedelta(days=rng.randrange((ends - starts).days + 1))
        rows.append(
            Meeting(
                visit_id=visit,
                organisation_id=rng.choice(organisations),
                held_on=held,
                outcome=rng.choice(("", "Agreed to follow up.", "Memorandum signed.")),
            )
        )
    _bulk(Meeting, rows)


def _cost_items(rng: random.Random, n: int, offset: int) -> None:
    from delegations.models import CostCategory, CostItem, Funder, Visit

    visits = _ids(Visit)
    _bulk(
        CostItem,
        [
            CostItem(
                visit_id=rng.choice(visits),
                category=rng.choice(CostCategory.values),
                description=rng.choice(("", "Flights", "Hotel", "Dinner", "Presentation pack")),
                quantity=Decimal(rng.randrange(1, 21)),
                unit_cost=_money(rng, 5, 900),
                funder=rng.choice([f for f in Funder.values if f != Funder.NOT_RECORDED]),
            )
            for _ in range(n)
        ],
    )


def _gifts(rng: random.Random, n: int, offset: int) -> None:
    from delegations.models import Gift, GiftDirection, GiftKind, Visit
    from partners.models import Organisation

    visits, organisations = _ids(Visit), _ids(Organisation)
    rows = []
    for i in range(n):
        direction = rng.choice(GiftDirection.values)
        on = _day(rng)
        rows.append(
            Gift(
                direction=direction,
                kind=rng.choice(GiftKind.values),
                description=f"Gift {offset + i}: a framed print of the Council House",
                value=_money(rng, 5, 400),
                counterparty=rng.choice(("The Mayor of Benchton", "Xian Aerospace", "Toyota City Council")),
                counterparty_organisation_id=_maybe(rng, 0.5, rng.choice(organisations)),
                on=on,
                visit_id=_maybe(rng, 0.6, rng.choice(visits)),
                was_refused=direction == GiftDirection.RECEIVED and rng.random() < 0.05,
                declared_on=_maybe(rng, 0.5, on + timedelta(days=rng.randrange(0, 40))),
            )
        )
    _bulk(Gift, rows)


def _financial_years(rng: random.Random, n: int, offset: int) -> None:
    from budgets.models import FinancialYear

    have = set(FinancialYear.objects.values_list("start_year", flat=True))
    wanted = []
    start = FIRST_FINANCIAL_YEAR
    while len(wanted) < n:
        if start not in have:
            wanted.append(FinancialYear(start_year=start))
        start += 1
    _bulk(FinancialYear, wanted)


def _budget_lines(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from budgets.models import BudgetLine, FinancialYear, FundingSource, LineStatus
    from partners.models import Relationship

    years, relationships, users = _ids(FinancialYear), _ids(Relationship), _ids(get_user_model())
    rows = []
    for i in range(n):
        status = _weighted(
            rng, {LineStatus.APPROVED: 0.6, LineStatus.PROPOSED: 0.25, LineStatus.REJECTED: 0.15}
        )
        decided = status != LineStatus.PROPOSED
        rows.append(
            BudgetLine(
                financial_year_id=rng.choice(years),
                cost_centre=f"CC{rng.randrange(1, 300):04d}",
                title=f"Budget line {offset + i:05d}",
                amount=_money(rng, 500, 80_000),
                funding_source=rng.choice(FundingSource.values),
                relationship_id=_maybe(rng, 0.7, rng.choice(relationships)),
                status=status,
                proposed_by_id=rng.choice(users) if users else None,
                decided_by_id=rng.choice(users) if decided and users else None,
                decided_at=_moment(_day(rng, date(2015, 1, 1))) if decided else None,
                decision_comment="Agreed by Finance." if decided else "",
            )
        )
    _bulk(BudgetLine, rows)


def _spend(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from budgets.models import BudgetLine, LineStatus, OverrideState, SpendStatus
    from budgets.models import Spend as SpendRow
    from delegations.models import Visit

    lines = list(
        BudgetLine.objects.exclude(status=LineStatus.REJECTED)
        .order_by("pk")
        .values_list("pk", "status", "financial_year__start_year")
    )
    visits, users = _ids(Visit), _ids(get_user_model())
    rows = []
    for i in range(n):
        line, line_status, start_year = rng.choice(lines)
        if line_status == LineStatus.PROPOSED:
            status = SpendStatus.ESTIMATED
        else:
            status = _weighted(
                rng, {SpendStatus.ESTIMATED: 0.2, SpendStatus.COMMITTED: 0.3, SpendStatus.PAID: 0.5}
            )
        override = OverrideState.NONE
        if status != SpendStatus.ESTIMATED and rng.random() < 0.03:
            override = OverrideState.REQUESTED
        rows.append(
            SpendRow(
                budget_line_id=line,
                description=f"Spend {offset + i:06d}",
                amount=_money(rng, 10, 6_000),
                spent_on=_day(rng, date(start_year, 4, 1), date(start_year + 1, 3, 31)),
                status=status,
                supplier=rng.choice(("", *SUPPLIERS)),
                reference=_maybe(rng, 0.6, f"PO{rng.randrange(10_000, 99_999)}") or "",
                visit_id=_maybe(rng, 0.3, rng.choice(visits)),
                override_state=override,
                override_reason="The delegation grew by two." if override else "",
                recorded_by_id=rng.choice(users) if users else None,
            )
        )
    _bulk(SpendRow, rows)


def _reports(rng: random.Random, n: int, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from reports.models import Report, ReportStatus, SignOff, SignOffRole

    users = _ids(get_user_model())
    rows = []
    for i in range(n):
        status = _weighted(
            rng, {ReportStatus.DRAFT: 0.6, ReportStatus.APPROVED: 0.25, ReportStatus.PUBLISHED: 0.15}
        )
        meeting = _day(rng, date(2014, 1, 1))
        exempt = rng.random() < 0.1
        decided = status != ReportStatus.DRAFT
        rows.append(
            Report(
                meeting_date=meeting,
                title=f"{GENERATED_REPORT_TITLE}{offset + i:04d}: overseas economic twinning",
                report_of="the Strategic Director for Neighbourhoods",
                status=status,
                is_key_decision=rng.random() < 0.3,
                is_exempt=exempt,
                exempt_paragraph=3 if exempt else None,
                public_interest_reasoning="Commercial negotiations are under way." if exempt else "",
                author_name="Richard Williams",
                contact_email="richard.williams@derby.example",
                approved_by_id=rng.choice(users) if decided and users else None,
                approved_at=_moment(meeting) if decided else None,
                published_by_id=rng.choice(users) if status == ReportStatus.PUBLISHED and users else None,
                published_at=_moment(meeting) if status == ReportStatus.PUBLISHED else None,
                created_by_id=rng.choice(users) if users else None,
            )
        )
    _bulk(Report, rows)
    without = _ids(Report, sign_offs__isnull=True, title__startswith=GENERATED_REPORT_TITLE)
    _bulk(
        SignOff,
        [
            SignOff(
                report_id=report,
                role=role,
                officer_name=rng.choice(("", "Amanda Fletcher", "Janie Berry")),
                cleared_on=_maybe(rng, 0.5, _day(rng, date(2014, 1, 1))),
                is_required=role in (SignOffRole.LEGAL, SignOffRole.FINANCIAL, SignOffRole.SERVICE_DIRECTOR),
            )
            for report in without
            for role in SignOffRole.values
        ],
    )


def _paragraphs(rng: random.Random, n: int, offset: int) -> None:
    from reports.models import Paragraph, Part, Report

    reports = _ids(Report, title__startswith=GENERATED_REPORT_TITLE)
    if not reports:  # the register's reports are all the demo's: nothing to add to
        return
    rows = []
    for i in range(n):
        part = Part.BODY if rng.random() < 0.75 else Part.IMPLICATIONS
        rows.append(
            Paragraph(
                report_id=rng.choice(reports),
                part=part,
                section=rng.randrange(1, 6 if part == Part.BODY else 11),
                position=offset + i + 1,
                text="The Council has received approaches from three Chinese cities and provinces. "
                * rng.randrange(1, 5),
            )
        )
    _bulk(Paragraph, rows)


def _renderings(rng: random.Random, n: int, offset: int) -> None:
    from reports.models import Rendering, RenderingStatus, Report

    reports = list(
        Report.objects.filter(title__startswith=GENERATED_REPORT_TITLE)
        .order_by("pk")
        .values_list("pk", "version")
    )
    if not reports:  # the register's reports are all the demo's: nothing to add to
        return
    sha = hashlib.sha256(PDF_STUB).hexdigest()
    rows = []
    for _ in range(n):
        report, version = rng.choice(reports)
        status = _weighted(
            rng, {RenderingStatus.READY: 0.85, RenderingStatus.FAILED: 0.1, RenderingStatus.QUEUED: 0.05}
        )
        ready = status == RenderingStatus.READY
        rows.append(
            Rendering(
                report_id=report,
                report_version=version,
                status=status,
                pdf=PDF_STUB if ready else None,
                sha256=sha if ready else "",
                page_count=4 if ready else None,
                size_bytes=len(PDF_STUB) if ready else None,
                error="WeasyPrint stopped." if status == RenderingStatus.FAILED else "",
                attempts=1 if status != RenderingStatus.QUEUED else 0,
            )
        )
    _bulk(Rendering, rows)


BUILDERS: dict[str, Callable[[random.Random, int, int], None]] = {
    "users": _users,
    "sectors": _sectors,
    "councils": _councils,
    "places": _places,
    "organisations": _organisations,
    "contacts": _contacts,
    "relationships": _relationships,
    "stakeholders": _stakeholders,
    "approaches": _approaches,
    "actions": _actions,
    "exchanges": _exchanges,
    "visits": _visits,
    "participants": _participants,
    "meetings": _meetings,
    "cost_items": _cost_items,
    "gifts": _gifts,
    "financial_years": _financial_years,
    "budget_lines": _budget_lines,
    "spend": _spend,
    "reports": _reports,
    "paragraphs": _paragraphs,
    "renderings": _renderings,
}
assert list(BUILDERS) == list(SIZES), "builders must run in the order of SIZES (parents first)"


def grow_register(
    sizes: dict[str, int], *, seed: int = 2015, say: Callable[[str], Any] = print
) -> dict[str, int]:
    """Tops every table up to ``sizes`` rows, parents first; returns the counts after.

    A table already at or above its size is left alone. Each table's rows
    come from a generator seeded by (seed, table, rows already there).
    """
    from django.db import transaction

    models = _models()
    made: dict[str, int] = defaultdict(int)
    with transaction.atomic():
        for name, build in BUILDERS.items():
            model = models[name]
            have = model.objects.count()
            missing = sizes.get(name, 0) - have
            if missing <= 0:
                continue
            rng = random.Random(f"{seed}:{name}:{have}")  # noqa: S311 - test data, not secrets
            build(rng, missing, have)
            made[name] = model.objects.count() - have
            say(f"  {name:<16} +{made[name]:>7,}")
    return table_counts()
