"""The demo register: what Derby's Cabinet report of 9 September 2015 says.

``load_demo`` recreates the councils, places, relationships, organisations,
contacts, approaches, actions, the secondment, the delegation visits and the
budget lines and estimated spend named in *Opportunities for Overseas Economic
Twinning*, the register's founding report; the report itself, paragraph for
paragraph, approved, with its PDF rendered; and in DEBUG one demo login per
role. Where the report gives no fact the field is left empty: no invented
dates, people, websites, populations or cost centres.

Running it again changes nothing. Each record is found by its natural key
(a place by name and country, an action by its Cabinet source, a visit by
its relationship and title ...); it is
saved only when missing or when a field the report speaks to differs, so a
second run writes no row and no history. Fields the report is silent on
(lead officers, owners, dates received, populations, who took part by name,
what came of a meeting, cost centres, what a spend line cost ...) are set
empty or to a placeholder only when the record is created, so what officers
have since filled in is kept. Statuses move only along the register's own
transitions (a budget line is decided by Finance): a record officers have
moved on is left as it is, with a warning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction

from budgets.models import BudgetLine, FinancialYear, FundingSource, LineStatus, Spend, SpendStatus
from budgets.services import budget_line_propose, spend_record
from core import roles
from core.auth import DEMO_EMAIL_DOMAIN, DEMO_USERNAMES
from delegations.models import (
    CostCategory,
    CostItem,
    Direction,
    Funder,
    Meeting,
    Participant,
    ParticipantRole,
    Purpose,
    Visit,
    VisitStatus,
)
from delegations.services import QuickEstimate, visit_add_estimate, visit_change_status, visit_create
from partners.models import (
    Action,
    ActionStatus,
    Approach,
    ApproachOutcome,
    Contact,
    Council,
    Exchange,
    ExchangeKind,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    Sector,
    Stakeholder,
)
from partners.services import approach_record, relationship_create
from reports.models import (
    Paragraph,
    Part,
    Rendering,
    RenderingStatus,
    Report,
    ReportStatus,
    SignOff,
    SignOffRole,
)
from reports.services import rendering_request, rendering_run

REPORT = "Cabinet report 9 September 2015"
SOURCE = "Cabinet 9 September 2015"
# settings.DEMO_PASSWORD's default, documented here so the command can say it aloud;
# a password set through the environment is never printed.
DEFAULT_DEMO_PASSWORD = "twinning-demo"  # noqa: S105

DERBY = "Derby City Council"
DERBYSHIRE = "Derbyshire County Council"
SOUTH_DERBYSHIRE = "South Derbyshire District Council"
COUNCILS = ((DERBY, True), (DERBYSHIRE, False), (SOUTH_DERBYSHIRE, False))

# Derby's economy as the report describes it: aerospace (Rolls-Royce, the
# Midlands Aerospace Alliance), rail (Derby's rail companies), automotive
# (Toyota at Burnaston).
AEROSPACE, RAIL, AUTOMOTIVE = "Aerospace", "Rail", "Automotive"
SECTORS = (AEROSPACE, RAIL, AUTOMOTIVE)

OSNABRUCK, TOYOTA_CITY, XIAN, HEFEI, ZHEJIANG = "Osnabrück", "Toyota City", "Xi'an", "Hefei", "Zhejiang"


@dataclass(frozen=True)
class PlaceFacts:
    name: str
    local_name: str
    country: str
    kind: str
    sectors: tuple[str, ...] = ()
    region: str = ""


# Population is left empty for all five: the one population in the report
# (1,357,000,000) is China's, not any place's.
PLACES = (
    PlaceFacts(OSNABRUCK, "Osnabrück", "Germany", PlaceKind.CITY, region="Lower Saxony"),
    PlaceFacts(TOYOTA_CITY, "豊田市", "Japan", PlaceKind.CITY, (AUTOMOTIVE,), region="Aichi"),
    PlaceFacts(XIAN, "西安市", "China", PlaceKind.CITY, (AEROSPACE,), region="Shaanxi"),
    PlaceFacts(HEFEI, "合肥市", "China", PlaceKind.CITY, region="Anhui"),
    PlaceFacts(ZHEJIANG, "浙江省", "China", PlaceKind.PROVINCE),
)


@dataclass(frozen=True)
class RelationshipFacts:
    place: str
    kind: str
    status: str
    narrative: str
    councils: tuple[str, ...] = (DERBY,)
    established_year: int | None = None


_OSNABRUCK_CONTEXT = (
    "Derby has an existing twinning arrangement of long standing with Osnabrück, in Germany. "
    "The twinning has been investigated from time to time over the years, but economic "
    "similarities have been hard to identify and it has remained primarily civic and "
    f"educational ({REPORT}, para 4.1). Officers recommend further exploration of "
    "opportunities in China and Japan, but not in the relationship with Osnabrück (para 4.5). "
    "The year it was established is not given."
)

RELATIONSHIPS = (
    RelationshipFacts(
        OSNABRUCK,
        RelationshipKind.CIVIC,
        RelationshipStatus.ACTIVE,
        "The civic side of the twinning. " + _OSNABRUCK_CONTEXT,
    ),
    RelationshipFacts(
        OSNABRUCK,
        RelationshipKind.EDUCATIONAL,
        RelationshipStatus.ACTIVE,
        "The educational side of the twinning. " + _OSNABRUCK_CONTEXT,
    ),
    RelationshipFacts(
        TOYOTA_CITY,
        RelationshipKind.CIVIC,
        RelationshipStatus.ACTIVE,
        f"A fifteen year twinning with Toyota City in Japan ({REPORT}, para 4.1); the year "
        "established is recorded as 2000 because the report, of September 2015, calls it a "
        "fifteen year twinning. The link is between Derby, Derbyshire, South Derbyshire Councils "
        "and Toyota City Council. It is regarded by all the partners as an extremely healthy and "
        "vibrant relationship, and has helped the ongoing relationship with Toyota Motor "
        "Manufacturing at Burnaston (para 4.2). There have been visits by officers and trade "
        "delegations to Toyota City on three occasions, and a number of educational exchanges; "
        "most recently Toyota City placed a Senior Policy Officer with Derbyshire County Council "
        "for 12 months (para 4.3).",
        councils=(DERBY, DERBYSHIRE, SOUTH_DERBYSHIRE),
        established_year=2000,
    ),
    RelationshipFacts(
        XIAN,
        RelationshipKind.ECONOMIC,
        RelationshipStatus.ACTIVE,
        f"Derby has an economic twinning with Xi'an City ({REPORT}, para 4.5). The relationship "
        "relies partly upon the ongoing relationship between Rolls-Royce and Xi'an Aerospace "
        "through a joint venture; any further approach to Xi'an City should build on it and on the "
        "business to business opportunities achieved through two previous visits to Derby by "
        "Xi'an City and its business representatives (para 4.7). Xi'an is one of three Chinese "
        "cities/provinces that have approached the Council (para 4.8).",
    ),
    RelationshipFacts(
        HEFEI,
        RelationshipKind.ECONOMIC,
        RelationshipStatus.APPROACH_RECEIVED,
        f"Hefei City has approached Derby City Council ({REPORT}, paras 3.2 and 4.8). The British "
        "Deputy Consul General in Shanghai can arrange for the Hefei City delegation to visit Derby "
        "in October, and has offered to join them, to talk to local companies and to Derby's rail "
        "companies about the opportunities for UK rail in China (para 4.10). The FCO can cover the "
        "costs of exploratory visits between the UK and China (para 4.12).",
    ),
    RelationshipFacts(
        ZHEJIANG,
        RelationshipKind.ECONOMIC,
        RelationshipStatus.APPROACH_RECEIVED,
        f"Zhejiang Province has approached Derby City Council ({REPORT}, paras 3.2 and 4.8). A "
        "delegation has asked to visit Derby on 15 and 16 September 2015; initial information has "
        "been exchanged, and the opportunity for economic linkages will be explored during the "
        "visit (para 4.9).",
    ),
)


@dataclass(frozen=True)
class OrganisationFacts:
    name: str
    kind: str
    country: str = ""
    notes: str = ""


# The sectors of the companies and bodies behind the links, for partner discovery.
ORGANISATION_SECTORS = {
    "Midlands Aerospace Alliance": ("Aerospace",),
    "Derby and Derbyshire Rail": ("Rail",),
    "Rolls-Royce": ("Aerospace",),
    "Toyota Motor Manufacturing UK": ("Automotive",),
    "Xi'an Aerospace": ("Aerospace",),
}


CBBC = "China-Britain Business Council"
UKTI = "UK Trade & Investment"
MAA = "Midlands Aerospace Alliance"
DD_RAIL = "Derby and Derbyshire Rail"
FCO = "Foreign and Commonwealth Office"
CONSULATE = "British Consulate-General Shanghai"
ROLLS_ROYCE = "Rolls-Royce"
TMUK = "Toyota Motor Manufacturing UK"
XIAN_AEROSPACE = "Xi'an Aerospace"
TOYOTA_CITY_COUNCIL = "Toyota City Council"

ORGANISATIONS = (
    OrganisationFacts(
        CBBC,
        OrganisationKind.INDUSTRY_BODY,
        "United Kingdom",
        f"CBBC, in London: deals with business to business links between the UK and China; "
        f"officers intend to take its advice ({REPORT}, para 4.8, recommendation 2.3).",
    ),
    OrganisationFacts(
        UKTI,
        OrganisationKind.GOVERNMENT,
        notes=f"UKTI. Regards the BRIC countries as the fastest growing economies in the world "
        f"({REPORT}, para 4.6); one of the bodies officers are to consult (recommendation 2.3).",
    ),
    OrganisationFacts(
        MAA,
        OrganisationKind.INDUSTRY_BODY,
        notes=f"One of the industry bodies officers are to consult ({REPORT}, recommendation 2.3).",
    ),
    OrganisationFacts(
        DD_RAIL,
        OrganisationKind.INDUSTRY_BODY,
        notes=f"One of the industry bodies officers are to consult ({REPORT}, recommendation 2.3).",
    ),
    OrganisationFacts(
        FCO,
        OrganisationKind.GOVERNMENT,
        notes=f"FCO. Has funding, administered by the British Deputy Consulate General in Shanghai, "
        f"to cover the costs of exploratory visits between the UK and China ({REPORT}, para 4.12).",
    ),
    OrganisationFacts(
        CONSULATE,
        OrganisationKind.GOVERNMENT,
        "China",
        f"The Council is to invite it to arrange the Hefei City delegation visit to Derby, at the "
        f"expense of the FCO ({REPORT}, recommendation 2.2).",
    ),
    OrganisationFacts(
        ROLLS_ROYCE,
        OrganisationKind.COMPANY,
        notes=f"In Derby. Its joint venture with Xi'an Aerospace underpins the Xi'an link; officers "
        f"are to discuss the relationship with it ({REPORT}, para 4.7).",
    ),
    OrganisationFacts(
        TMUK,
        OrganisationKind.COMPANY,
        notes=f"Plant at Burnaston. The Toyota City twinning has helped the Council's relationship "
        f"with it; officers are to discuss the twinning with it ({REPORT}, paras 4.2 and 4.4).",
    ),
    OrganisationFacts(
        XIAN_AEROSPACE,
        OrganisationKind.COMPANY,
        "China",
        f"In a joint venture with Rolls-Royce ({REPORT}, para 4.7).",
    ),
    OrganisationFacts(
        TOYOTA_CITY_COUNCIL,
        OrganisationKind.PARTNER_COUNCIL,
        "Japan",
        f"Party to the Toyota City twinning ({REPORT}, para 4.2).",
    ),
)

DEPUTY_CONSUL_GENERAL = "British Deputy Consul General, Shanghai"
DEPUTY_CONSUL_GENERAL_NOTES = (
    "Responsible for a programme of potential China/UK twinnings; officers have taken their "
    f"advice ({REPORT}, para 4.8). Can arrange for the Hefei City delegation to visit Derby in "
    "October, and has offered to join them, to talk to local companies and to Derby's rail "
    "companies about the opportunities for UK rail in China (para 4.10). The name is not given."
)

_CBBC_ROLE = "Adviser on UK–China business to business links (para 4.8)"

# (place, relationship kind, organisation, role)
STAKEHOLDERS = (
    (
        XIAN,
        RelationshipKind.ECONOMIC,
        ROLLS_ROYCE,
        "Joint venture with Xi'an Aerospace underpins the link (para 4.7)",
    ),
    (
        XIAN,
        RelationshipKind.ECONOMIC,
        XIAN_AEROSPACE,
        "Joint venture with Rolls-Royce underpins the link (para 4.7)",
    ),
    (XIAN, RelationshipKind.ECONOMIC, CBBC, _CBBC_ROLE),
    (
        TOYOTA_CITY,
        RelationshipKind.CIVIC,
        TMUK,
        "Plant at Burnaston; the twinning has helped the Council's relationship with it (para 4.2)",
    ),
    (TOYOTA_CITY, RelationshipKind.CIVIC, TOYOTA_CITY_COUNCIL, "Partner council (para 4.2)"),
    (
        HEFEI,
        RelationshipKind.ECONOMIC,
        CONSULATE,
        "Can arrange the Hefei delegation's visit to Derby at FCO expense (rec. 2.2, para 4.10)",
    ),
    (
        HEFEI,
        RelationshipKind.ECONOMIC,
        FCO,
        "Funds exploratory UK–China visits, through the Consulate-General in Shanghai (para 4.12)",
    ),
    (
        HEFEI,
        RelationshipKind.ECONOMIC,
        DD_RAIL,
        "Derby's rail companies, whom the Deputy Consul General offers to meet (para 4.10)",
    ),
    (HEFEI, RelationshipKind.ECONOMIC, CBBC, _CBBC_ROLE),
    (ZHEJIANG, RelationshipKind.ECONOMIC, CBBC, _CBBC_ROLE),
)


@dataclass(frozen=True)
class ApproachFacts:
    place: str
    request: str
    outcome: str
    via_organisation: str = ""
    via_contact: str = ""  # a contact's job title


# No date received or respond-by date is given for any of them; the report
# says only that two "require an immediate response" (para 3.2).
APPROACHES = (
    ApproachFacts(
        ZHEJIANG,
        "A delegation from Zhejiang Province has asked to visit Derby on 15 and 16 September 2015 "
        f"({REPORT}, para 4.9).",
        ApproachOutcome.PENDING,
    ),
    ApproachFacts(
        HEFEI,
        "A Hefei City delegation visit to Derby in October 2015, which the British Deputy Consul "
        "General in Shanghai can arrange; he has offered to join them and to talk to local companies "
        f"and to Derby's rail companies about the opportunities for UK rail in China ({REPORT}, "
        "para 4.10).",
        ApproachOutcome.PENDING,
        via_organisation=CONSULATE,
        via_contact=DEPUTY_CONSUL_GENERAL,
    ),
    ApproachFacts(
        XIAN,
        f"Xi'an City is one of three Chinese cities/provinces to have approached the Council ({REPORT}, "
        "para 4.8); what it asked is not recorded. Any further approach to Xi'an is to build on the "
        "Rolls-Royce / Xi'an Aerospace relationship (para 4.7).",
        ApproachOutcome.EXPLORING,
    ),
)


@dataclass(frozen=True)
class ActionFacts:
    source: str
    title: str
    description: str
    place: str = ""  # with the relationship kind below; empty for none
    relationship_kind: str = ""
    due_on: date | None = None


ACTIONS = (
    ActionFacts(
        f"{SOURCE}, recommendation 2.1",
        "Meet the Zhejiang Province delegation in Derby",
        "The Leader, Partners and Officers should meet the Zhejiang province delegation in Derby on "
        "16 September.",
        ZHEJIANG,
        RelationshipKind.ECONOMIC,
        date(2015, 9, 16),
    ),
    ActionFacts(
        f"{SOURCE}, recommendation 2.2",
        "Invite the British Consulate in Shanghai to arrange the Hefei delegation visit",
        "The Council should invite the British Consulate in Shanghai to arrange the Hefei City "
        "delegation visit to Derby, at the expense of the Foreign and Commonwealth Office.",
        HEFEI,
        RelationshipKind.ECONOMIC,
    ),
    ActionFacts(
        f"{SOURCE}, recommendation 2.3",
        "Discuss Derby's options with local companies, CBBC and industry bodies",
        "Officers to discuss Derby's options with key local companies with overseas interests, with "
        "the China–Britain Business Council (CBBC), and with industry bodies including UKTI, Midlands "
        "Aerospace Alliance and Derby and Derbyshire Rail.",
    ),
    ActionFacts(
        f"{SOURCE}, recommendation 2.4",
        "Re-appraise the options and, if necessary, report back to Cabinet",
        "Re-appraise our options in the light of the outcome of the actions listed above, and if "
        "necessary report back to Cabinet.",
    ),
    ActionFacts(
        f"{SOURCE}, para 4.4",
        "Consider strengthening the Toyota City twinning, with Toyota Motor Manufacturing",
        "It is proposed that Officers give further consideration to the relationship with Toyota "
        "City, discuss this with Toyota Motor Manufacturing, and assess the opportunities for "
        "strengthening this twinning arrangement in the future.",
        TOYOTA_CITY,
        RelationshipKind.CIVIC,
    ),
    ActionFacts(
        f"{SOURCE}, para 4.7",
        "Discuss the Xi'an relationship with Rolls-Royce in Derby",
        "It is proposed that Officers discuss this relationship with Rolls-Royce in Derby, to ensure "
        "that any further approach to Xian City builds on this relationship and on the previous "
        "business to business opportunities that have been achieved through two previous visits to "
        "Derby by Xian City and its business representatives.",
        XIAN,
        RelationshipKind.ECONOMIC,
    ),
)

SECONDMENT_TITLE = "Senior Policy Officer from Toyota City"
SECONDMENT_DESCRIPTION = (
    "Most recently, Toyota City have placed a Senior Policy Officer with Derbyshire County Council "
    "for 12 months to look at the ways in which Derbyshire and Derby City Councils do business "
    f"({REPORT}, para 4.3). The dates are not given."
)


@dataclass(frozen=True)
class ParticipantFacts:
    """Found on a visit by role and organisation; the name is set on creation only,
    so a real name an officer records later is kept."""

    name: str
    role: str
    organisation: str = ""


@dataclass(frozen=True)
class MeetingFacts:
    """Found on a visit by organisation; what came of it is set on creation only."""

    organisation: str
    planned: str = ""


@dataclass(frozen=True)
class VisitFacts:
    place: str
    relationship_kind: str
    title: str
    direction: str
    purpose: str
    status: str
    location: str
    starts_on: date | None = None
    ends_on: date | None = None
    # Only the month is known: the placeholder date is set on creation only, so
    # the real date an officer records later is kept.
    dates_are_approximate: bool = False
    # The report says who pays only for the FCO-funded visits.
    funder: str = Funder.NOT_RECORDED
    funder_organisation: str = ""
    # False when the report does not say who pays: the (required) field is then
    # set on creation only.
    funder_stated: bool = False
    party_size: int | None = None
    outcomes: str = ""
    participants: tuple[ParticipantFacts, ...] = ()
    meetings: tuple[MeetingFacts, ...] = ()
    estimate: QuickEstimate | None = None


# Para 4.11: "a four person visit to China taking four nights would cost circa
# £4,000", travel, accommodation, presentational materials and civic gifts. Only
# the total is given; the split below is illustrative and says so on the visit.
CHINA_ESTIMATE = QuickEstimate(
    people=4,
    nights=4,
    nightly_rate=Decimal("60.00"),
    fare_per_person=Decimal("650.00"),
    civic_gifts=Decimal("240.00"),
    presentation_materials=Decimal("200.00"),
    funder=Funder.FCO,
)
assert CHINA_ESTIMATE.total == Decimal("4000.00")
CHINA_VISIT = "Exploratory visit to China"

_XIAN_GROUP = ParticipantFacts(
    "Xi'an City officials and business representatives (names not recorded)", ParticipantRole.PARTNER_OFFICIAL
)
_TOYOTA_GROUP = ParticipantFacts(
    "Derby officers and trade delegation (names not recorded)", ParticipantRole.OFFICER
)


def _each_time(visit: VisitFacts, *times: str) -> tuple[VisitFacts, ...]:
    """A visit the report counts but does not date, once for each of ``times``, which tell them apart."""
    return tuple(replace(visit, title=f"{visit.title} ({time})") for time in times)


VISITS = (
    # Para 4.9: the delegation "has asked to visit Derby on 15 and 16 September",
    # so the visit is still proposed as the report stands.
    VisitFacts(
        ZHEJIANG,
        RelationshipKind.ECONOMIC,
        "Zhejiang province delegation to Derby",
        Direction.INBOUND,
        Purpose.EXPLORATORY,
        VisitStatus.PROPOSED,
        "Derby",
        starts_on=date(2015, 9, 15),
        ends_on=date(2015, 9, 16),
    ),
    # Recommendation 2.2 and para 4.10: "in October", at the FCO's expense, with
    # the Deputy Consul General, who offers to talk to Derby's rail companies.
    VisitFacts(
        HEFEI,
        RelationshipKind.ECONOMIC,
        "Hefei City delegation to Derby",
        Direction.INBOUND,
        Purpose.EXPLORATORY,
        VisitStatus.PROPOSED,
        "Derby",
        starts_on=date(2015, 10, 1),
        dates_are_approximate=True,
        funder=Funder.FCO,
        funder_organisation=FCO,
        funder_stated=True,
        participants=(ParticipantFacts(DEPUTY_CONSUL_GENERAL, ParticipantRole.CONSULAR, CONSULATE),),
        meetings=(
            MeetingFacts(
                DD_RAIL,
                "Planned: to talk to Derby's rail companies about the opportunities for UK rail in "
                "China (para 4.10).",
            ),
        ),
    ),
    # Paras 4.11 and 4.12. The report names no destination city.
    VisitFacts(
        XIAN,
        RelationshipKind.ECONOMIC,
        CHINA_VISIT,
        Direction.OUTBOUND,
        Purpose.EXPLORATORY,
        VisitStatus.PROPOSED,
        "China",
        funder=Funder.FCO,
        funder_organisation=FCO,
        funder_stated=True,
        party_size=4,
        outcomes="Destination city not yet chosen (para 4.11); recorded under the Xi'an link, the "
        "council's existing economic twinning in China. The report gives only the circa £4,000 "
        "total; the split between fares, accommodation, gifts and materials is illustrative.",
        estimate=CHINA_ESTIMATE,
    ),
    # Para 4.7: "two previous visits to Derby by Xian City and its business
    # representatives"; no dates are given.
    *_each_time(
        VisitFacts(
            XIAN,
            RelationshipKind.ECONOMIC,
            "Xi'an City visit to Derby",
            Direction.INBOUND,
            Purpose.TRADE,
            VisitStatus.COMPLETED,
            "Derby",
            outcomes="Business to business opportunities achieved (para 4.7).",
            participants=(_XIAN_GROUP,),
        ),
        "first of two",
        "second of two",
    ),
    # Para 4.3: "visits by Officers and trade delegations to Toyota City on three
    # occasions"; no dates are given.
    *_each_time(
        VisitFacts(
            TOYOTA_CITY,
            RelationshipKind.CIVIC,
            "Officer and trade delegation visit to Toyota City",
            Direction.OUTBOUND,
            Purpose.TRADE,
            VisitStatus.COMPLETED,
            "Toyota City",
            participants=(_TOYOTA_GROUP,),
        ),
        "1 of 3",
        "2 of 3",
        "3 of 3",
    ),
)


# The budget lines. The report gives no cost centre, and the field is required:
# "TBC" is set on creation only, and the notes say so for as long as it stays.
COST_CENTRE_TBC = "TBC"
COST_CENTRE_NOTE = "Cost centre to be confirmed; the report names none."
COUNCIL_LINE_TITLE = "Overseas economic twinning"


@dataclass(frozen=True)
class BudgetLineFacts:
    """Found by year, title and funding source. Proposed on creation: Finance decides."""

    start_year: int
    title: str
    funding_source: str
    amount: Decimal
    notes: str
    # Set on creation only: the report ties no money to a single relationship.
    relationship: tuple[str, str] | None = None


_IMPLICATIONS = (
    f'{REPORT}, Implications 1.1: "Currently there is no budget to cover the costs contained '
    "within this report. A new revenue budget will have to be identified at £5,000 in 2016–17 and "
    '£20,000 in 2017–18 and future years."'
)
_LONGER_TERM = (
    "Para 4.12: if the twinning options with China and/or Japan are to be further developed there "
    "will be a longer term budget requirement, which officers recommend be set at £20,000 per year."
)
_FOR_BOTH_OPTIONS = (
    "Proposed, not yet approved: no budget exists. The money serves the China and Japan options "
    "together, so no single relationship is given."
)

BUDGET_LINES = (
    BudgetLineFacts(
        2016,
        COUNCIL_LINE_TITLE,
        FundingSource.COUNCIL,
        Decimal("5000.00"),
        f"{_IMPLICATIONS} {_LONGER_TERM} Given that the FCO can cover the costs of exploratory "
        "visits, any follow up visits would probably be in 2016–17 but would probably need only a "
        f"maximum of 25% of this budget (£5,000). {_FOR_BOTH_OPTIONS}",
    ),
    BudgetLineFacts(
        2017,
        COUNCIL_LINE_TITLE,
        FundingSource.COUNCIL,
        Decimal("20000.00"),
        f"{_IMPLICATIONS} {_LONGER_TERM} {_FOR_BOTH_OPTIONS}",
    ),
    BudgetLineFacts(
        2018,
        COUNCIL_LINE_TITLE,
        FundingSource.COUNCIL,
        Decimal("20000.00"),
        f'{_IMPLICATIONS} 2018–19 is the first of the "future years"; the report names no end '
        f"year. {_LONGER_TERM} {_FOR_BOTH_OPTIONS}",
    ),
    # Paras 4.11–4.12: the exploratory meetings with the two Chinese cities are
    # "during September and October" 2015, so the visit's money is 2015–16's.
    BudgetLineFacts(
        2015,
        "Exploratory visit to China (FCO funding)",
        FundingSource.FCO,
        Decimal("4000.00"),
        f"{REPORT}, para 4.11: an early appraisal of travel and accommodation costs, should Derby "
        "visit China, plus associated presentational materials, civic gifts, etc. indicates that a "
        "four person visit to China taking four nights would cost circa £4,000. Para 4.12: the "
        "Foreign and Commonwealth Office has funding, administered by the British Deputy Consulate "
        "General in Shanghai, to cover the costs of exploratory visits between the UK and China. "
        "An estimate, proposed: the report does not say the FCO has agreed the sum. Recorded in "
        "2015–16 because the exploratory meetings are to be held during September and October "
        "2015 (para 4.11).",
        relationship=(XIAN, RelationshipKind.ECONOMIC),
    ),
)

# Spend against the FCO line: the China visit's civic gifts and presentation
# materials (para 4.11: "The giving of gifts is an accepted and expected part of
# the protocol"). Found by line and cost item. The report gives neither a date
# nor the parts' amounts: on creation the spend takes the cost item's (illustrative)
# amount and the date of the Cabinet report, when the estimate was made, and
# stays estimated; all three are officers' to change.
ESTIMATE_DATE = date(2015, 9, 9)
SPEND_LINE_YEAR = 2015
SPEND_CATEGORIES = (CostCategory.CIVIC_GIFTS, CostCategory.PRESENTATION)
assert FinancialYear(start_year=SPEND_LINE_YEAR).contains(ESTIMATE_DATE)


# The report itself, paragraph for paragraph as printed (its spellings
# "Osnabruck" and "Xian" kept: this is the record of what Cabinet read).
# Numbers are generated from the order, never stored.
CABINET_REPORT = {
    "committee": "Council Cabinet",
    "meeting_date": date(2015, 9, 9),
    "title": "Opportunities for Overseas Economic Twinning",
}
CABINET_REPORT_DETAILS = {
    "report_of": "the Strategic Director for Neighbourhoods",
    "author_name": "Richard Williams",
    "contact_phone": "01332 642436",
    "contact_email": "richard.williams@derby.gov.uk",
    "background_papers": "None",
    "appendices": "Appendix 1 – Implications",
}
# Approved at the meeting; the report names no approver and no time, so
# midday on the day stands for "at the meeting".
CABINET_APPROVED_AT = datetime(2015, 9, 9, 12, 0, tzinfo=ZoneInfo("Europe/London"))

BODY_PARAGRAPHS = (
    (
        1,
        (
            "This report is an options paper on the potential for Derby to have economic twinning "
            "links with cities in other countries."
        ),
    ),
    (
        1,
        (
            "The purpose is to develop, as part the Leader's 15 year vision for Derby, a potential "
            "set of linkages to cities with comparable economies to Derby and with opportunities for "
            "exchanges, tourism, commercial contracts and inward investment."
        ),
    ),
    (
        2,
        (
            "The Leader, Partners and Officers should meet the Zhejiang province delegation in Derby "
            "on 16 September."
        ),
    ),
    (
        2,
        (
            "The Council should invite the British Consulate in Shanghai to arrange the Hefei City "
            "delegation visit to Derby, at the expense of the Foreign and Commonwealth Office."
        ),
    ),
    (
        2,
        (
            "Officers to discuss Derby's options with key local companies with overseas interests, "
            "with the China–Britain Business Council (CBBC), and with industry bodies including "
            "UKTI, Midlands Aerospace Alliance and Derby and Derbyshire Rail."
        ),
    ),
    (
        2,
        (
            "Re-appraise our options in the light of the outcome of the actions listed above, and if "
            "necessary report back to Cabinet."
        ),
    ),
    (
        3,
        (
            "There are emerging opportunities for economic twinning arrangements with overseas "
            "cities that have similar economies and approaches to Derby."
        ),
    ),
    (3, "We have had approaches from two Chinese cities that require an immediate response."),
    (
        3,
        (
            "The recommendations form part of my fifteen year vision to deliver an economically "
            "prosperous and globally focused city of Derby."
        ),
    ),
    (
        4,
        (
            "The Leader has asked us to explore options for twinning with overseas cities, which "
            "must first be set in context. Firstly, Derby has an existing twinning arrangement of "
            "long standing with Osnabruck, in Germany, and a fifteen year twinning with Toyota City "
            "in Japan. The Osnabruck twinning has been investigated from time to time over the "
            "years, but economic similarities have been hard to identify and the twinning has "
            "remained primarily civic and educational. Secondly, if we are to look at China, we "
            "should bear in mind its massive scale. With a population of 1,357,000,000 China is "
            "twenty times the size of the UK and three times the size of the European Union."
        ),
    ),
    (
        4,
        (
            "The twinning link with Toyota City is between Derby, Derbyshire, South Derbyshire "
            "Councils and Toyota City Council. It is regarded by all the partners as an extremely "
            "healthy and vibrant relationship, and has helped our ongoing relationship with Toyota "
            "Motor Manufacturing at Burnaston."
        ),
    ),
    (
        4,
        (
            "During the 15 year relationship, there have been visits by Officers and trade "
            "delegations to Toyota City on three occasions, and a number of educational exchanges. "
            "Most recently, Toyota City have placed a Senior Policy Officer with Derbyshire County "
            "Council for 12 months to look at the ways in which Derbyshire and Derby City Councils "
            "do business."
        ),
    ),
    (
        4,
        (
            "It is proposed that Officers give further consideration to the relationship with Toyota "
            "City, discuss this with Toyota Motor Manufacturing, and assess the opportunities for "
            "strengthening this twinning arrangement in the future."
        ),
    ),
    (
        4,
        (
            "Officers have also identified China, where we have an economic twinning with Xian City, "
            "and have recently had approaches from two other cities/regions. Officers recommend "
            "further exploration of the opportunities in China and Japan, but not anything from in "
            "the relationship with Osnabruck."
        ),
    ),
    (
        4,
        (
            "China is one of the 'BRIC' group of countries (Brazil, Russia, India, China) regarded "
            "by the UK Government and UKTI as the fastest growing economies in the world and the "
            "most likely to deliver positive outcomes from cooperation, trade etc."
        ),
    ),
    (
        4,
        (
            "The relationship with Xian City relies partly upon the ongoing relationship between "
            "Rolls-Royce and Xian Aerospace through a joint venture. It is proposed that Officers "
            "discuss this relationship with Rolls-Royce in Derby, to ensure that any further "
            "approach to Xian City builds on this relationship and on the previous business to "
            "business opportunities that have been achieved through two previous visits to Derby by "
            "Xian City and its business representatives."
        ),
    ),
    (
        4,
        (
            "Derby City Council has had approaches from three Chinese cities/provinces: Xian City, "
            "Hefei City and Zhejiang Province. Officers have taken advice from the British Deputy "
            "Consul General in Shanghai, who is responsible for a programme of potential China/UK "
            "twinnings. There is also the CBBC in London, who deal with business to business links "
            "between the UK and China. Officers intend to take their advice."
        ),
    ),
    (
        4,
        (
            "A delegation from Zhejiang province has asked to visit Derby on 15 and 16 September. We "
            "have exchanged initial information, and will explore the opportunity for economic "
            "linkages with them during this visit."
        ),
    ),
    (
        4,
        (
            "The Deputy Consul General in Shanghai can arrange for the Hefei City Delegation to "
            "visit Derby in October. He has offered to join them, to talk to local companies, and "
            "specifically to talk to Derby's rail companies about the opportunities for UK rail in "
            "China."
        ),
    ),
    (
        4,
        (
            "The requirements in terms of Officer and Member time and budget can only be fully "
            "appraised once we have held the exploratory meetings with the two Chinese cities during "
            "September and October. However, an early appraisal of travel and accommodation costs, "
            "should Derby visit China, plus associated presentational materials, civic gifts, etc. "
            "indicates that a four person visit to China taking four nights would cost circa £4,000. "
            "The giving of gifts is an accepted and expected part of the protocol of doing business "
            "with overseas cities."
        ),
    ),
    (
        4,
        (
            "The Foreign and Commonwealth Office (FCO) has funding, administered by the British "
            "Deputy Consulate General in Shanghai, to cover the costs of exploratory visits between "
            "the UK and China. However, if the twinning options with China and/or Japan are to be "
            "further developed, there will be a longer term budget requirement, and Officers "
            "recommend that this be set at £20,000 per year. However, given that the FCO can cover "
            "the costs of exploratory visits, any follow up visits would probably be in 2016–17 but "
            "would probably need only a maximum of 25% of this budget (£5,000)."
        ),
    ),
    (5, "Doing nothing is not an option."),
    (
        5,
        (
            "Many of Derby's key employers operate in a global economy; the city and the Council "
            "should look to such wider horizons in the interests of economic growth and "
            "sustainability."
        ),
    ),
)
IMPLICATION_PARAGRAPHS = (
    (
        1,
        (
            "Currently there is no budget to cover the costs contained within this report. A new "
            "revenue budget will have to be identified at £5,000 in 2016–17 and £20,000 in 2017–18 "
            "and future years."
        ),
    ),
    (2, "None arising directly from this report."),
    (3, "None arising directly from this report."),
    (4, "None."),
    (5, "None arising directly from this report."),
    (6, "None arising directly from this report."),
    (7, "None arising directly from this report."),
    (8, "None."),
    (9, "None."),
    (10, "An ambitious and forward looking city with good prospects for everyone."),
    (10, "A strong community where businesses are supported to grow."),
)


# The sign-off block lists the six roles and, after them, two names with no
# dates: the Head of Finance (the financial officer) and the author (others).
# The app approves a report only once the legal officer, the financial officer
# and the service director have cleared it, so the approved demo report records
# them too. The report names no one for legal or the service director: the
# Monitoring Officer (the statutory post that clears a report's legal
# implications) and the Strategic Director the report is "of" stand for them,
# by post, not by an invented name. HR and estates are printed empty and are not
# required. Every officer is recorded as clearing it the day before the meeting.
SIGN_OFFS = {
    SignOffRole.LEGAL: "Monitoring Officer",
    SignOffRole.FINANCIAL: "Amanda Fletcher, Head of Finance",
    SignOffRole.HR: "",
    SignOffRole.ESTATES: "",
    SignOffRole.SERVICE_DIRECTOR: "Strategic Director for Neighbourhoods",
    SignOffRole.OTHER: "Richard Williams",
}
SIGN_OFFS_CLEARED_ON = date(2015, 9, 8)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"


DEMO_LOGINS = (
    DemoLogin("officer", roles.OFFICER, "Demo", "Officer"),
    DemoLogin("finance", roles.FINANCE, "Demo", "Finance Officer"),
    DemoLogin("leader", roles.LEADERS_OFFICE, "Demo", "Leader's Office"),
    DemoLogin("admin", roles.ADMINISTRATOR, "Demo", "Administrator"),
)
# The login backend recognises demo accounts by these usernames; keep them in step.
assert {login.username for login in DEMO_LOGINS} == set(DEMO_USERNAMES)


@dataclass
class DemoResult:
    """What a run did, counted per model."""

    created: Counter[type[models.Model]] = field(default_factory=Counter)
    updated: Counter[type[models.Model]] = field(default_factory=Counter)
    present: Counter[type[models.Model]] = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = (
            f"Demo data: {self.created.total()} created, {self.updated.total()} updated, "
            f"{self.present.total()} already present"
        )
        if self.created:
            counts = sorted((_name(model, n), n) for model, n in self.created.items())
            line += " (created: " + ", ".join(f"{n} {name}" for name, n in counts) + ")"
        return line + "."


def _name(model: type[models.Model], count: int) -> str:
    return str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural)


class _Loader:
    def __init__(self, result: DemoResult, stdout: TextIO | None) -> None:
        self.result = result
        self.stdout = stdout
        # Records already counted as created or updated in this run.
        self.touched: set[tuple[type[models.Model], Any]] = set()

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def warn(self, message: str) -> None:
        self.result.warnings.append(message)
        self.say(f"Warning: {message}")

    @staticmethod
    def differences(record: models.Model, values: dict[str, Any]) -> dict[str, Any]:
        changed = {}
        for name, value in values.items():
            model_field = record._meta.get_field(name)
            current = getattr(record, model_field.attname)
            wanted = value.pk if isinstance(value, models.Model) else value
            if current != wanted:
                changed[name] = value
        return changed

    def created(self, record: models.Model) -> None:
        self.result.created[type(record)] += 1
        self.touched.add((type(record), record.pk))

    def settle(self, record: models.Model, values: dict[str, Any]) -> models.Model:
        """Brings the fields the report speaks to into line, saving only if one differs."""
        changed = self.differences(record, values)
        if not changed:
            self.result.present[type(record)] += 1
            return record
        for name, value in changed.items():
            setattr(record, name, value)
        record.full_clean()
        record.save()
        self.result.updated[type(record)] += 1
        self.touched.add((type(record), record.pk))
        return record

    def ensure(
        self,
        model: type[models.Model],
        found: models.Model | None,
        values: dict[str, Any],
        on_create: dict[str, Any] | None = None,
    ) -> models.Model:
        if found is not None:
            return self.settle(found, values)
        record = model(**values, **(on_create or {}))
        record.full_clean()
        record.save()
        self.created(record)
        return record

    def include(self, record: models.Model, attr: str, wanted: list[models.Model]) -> None:
        """Adds the wanted many-to-many links that are missing; removes none an officer added."""
        manager = getattr(record, attr)
        have = set(manager.values_list("pk", flat=True))
        missing = [item for item in wanted if item.pk not in have]
        if not missing:
            return
        manager.add(*missing)
        if (type(record), record.pk) not in self.touched:
            self.result.present[type(record)] -= 1
            self.result.updated[type(record)] += 1
            self.touched.add((type(record), record.pk))


def _load_register(loader: _Loader) -> tuple[dict[tuple[str, str], Relationship], dict[str, Organisation]]:
    councils = {
        name: loader.ensure(
            Council, Council.objects.filter(name=name).first(), {"name": name, "is_home": is_home}
        )
        for name, is_home in COUNCILS
    }
    sectors = {
        name: loader.ensure(Sector, Sector.objects.filter(name__iexact=name).first(), {"name": name})
        for name in SECTORS
    }

    places: dict[str, Place] = {}
    for facts in PLACES:
        found = Place.objects.filter(name__iexact=facts.name, country__iexact=facts.country).first()
        place = loader.ensure(
            Place,
            found,
            {
                "name": facts.name,
                "local_name": facts.local_name,
                "country": facts.country,
                "region": facts.region,
                "kind": facts.kind,
            },
        )
        loader.include(place, "sectors", [sectors[name] for name in facts.sectors])
        places[facts.name] = place

    organisations = {
        facts.name: loader.ensure(
            Organisation,
            Organisation.objects.filter(name__iexact=facts.name).first(),
            {"name": facts.name, "kind": facts.kind, "country": facts.country, "notes": facts.notes},
        )
        for facts in ORGANISATIONS
    }
    # Derby's economy, the profile partner discovery ranks places against.
    loader.include(councils[DERBY], "sectors", [sectors[name] for name in SECTORS])
    for name, sector_names in ORGANISATION_SECTORS.items():
        loader.include(organisations[name], "sectors", [sectors[sector] for sector in sector_names])
    deputy_consul_general = loader.ensure(
        Contact,
        Contact.objects.filter(organisation=organisations[CONSULATE], job_title__iexact=DEPUTY_CONSUL_GENERAL)
        .order_by("pk")
        .first(),
        {
            "job_title": DEPUTY_CONSUL_GENERAL,
            "organisation": organisations[CONSULATE],
            "notes": DEPUTY_CONSUL_GENERAL_NOTES,
        },
        on_create={"name": ""},
    )
    contacts = {DEPUTY_CONSUL_GENERAL: deputy_consul_general}

    relationships: dict[tuple[str, str], Relationship] = {}
    for facts in RELATIONSHIPS:
        place = places[facts.place]
        wanted_councils = [councils[name] for name in facts.councils]
        values: dict[str, Any] = {"narrative": facts.narrative}
        if facts.established_year is not None:
            values["established_year"] = facts.established_year
        found = (
            Relationship.objects.filter(place=place, kind=facts.kind)
            .exclude(status=RelationshipStatus.ENDED)
            .first()
        )
        if found is None:
            new = {"place": place, "kind": facts.kind, "status": facts.status, **values}
            Relationship(**new).full_clean()
            relationship = relationship_create(values={**new, "councils": wanted_councils}, by=None)
            loader.created(relationship)
        else:
            relationship = loader.settle(found, values)
            loader.include(relationship, "councils", wanted_councils)
            if relationship.status != facts.status:
                # Status moves only along recorded transitions; the demo does not force one.
                loader.warn(
                    f"{relationship} is {relationship.get_status_display().lower()}, not "
                    f"{RelationshipStatus(facts.status).label.lower()} as in the report; left as it is."
                )
        relationships[(facts.place, facts.kind)] = relationship

    for place_name, kind, organisation_name, role in STAKEHOLDERS:
        relationship = relationships[(place_name, kind)]
        organisation = organisations[organisation_name]
        loader.ensure(
            Stakeholder,
            Stakeholder.objects.filter(relationship=relationship, organisation=organisation).first(),
            {"relationship": relationship, "organisation": organisation, "role": role},
        )

    for facts in APPROACHES:
        place = places[facts.place]
        relationship = relationships[(facts.place, RelationshipKind.ECONOMIC)]
        values = {"place": place, "request": facts.request, "outcome": facts.outcome}
        if facts.via_organisation:
            values["via_organisation"] = organisations[facts.via_organisation]
        if facts.via_contact:
            values["via_contact"] = contacts[facts.via_contact]
        found = Approach.objects.filter(place=place, relationship=relationship).order_by("pk").first()
        if found is None:
            Approach(**values).full_clean(exclude=["relationship"])
            approach = approach_record(values=values, relationship_kind=RelationshipKind.ECONOMIC, by=None)
            loader.created(approach)
        else:
            loader.settle(found, values)

    for facts in ACTIONS:
        values = {
            "source": facts.source,
            "title": facts.title,
            "description": facts.description,
            "relationship": relationships[(facts.place, facts.relationship_kind)] if facts.place else None,
        }
        if facts.due_on is not None:
            values["due_on"] = facts.due_on
        loader.ensure(
            Action,
            Action.objects.filter(source=facts.source).order_by("pk").first(),
            values,
            on_create={"status": ActionStatus.OPEN},
        )

    toyota_city = relationships[(TOYOTA_CITY, RelationshipKind.CIVIC)]
    loader.ensure(
        Exchange,
        Exchange.objects.filter(
            relationship=toyota_city, kind=ExchangeKind.SECONDMENT, title__iexact=SECONDMENT_TITLE
        ).first(),
        {
            "relationship": toyota_city,
            "kind": ExchangeKind.SECONDMENT,
            "title": SECONDMENT_TITLE,
            "host": DERBYSHIRE,
            "duration_months": 12,
            "description": SECONDMENT_DESCRIPTION,
        },
    )
    return relationships, organisations


def _load_visits(
    loader: _Loader,
    relationships: dict[tuple[str, str], Relationship],
    organisations: dict[str, Organisation],
) -> dict[str, Visit]:
    visits: dict[str, Visit] = {}
    for facts in VISITS:
        relationship = relationships[(facts.place, facts.relationship_kind)]
        values: dict[str, Any] = {
            "relationship": relationship,
            "direction": facts.direction,
            "purpose": facts.purpose,
            "title": facts.title,
            "location": facts.location,
        }
        on_create: dict[str, Any] = {}
        dates = {
            "starts_on": facts.starts_on,
            "ends_on": facts.ends_on,
            "dates_are_approximate": facts.dates_are_approximate,
        }
        (values if facts.starts_on and not facts.dates_are_approximate else on_create).update(dates)
        funding = {
            "funder": facts.funder,
            "funder_organisation": organisations[facts.funder_organisation]
            if facts.funder_organisation
            else None,
        }
        (values if facts.funder_stated else on_create).update(funding)
        if facts.party_size is not None:
            values["party_size"] = facts.party_size
        if facts.outcomes:
            values["outcomes"] = facts.outcomes

        found = (
            Visit.objects.filter(relationship=relationship, title__iexact=facts.title).order_by("pk").first()
        )
        if found is None:
            # A visit is created proposed or confirmed, and completed once who took part is recorded.
            starts_as = VisitStatus.CONFIRMED if facts.status == VisitStatus.COMPLETED else facts.status
            new = {**values, **on_create, "status": starts_as}
            Visit(**new).full_clean()
            visit = visit_create(values=new, by=None)
            loader.created(visit)
        else:
            visit = loader.settle(found, values)
            if visit.status != facts.status:
                # Status moves only along recorded transitions; the demo does not force one.
                loader.warn(
                    f"the visit {visit} is {visit.get_status_display().lower()}, not "
                    f"{VisitStatus(facts.status).label.lower()} as in the report; left as it is."
                )

        for person in facts.participants:
            organisation = organisations[person.organisation] if person.organisation else None
            loader.ensure(
                Participant,
                visit.participants.filter(role=person.role, organisation=organisation).order_by("pk").first(),
                {"visit": visit, "role": person.role, "organisation": organisation},
                on_create={"name": person.name},
            )
        for meeting in facts.meetings:
            organisation = organisations[meeting.organisation]
            loader.ensure(
                Meeting,
                visit.meetings.filter(organisation=organisation).order_by("pk").first(),
                {"visit": visit, "organisation": organisation},
                on_create={"outcome": meeting.planned},
            )
        if facts.estimate is not None:
            # Added once: an estimate officers have since revised is theirs.
            have = visit.cost_items.count()
            if have:
                loader.result.present[CostItem] += have
            else:
                for item in visit_add_estimate(visit=visit, estimate=facts.estimate):
                    loader.created(item)

        if found is None and facts.status == VisitStatus.COMPLETED:
            visit_change_status(record=visit, to_status=VisitStatus.COMPLETED, by=None)
        visits[facts.title] = visit
    return visits


def _line_notes(facts: BudgetLineFacts, cost_centre: str) -> str:
    """The report's words, and while the cost centre is still the placeholder, that it is one."""
    return f"{facts.notes} {COST_CENTRE_NOTE}" if cost_centre == COST_CENTRE_TBC else facts.notes


def _load_budgets(
    loader: _Loader, relationships: dict[tuple[str, str], Relationship], visits: dict[str, Visit]
) -> None:
    years = {
        start: loader.ensure(
            FinancialYear, FinancialYear.objects.filter(start_year=start).first(), {"start_year": start}
        )
        for start in sorted({facts.start_year for facts in BUDGET_LINES})
    }

    lines: dict[tuple[int, str], BudgetLine] = {}
    for facts in BUDGET_LINES:
        year = years[facts.start_year]
        values: dict[str, Any] = {
            "financial_year": year,
            "title": facts.title,
            "funding_source": facts.funding_source,
            "amount": facts.amount,
        }
        found = (
            BudgetLine.objects.filter(
                financial_year=year, title__iexact=facts.title, funding_source=facts.funding_source
            )
            .order_by("pk")
            .first()
        )
        if found is None:
            new = {
                **values,
                "notes": _line_notes(facts, COST_CENTRE_TBC),
                "cost_centre": COST_CENTRE_TBC,
                "relationship": relationships[facts.relationship] if facts.relationship else None,
            }
            BudgetLine(**new, status=LineStatus.PROPOSED).full_clean()
            del new["financial_year"]
            line = budget_line_propose(year=facts.start_year, values=new, by=None)
            loader.created(line)
        else:
            values["notes"] = _line_notes(facts, found.cost_centre)
            if found.is_decided:
                # Finance's decision stands: a decided line is changed only by those
                # allowed to change it, never by the demo.
                differs = loader.differences(found, values)
                loader.result.present[BudgetLine] += 1
                loader.warn(
                    f"the budget line {found} is {found.get_status_display().lower()}, not proposed as "
                    "in the report; left as it is"
                    + (f" (its {', '.join(sorted(differs))} differ from the report)." if differs else ".")
                )
                line = found
            else:
                line = loader.settle(found, values)
        lines[(facts.start_year, facts.funding_source)] = line

    fco_line = lines[(SPEND_LINE_YEAR, FundingSource.FCO)]
    visit = visits[CHINA_VISIT]
    for category in SPEND_CATEGORIES:
        label = CostCategory(category).label
        item = visit.cost_items.filter(category=category).order_by("pk").first()
        if item is None:
            loader.warn(f"the visit {visit} has no {label.lower()} cost item; no spend recorded for it.")
            continue
        found = Spend.objects.filter(budget_line=fco_line, cost_item=item).order_by("pk").first()
        values = {"budget_line": fco_line, "cost_item": item, "visit": visit}
        if found is not None:
            loader.settle(found, values)
            continue
        if fco_line.status == LineStatus.REJECTED:
            loader.warn(f"the line {fco_line} was rejected; no spend recorded for the {label.lower()}.")
            continue
        if item.total <= 0:
            loader.warn(f"the {label.lower()} of {visit} cost £0; no spend recorded for them.")
            continue
        new = {
            **values,
            "description": f"{item.description or label} (estimate as at Cabinet 9 September 2015)",
            "amount": item.total,
            "spent_on": ESTIMATE_DATE,
            "status": SpendStatus.ESTIMATED,
        }
        Spend(**new).full_clean()
        del new["budget_line"]
        spend = spend_record(budget_line=fco_line, values=new, by=None, may_override=False)
        loader.created(spend)


def _wanted_paragraphs() -> list[tuple[str, int, int, str]]:
    """(part, section, position, text) in reading order; positions count from 1 in each section."""
    wanted = []
    for part, paragraphs in ((Part.BODY, BODY_PARAGRAPHS), (Part.IMPLICATIONS, IMPLICATION_PARAGRAPHS)):
        positions: Counter[int] = Counter()
        for section, text in paragraphs:
            positions[section] += 1
            wanted.append((str(part), section, positions[section], text))
    return sorted(wanted)


def _load_report(loader: _Loader) -> Report:
    """The Cabinet report of 9 September 2015, approved, with its paragraphs and sign-offs.

    A report officers have since published (or that is, for any reason, not
    approved) is left as it is, with a warning: a decided report is not the
    demo's to rewrite.
    """
    found = (
        Report.objects.filter(**CABINET_REPORT, supersedes__isnull=True).order_by("revision", "pk").first()
    )
    if found is None:
        # There is no approval service yet: the report is recorded as Cabinet approved it.
        report = Report(
            **CABINET_REPORT,
            **CABINET_REPORT_DETAILS,
            status=ReportStatus.APPROVED,
            approved_at=CABINET_APPROVED_AT,
            approved_by=None,
            is_exempt=False,
            is_key_decision=False,
        )
        report.full_clean()
        report.save()
        loader.created(report)
    elif found.status != ReportStatus.APPROVED:
        loader.warn(
            f"the report {found} is {found.get_status_display().lower()}, not approved as the demo "
            "records it; left as it is."
        )
        loader.result.present[Report] += 1
        return found
    else:
        report = loader.settle(found, CABINET_REPORT_DETAILS)

    wanted = _wanted_paragraphs()
    have = list(
        report.paragraphs.order_by("part", "section", "position", "pk").values_list(
            "part", "section", "position", "text"
        )
    )
    if have == wanted:
        loader.result.present[Paragraph] += len(have)
    else:
        # Any difference means the paragraphs, and so every number after it,
        # are not the report's: they are put back whole.
        for paragraph in report.paragraphs.all():
            paragraph.delete()
        for part, section, position, text in wanted:
            paragraph = Paragraph(report=report, part=part, section=section, position=position, text=text)
            paragraph.full_clean()
            paragraph.save()
            loader.created(paragraph)
        if found is not None:
            # The text is the report: a new version, so its PDF is made again.
            if (Report, report.pk) not in loader.touched:
                loader.result.present[Report] -= 1
                loader.result.updated[Report] += 1
                loader.touched.add((Report, report.pk))
            report.save()

    signed_off = False
    for role, officer_name in SIGN_OFFS.items():
        existing = report.sign_offs.filter(role=role).first()
        values = {
            "report": report,
            "role": role,
            "officer_name": officer_name,
            "is_required": bool(officer_name),
        }
        # A date an officer records later is kept; a missing one is filled in.
        if officer_name and (existing is None or existing.cleared_on is None):
            values["cleared_on"] = SIGN_OFFS_CLEARED_ON
        elif existing is None:
            values["cleared_on"] = None
        signed_off |= existing is None or bool(loader.differences(existing, values))
        loader.ensure(SignOff, existing, values)
    if signed_off and found is not None and (Report, report.pk) not in loader.touched:
        # The PDF prints the sign-off: a new version, so its PDF is made again.
        loader.result.present[Report] -= 1
        loader.result.updated[Report] += 1
        loader.touched.add((Report, report.pk))
        report.save()
    return report


def _render_report(loader: _Loader, report: Report) -> None:
    """Renders the report's PDF here and now unless its current version has a ready one.

    rendering_request also tells the worker after commit; the task then finds
    the row already ready and does nothing (it claims only a queued row), so
    there is one PDF whether tasks run eagerly or on a worker.
    """
    ready = Rendering.objects.filter(
        report=report, report_version=report.version, status=RenderingStatus.READY
    ).count()
    if ready:
        loader.result.present[Rendering] += ready
        return
    loader.say(f"Rendering the PDF of {report} ...")
    pending = Rendering.objects.filter(report=report, report_version=report.version).exclude(
        status=RenderingStatus.FAILED
    )
    was_pending = pending.exists()
    # Returns a queued one left by an earlier request instead of making a second.
    rendering = rendering_request(report=report, by=None)
    status = rendering_run(rendering_id=rendering.pk)
    if was_pending:
        loader.result.updated[Rendering] += 1
    else:
        loader.created(rendering)
    if status != RenderingStatus.READY:
        rendering.refresh_from_db(fields=["status", "error"])
        loader.warn(
            f"the PDF of {report} was not made ({rendering.get_status_display().lower()}: "
            f"{rendering.error or 'the log says why'}); retry it from the report's page."
        )


def _load_logins(loader: _Loader, password: str) -> None:
    User = get_user_model()
    for login in DEMO_LOGINS:
        group = Group.objects.get(name=login.role)
        user = User.objects.filter(username=login.username).first()
        if user is not None and not user.email.lower().endswith(f"@{DEMO_EMAIL_DOMAIN}"):
            loader.warn(
                f"a user called {login.username!r} exists and is not a demo login "
                f"({user.email or 'no email'}); it was left untouched."
            )
            continue
        values = {
            "username": login.username,
            "email": login.email,
            "first_name": login.first_name,
            "last_name": login.last_name,
            "is_active": True,
            "is_staff": login.role == roles.ADMINISTRATOR,
            "is_superuser": False,
        }
        if user is None:
            user = User(**values)
            user.set_password(password)
            user.save()
            user.groups.set([group])
            loader.created(user)
        else:
            changed = loader.differences(user, values)
            for name, value in changed.items():
                setattr(user, name, value)
            # check_password compares with the stored hash and saves nothing
            # (unless the hasher needs upgrading), so a second run writes nothing.
            if not user.check_password(password):
                user.set_password(password)
                changed["password"] = user.password
            if changed:
                user.save()
            if set(user.groups.values_list("pk", flat=True)) != {group.pk}:
                user.groups.set([group])
                changed["groups"] = [group]
            (loader.result.updated if changed else loader.result.present)[User] += 1
        loader.result.logins.append(login)


REGISTER_DRAFT_TITLE = "Overseas economic twinning: options from the register"


def _draft_from_register(loader: _Loader) -> Report:
    """A new options paper drafted from the register just loaded; made once, then left to officers."""
    from reports.drafting import report_draft_from_register

    existing = Report.objects.filter(title=REGISTER_DRAFT_TITLE, supersedes__isnull=True).first()
    if existing is not None:
        loader.result.present[Report] += 1
        return existing
    draft = report_draft_from_register(
        meeting_date=date(2015, 11, 11),
        title=REGISTER_DRAFT_TITLE,
        report_of="the Strategic Director for Neighbourhoods",
        by=None,
    )
    loader.created(draft)
    return draft


@transaction.atomic
def load_demo(*, with_users: bool, password: str, stdout: TextIO | None = None) -> DemoResult:
    """Loads the register described by the Cabinet report, and demo logins in DEBUG.

    Demo logins are made only when ``settings.DEBUG`` is on (the login backend
    refuses them otherwise); with DEBUG off a warning is recorded instead.
    Raises ValueError for an empty password. One transaction: all or nothing.
    """
    make_logins = with_users and settings.DEBUG
    if make_logins and not password:
        raise ValueError("The demo password is empty; set DEMO_PASSWORD.")
    result = DemoResult()
    loader = _Loader(result, stdout)
    relationships, organisations = _load_register(loader)
    visits = _load_visits(loader, relationships, organisations)
    _load_budgets(loader, relationships, visits)
    report = _load_report(loader)
    _render_report(loader, report)
    _draft_from_register(loader)
    if make_logins:
        _load_logins(loader, password)
    elif with_users:
        loader.warn("DEBUG is off, so no demo logins were made: the login page refuses them outside DEBUG.")
    return result
