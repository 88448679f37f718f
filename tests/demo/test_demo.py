"""The demo data recreates the Cabinet report of 9 September 2015, once."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.test import RequestFactory
from pypdf import PdfReader

from budgets.models import BudgetLine, FinancialYear, FundingSource, LineStatus, Spend, SpendStatus
from budgets.selectors import year_summary
from budgets.services import budget_line_decide
from core import roles
from delegations import models as delegations
from delegations.selectors import visit_detail, visit_estimate
from demo.register import load_demo
from partners import models as partners
from reports import models as reports
from reports import rendering as report_rendering
from reports.document import build_document
from reports.services import report_approval_blockers
from tests.factories import UserFactory
from tests.support.reports import render_each_html_once
from twinning.celery import app as celery_app

DEMO_PASSWORD = "demo-pass-for-tests"
DEMO_USERNAMES = {"officer", "finance", "leader", "admin"}

pytestmark = pytest.mark.django_db

SEED_TITLE = "Opportunities for Overseas Economic Twinning"


def _sign_in_request():
    """What the sign-in page hands to authenticate(): throttling needs the request."""
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.10")


# Every load renders the report's PDF; the same HTML is rendered once per test
# run and its PDF reused, so forty loads do not cost forty renders.
_PDFS: dict[str, report_rendering.Pdf] = {}


@pytest.fixture(autouse=True)
def each_html_rendered_once(monkeypatch):
    render_each_html_once(monkeypatch, _PDFS)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    return load_demo(with_users=True, password=DEMO_PASSWORD)


def _relationship(place: str, kind: str) -> partners.Relationship:
    return partners.Relationship.objects.get(place__name=place, kind=kind)


def test_the_five_places_carry_their_names_in_local_script(demo):
    local_names = dict(partners.Place.objects.values_list("name", "local_name"))

    assert local_names == {
        "Osnabrück": "Osnabrück",
        "Toyota City": "豊田市",
        "Xi'an": "西安市",
        "Hefei": "合肥市",
        "Zhejiang": "浙江省",
    }
    assert partners.Place.objects.get(name="Zhejiang").kind == "province"
    # The report's only population figure is China's, not any place's.
    assert not partners.Place.objects.filter(population__isnull=False).exists()


def test_toyota_city_is_shared_by_the_three_councils(demo):
    toyota = _relationship("Toyota City", partners.RelationshipKind.CIVIC)

    assert set(toyota.councils.values_list("name", flat=True)) == {
        "Derby City Council",
        "Derbyshire County Council",
        "South Derbyshire District Council",
    }
    assert toyota.status == partners.RelationshipStatus.ACTIVE
    assert toyota.established_year == 2000
    assert "fifteen year" in toyota.narrative
    assert set(toyota.stakeholders.values_list("organisation__name", flat=True)) == {
        "Toyota Motor Manufacturing UK",
        "Toyota City Council",
    }


def test_osnabruck_is_civic_and_educational_and_active(demo):
    osnabruck = partners.Relationship.objects.filter(place__name="Osnabrück")

    assert sorted(osnabruck.values_list("kind", "status")) == [
        (partners.RelationshipKind.CIVIC, partners.RelationshipStatus.ACTIVE),
        (partners.RelationshipKind.EDUCATIONAL, partners.RelationshipStatus.ACTIVE),
    ]
    # "Of long standing": no year is given, so none is invented.
    assert not osnabruck.filter(established_year__isnull=False).exists()


def test_xian_is_an_active_economic_link_resting_on_the_joint_venture(demo):
    xian = _relationship("Xi'an", partners.RelationshipKind.ECONOMIC)

    assert xian.status == partners.RelationshipStatus.ACTIVE
    assert "Rolls-Royce" in xian.narrative
    assert "two previous visits" in xian.narrative
    assert {"Rolls-Royce", "Xi'an Aerospace"} <= set(
        xian.stakeholders.values_list("organisation__name", flat=True)
    )
    # Its approach (para 4.8) attaches to the existing link rather than opening another.
    assert partners.Relationship.objects.filter(place__name="Xi'an").count() == 1
    assert xian.approaches.get().outcome == partners.ApproachOutcome.EXPLORING


@pytest.mark.parametrize("place", ["Hefei", "Zhejiang"])
def test_hefei_and_zhejiang_are_approaches_awaiting_a_response(demo, place):
    relationship = _relationship(place, partners.RelationshipKind.ECONOMIC)
    approach = partners.Approach.objects.get(place__name=place)

    assert relationship.status == partners.RelationshipStatus.APPROACH_RECEIVED
    assert approach.relationship == relationship
    assert approach.outcome == partners.ApproachOutcome.PENDING
    # The report dates neither approach.
    assert approach.received_on is None
    assert approach.respond_by is None


def test_the_hefei_approach_came_through_the_deputy_consul_general(demo):
    approach = partners.Approach.objects.get(place__name="Hefei")

    assert approach.via_organisation.name == "British Consulate-General Shanghai"
    assert approach.via_contact.job_title == "British Deputy Consul General, Shanghai"
    assert "October 2015" in approach.request


def test_every_relationship_records_the_status_it_started_in(demo):
    for relationship in partners.Relationship.objects.all():
        first = partners.RelationshipStatusChange.objects.filter(relationship=relationship).get()
        assert (first.from_status, first.to_status) == ("", relationship.status)


def test_the_deputy_consul_general_is_known_by_post_not_name(demo):
    contact = partners.Contact.objects.get(job_title="British Deputy Consul General, Shanghai")

    assert contact.name == ""
    assert contact.organisation.name == "British Consulate-General Shanghai"
    assert "para 4.10" in contact.notes


def test_the_six_actions_carry_their_cabinet_sources(demo):
    actions = {
        action.source: action for action in partners.Action.objects.select_related("relationship__place")
    }

    assert set(actions) == {
        "Cabinet 9 September 2015, recommendation 2.1",
        "Cabinet 9 September 2015, recommendation 2.2",
        "Cabinet 9 September 2015, recommendation 2.3",
        "Cabinet 9 September 2015, recommendation 2.4",
        "Cabinet 9 September 2015, para 4.4",
        "Cabinet 9 September 2015, para 4.7",
    }
    places = {source: a.relationship.place.name if a.relationship else None for source, a in actions.items()}
    assert places == {
        "Cabinet 9 September 2015, recommendation 2.1": "Zhejiang",
        "Cabinet 9 September 2015, recommendation 2.2": "Hefei",
        "Cabinet 9 September 2015, recommendation 2.3": None,
        "Cabinet 9 September 2015, recommendation 2.4": None,
        "Cabinet 9 September 2015, para 4.4": "Toyota City",
        "Cabinet 9 September 2015, para 4.7": "Xi'an",
    }
    # Only recommendation 2.1 has a date in the report; no owner is named.
    due = {source: a.due_on for source, a in actions.items() if a.due_on}
    assert due == {"Cabinet 9 September 2015, recommendation 2.1": datetime.date(2015, 9, 16)}
    assert all(a.status == partners.ActionStatus.OPEN and a.owner is None for a in actions.values())


def test_the_toyota_city_secondment_lasts_twelve_months(demo):
    secondment = partners.Exchange.objects.get(kind=partners.ExchangeKind.SECONDMENT)

    assert secondment.relationship == _relationship("Toyota City", partners.RelationshipKind.CIVIC)
    assert secondment.title == "Senior Policy Officer from Toyota City"
    assert secondment.host == "Derbyshire County Council"
    assert secondment.duration_months == 12
    assert secondment.starts_on is None and secondment.ends_on is None


def test_cbbc_advises_on_the_three_chinese_links(demo):
    places = partners.Stakeholder.objects.filter(
        organisation__name="China-Britain Business Council"
    ).values_list("relationship__place__name", flat=True)

    assert sorted(places) == ["Hefei", "Xi'an", "Zhejiang"]


def _visit(title: str) -> delegations.Visit:
    return visit_detail().get(title=title)


def test_the_zhejiang_delegation_is_proposed_for_15_and_16_september(demo):
    visit = _visit("Zhejiang province delegation to Derby")

    assert visit.relationship == _relationship("Zhejiang", partners.RelationshipKind.ECONOMIC)
    assert (visit.direction, visit.purpose, visit.status) == ("inbound", "exploratory", "proposed")
    assert (visit.starts_on, visit.ends_on) == (datetime.date(2015, 9, 15), datetime.date(2015, 9, 16))
    assert not visit.dates_are_approximate
    assert visit.location == "Derby"
    # The report does not say who pays for the Zhejiang visit.
    assert visit.funder == delegations.Funder.NOT_RECORDED and visit.funder_organisation is None
    # No one is named, nothing has come of it yet, and recommendation 2.1 precedes it.
    assert not visit.participants.all() and not visit.meetings.all()
    assert visit.outcomes == "" and visit.lead_officer is None
    assert not visit.follow_ups.all()


def test_the_hefei_delegation_comes_in_october_with_the_deputy_consul_general(demo):
    visit = _visit("Hefei City delegation to Derby")

    assert visit.relationship == _relationship("Hefei", partners.RelationshipKind.ECONOMIC)
    assert (visit.direction, visit.purpose, visit.status) == ("inbound", "exploratory", "proposed")
    # "In October": the month only, marked approximate; no end date invented.
    assert visit.starts_on == datetime.date(2015, 10, 1)
    assert visit.dates_are_approximate
    assert visit.ends_on is None
    assert visit.funder == delegations.Funder.FCO
    assert visit.funder_organisation.name == "Foreign and Commonwealth Office"
    (consul,) = visit.participants.all()
    assert consul.name == "British Deputy Consul General, Shanghai"
    assert consul.role == delegations.ParticipantRole.CONSULAR
    assert consul.organisation.name == "British Consulate-General Shanghai"
    (meeting,) = visit.meetings.all()
    assert meeting.organisation.name == "Derby and Derbyshire Rail"
    assert meeting.held_on is None
    assert meeting.outcome.startswith("Planned: ") and "UK rail in China" in meeting.outcome


def test_the_exploratory_visit_to_china_is_four_people_four_nights_about_4000_pounds(demo):
    visit = _visit("Exploratory visit to China")
    items = list(visit.cost_items.all())

    assert visit.relationship == _relationship("Xi'an", partners.RelationshipKind.ECONOMIC)
    assert (visit.direction, visit.purpose, visit.status) == (
        delegations.Direction.OUTBOUND,
        delegations.Purpose.EXPLORATORY,
        delegations.VisitStatus.PROPOSED,
    )
    assert visit.starts_on is None and visit.ends_on is None and not visit.dates_are_approximate
    assert visit.party_size == 4
    assert visit.funder == delegations.Funder.FCO
    assert visit.funder_organisation.name == "Foreign and Commonwealth Office"
    # The report names no city and gives only the total: the visit says both.
    assert "Destination city not yet chosen" in visit.outcomes
    assert "illustrative" in visit.outcomes
    assert len(items) == 4
    assert sum((item.quantity * item.unit_cost for item in items), Decimal("0")) == Decimal("4000.00")
    assert {delegations.CostCategory.CIVIC_GIFTS, delegations.CostCategory.PRESENTATION} <= {
        item.category for item in items
    }
    accommodation = next(item for item in items if item.category == delegations.CostCategory.ACCOMMODATION)
    assert accommodation.quantity == 16  # four people for four nights
    assert {item.funder for item in items} == {delegations.Funder.FCO}
    estimate = visit_estimate(visit)
    assert estimate.total == Decimal("4000.00")
    assert estimate.council_cost == 0


@pytest.mark.parametrize(
    ("place", "kind", "direction", "count", "role"),
    [
        (
            "Xi'an",
            partners.RelationshipKind.ECONOMIC,
            delegations.Direction.INBOUND,
            2,
            delegations.ParticipantRole.PARTNER_OFFICIAL,
        ),
        (
            "Toyota City",
            partners.RelationshipKind.CIVIC,
            delegations.Direction.OUTBOUND,
            3,
            delegations.ParticipantRole.OFFICER,
        ),
    ],
)
def test_the_earlier_visits_are_completed_and_undated(demo, place, kind, direction, count, role):
    visits = visit_detail().filter(relationship=_relationship(place, kind), purpose=delegations.Purpose.TRADE)

    assert len(visits) == count
    for visit in visits:
        assert visit.direction == direction
        assert visit.status == delegations.VisitStatus.COMPLETED
        # The report gives no dates, so none is invented and none is marked approximate.
        assert visit.starts_on is None and visit.ends_on is None
        assert not visit.dates_are_approximate
        assert visit.funder == delegations.Funder.NOT_RECORDED  # nor who paid
        (group,) = visit.participants.all()
        assert group.role == role and "names not recorded" in group.name
        moves = [(change.from_status, change.to_status) for change in visit.status_changes.all()]
        assert moves == [
            ("", delegations.VisitStatus.CONFIRMED),
            (delegations.VisitStatus.CONFIRMED, delegations.VisitStatus.COMPLETED),
        ]


def test_the_demo_makes_eight_visits_and_no_follow_ups(demo):
    assert delegations.Visit.objects.count() == 8
    assert not delegations.VisitFollowUp.objects.exists()
    for visit in delegations.Visit.objects.exclude(status=delegations.VisitStatus.COMPLETED):
        first = delegations.VisitStatusChange.objects.filter(visit=visit).get()
        assert (first.from_status, first.to_status) == ("", visit.status)


def test_what_officers_record_on_visits_where_the_report_is_silent_is_kept(demo):
    hefei = delegations.Visit.objects.get(title="Hefei City delegation to Derby")
    hefei.starts_on, hefei.ends_on = datetime.date(2015, 10, 20), datetime.date(2015, 10, 21)
    hefei.dates_are_approximate = False
    hefei.save()
    consul = delegations.Participant.objects.get(visit=hefei)
    consul.name = "A. N. Other"
    consul.save()
    meeting = hefei.meetings.get()
    meeting.outcome = "Two rail companies asked for introductions."
    meeting.save()
    china = delegations.Visit.objects.get(title="Exploratory visit to China")
    china.cost_items.filter(category=delegations.CostCategory.CIVIC_GIFTS).update(unit_cost=Decimal("300.00"))

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert not result.created and not result.updated
    hefei.refresh_from_db()
    assert hefei.starts_on == datetime.date(2015, 10, 20) and not hefei.dates_are_approximate
    assert delegations.Participant.objects.get(visit=hefei).name == "A. N. Other"
    assert hefei.meetings.get().outcome == "Two rail companies asked for introductions."
    assert china.cost_items.count() == 4
    assert china.cost_items.get(category=delegations.CostCategory.CIVIC_GIFTS).unit_cost == Decimal("300.00")


def test_a_run_puts_back_what_the_report_says_of_a_visit(demo):
    visit = delegations.Visit.objects.get(title="Zhejiang province delegation to Derby")
    visit.ends_on = datetime.date(2015, 9, 18)
    visit.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    visit.refresh_from_db()
    assert visit.ends_on == datetime.date(2015, 9, 16)
    assert result.updated[delegations.Visit] == 1 and result.updated.total() == 1


def test_a_visit_moved_on_by_officers_is_left_in_its_status_with_a_warning(demo):
    visit = delegations.Visit.objects.get(title="Zhejiang province delegation to Derby")
    visit.status = delegations.VisitStatus.CONFIRMED
    visit.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    visit.refresh_from_db()
    assert visit.status == delegations.VisitStatus.CONFIRMED
    assert any("Zhejiang province delegation to Derby" in warning for warning in result.warnings)
    assert not result.created and not result.updated


def _lines_by_year(**filters) -> dict[str, BudgetLine]:
    lines = BudgetLine.objects.filter(**filters).select_related("financial_year")
    return {line.financial_year.label: line for line in lines}


def test_the_council_is_to_find_5000_then_20000_a_year_in_new_revenue_budget(demo):
    lines = _lines_by_year(funding_source=FundingSource.COUNCIL)

    # Implications 1.1: £5,000 in 2016–17 and £20,000 in 2017–18 and future years.
    assert {label: line.amount for label, line in lines.items()} == {
        "2016–17": Decimal("5000.00"),
        "2017–18": Decimal("20000.00"),
        "2018–19": Decimal("20000.00"),
    }
    for line in lines.values():
        # "Currently there is no budget": proposed, and nobody has decided them.
        assert line.status == LineStatus.PROPOSED
        assert line.decided_by is None and line.decided_at is None and line.decision_comment == ""
        assert line.proposed_by is None
        assert line.title == "Overseas economic twinning"
        # For the China and Japan options together; the report gives no cost centre.
        assert line.relationship is None
        assert line.cost_centre == "TBC"
        assert "Cost centre to be confirmed; the report names none." in line.notes
        assert "Implications 1.1" in line.notes and "Para 4.12" in line.notes
    assert "maximum of 25% of this budget (£5,000)" in lines["2016–17"].notes


def test_the_fco_is_to_fund_the_4000_pound_exploratory_visit_in_2015_16(demo):
    (line,) = BudgetLine.objects.filter(funding_source=FundingSource.FCO)

    assert line.financial_year.label == "2015–16"
    assert line.amount == Decimal("4000.00")
    assert line.status == LineStatus.PROPOSED and line.decided_at is None
    assert line.title == "Exploratory visit to China (FCO funding)"
    assert line.relationship == _relationship("Xi'an", partners.RelationshipKind.ECONOMIC)
    assert line.cost_centre == "TBC"
    assert "para 4.11" in line.notes and "Para 4.12" in line.notes
    assert sorted(FinancialYear.objects.values_list("start_year", flat=True)) == [2015, 2016, 2017, 2018]


def test_the_china_visits_gifts_and_materials_are_estimated_spend_on_the_fco_line(demo):
    visit = delegations.Visit.objects.get(title="Exploratory visit to China")
    spend = {s.cost_item.category: s for s in Spend.objects.select_related("cost_item", "budget_line")}

    assert set(spend) == {delegations.CostCategory.CIVIC_GIFTS, delegations.CostCategory.PRESENTATION}
    for row in spend.values():
        assert row.status == SpendStatus.ESTIMATED
        assert row.visit == visit and row.cost_item.visit == visit
        assert row.budget_line.funding_source == FundingSource.FCO
        assert row.amount == row.cost_item.total
        # The report gives no date: the day of the Cabinet report, when the estimate was made.
        assert row.spent_on == datetime.date(2015, 9, 9)
        assert row.reference == "" and row.supplier == "" and row.recorded_by is None
    assert (
        spend[delegations.CostCategory.CIVIC_GIFTS].description
        == "Civic gifts (estimate as at Cabinet 9 September 2015)"
    )
    assert spend[delegations.CostCategory.PRESENTATION].description.startswith(
        "Presentation materials (estimate"
    )
    assert sum((row.amount for row in spend.values()), Decimal("0")) == Decimal("440.00")


def test_the_2015_16_figures_show_the_estimate_against_a_proposed_line(demo):
    summary = year_summary(FinancialYear.objects.get(start_year=2015))

    assert summary.total.estimated == Decimal("440.00")
    assert summary.total.committed == Decimal("0.00")
    assert summary.total.budget == Decimal("0.00")  # proposed lines are shown, not counted
    assert summary.total.proposed == Decimal("4000.00")
    own, external = summary.groups
    assert not own.rows
    assert [line.title for line, _ in external.rows] == ["Exploratory visit to China (FCO funding)"]


def test_what_officers_and_finance_record_on_budgets_is_kept(demo, settings):
    line = BudgetLine.objects.get(financial_year__start_year=2016)
    line.cost_centre = "R1234"
    line.save()
    gifts = Spend.objects.get(cost_item__category=delegations.CostCategory.CIVIC_GIFTS)
    gifts.amount, gifts.spent_on = Decimal("310.00"), datetime.date(2015, 10, 2)
    gifts.save()
    # Finance approves the 2017–18 line, then changes its amount.
    budget_line_decide(
        record=BudgetLine.objects.get(financial_year__start_year=2017),
        to_status=LineStatus.APPROVED,
        note="Agreed for 2017–18.",
        by=UserFactory(roles=[roles.FINANCE]),
    )
    approved = BudgetLine.objects.get(financial_year__start_year=2017)
    approved.amount = Decimal("18000.00")
    approved.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    line.refresh_from_db()
    assert line.cost_centre == "R1234"
    # The placeholder is gone, so the note that it is one goes too; the report's words stay.
    assert result.updated[BudgetLine] == 1
    assert "Cost centre to be confirmed" not in line.notes and "Implications 1.1" in line.notes
    gifts.refresh_from_db()
    assert (gifts.amount, gifts.spent_on) == (Decimal("310.00"), datetime.date(2015, 10, 2))
    # Finance's decision stands, amount and all; the run says so.
    approved.refresh_from_db()
    assert approved.status == LineStatus.APPROVED and approved.amount == Decimal("18000.00")
    assert any("2017–18" in warning and "approved" in warning for warning in result.warnings)
    assert not result.created and result.updated.total() == 1


def test_a_run_puts_back_what_the_report_says_of_a_proposed_line(demo):
    line = BudgetLine.objects.get(financial_year__start_year=2018)
    line.amount = Decimal("25000.00")
    line.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    line.refresh_from_db()
    assert line.amount == Decimal("20000.00") and line.status == LineStatus.PROPOSED
    assert result.updated[BudgetLine] == 1 and result.updated.total() == 1


# --- The Cabinet report itself ---------------------------------------------------------

REPORT_KEY = {
    "committee": "Council Cabinet",
    "meeting_date": datetime.date(2015, 9, 9),
    "title": "Opportunities for Overseas Economic Twinning",
}


def _report() -> reports.Report:
    return reports.Report.objects.prefetch_related("paragraphs", "sign_offs").get(**REPORT_KEY)


def test_the_report_is_recorded_as_cabinet_approved_it(demo):
    report = _report()

    assert report.report_of == "the Strategic Director for Neighbourhoods"
    assert (report.author_name, report.contact_phone, report.contact_email) == (
        "Richard Williams",
        "01332 642436",
        "richard.williams@derby.gov.uk",
    )
    assert report.background_papers == "None"
    assert report.appendices == "Appendix 1 – Implications"
    assert not report.is_exempt and report.exempt_paragraph is None
    assert not report.is_key_decision  # the report does not say it is one
    assert report.status == reports.ReportStatus.APPROVED
    # No approver is named; the meeting's day is the date of the decision.
    assert report.approved_by is None
    assert report.approved_at == datetime.datetime(2015, 9, 9, 12, tzinfo=ZoneInfo("Europe/London"))
    assert report.revision == 1 and report.supersedes is None


def test_the_report_is_numbered_paragraph_for_paragraph_as_printed(demo):
    document = build_document(_report())

    numbers = {section.number: [p.number for p in section.paragraphs] for section in document.body}
    assert numbers == {
        1: ["1.1", "1.2"],
        2: ["2.1", "2.2", "2.3", "2.4"],
        3: ["3.1", "3.2", "3.3"],
        4: [f"4.{n}" for n in range(1, 13)],
        5: ["5.1", "5.2"],
    }
    implications = {
        section.title: [p.number for p in section.paragraphs] for section in document.implications
    }
    assert implications == {
        "Financial and Value for Money": ["1.1"],
        "Legal": ["2.1"],
        "Personnel": ["3.1"],
        "IT": ["4.1"],
        "Equalities Impact": ["5.1"],
        "Health and Safety": ["6.1"],
        "Environmental Sustainability": ["7.1"],
        "Property and Asset Management": ["8.1"],
        "Risk Management": ["9.1"],
        "Corporate objectives and priorities for change": ["10.1", "10.2"],
    }
    text = {p.number: p.text for section in document.body for p in section.paragraphs}
    assert text["1.1"] == (
        "This report is an options paper on the potential for Derby to have economic twinning links "
        "with cities in other countries."
    )
    assert text["5.1"] == "Doing nothing is not an option."
    # Printed spellings are kept: this is the record of what Cabinet read.
    assert "long standing with Osnabruck, in Germany" in text["4.1"]
    assert "an economic twinning with Xian City" in text["4.5"]
    assert "a four person visit to China taking four nights would cost circa £4,000." in text["4.11"]
    assert text["4.12"].endswith("a maximum of 25% of this budget (£5,000).")
    assert "China–Britain Business Council (CBBC)" in text["2.3"]
    financial = document.implications[0].paragraphs[0].text
    assert financial == (
        "Currently there is no budget to cover the costs contained within this report. A new revenue "
        "budget will have to be identified at £5,000 in 2016–17 and £20,000 in 2017–18 and future years."
    )
    assert [p.text for p in document.implications[9].paragraphs] == [
        "An ambitious and forward looking city with good prospects for everyone.",
        "A strong community where businesses are supported to grow.",
    ]
    assert reports.Paragraph.objects.filter(report__title=SEED_TITLE, part=reports.Part.BODY).count() == 23
    assert (
        reports.Paragraph.objects.filter(report__title=SEED_TITLE, part=reports.Part.IMPLICATIONS).count()
        == 11
    )


def test_the_sign_offs_name_the_officers_who_cleared_it_the_day_before_the_meeting(demo):
    sign_offs = {
        s.role: (s.officer_name, s.cleared_on, s.is_required)
        for s in reports.SignOff.objects.filter(report=_report())
    }

    day_before = datetime.date(2015, 9, 8)
    assert sign_offs == {
        reports.SignOffRole.LEGAL: ("Monitoring Officer", day_before, True),
        reports.SignOffRole.FINANCIAL: ("Amanda Fletcher, Head of Finance", day_before, True),
        reports.SignOffRole.HR: ("", None, False),
        reports.SignOffRole.ESTATES: ("", None, False),
        reports.SignOffRole.SERVICE_DIRECTOR: ("Strategic Director for Neighbourhoods", day_before, True),
        reports.SignOffRole.OTHER: ("Richard Williams", day_before, True),
    }


def test_every_approved_or_published_demo_report_passes_the_rule_for_approval(demo):
    decided = list(
        reports.Report.objects.exclude(status=reports.ReportStatus.DRAFT).prefetch_related(
            "paragraphs", "sign_offs"
        )
    )

    assert decided, "the demo has no approved report"
    # The rule the Leader's Office's approval is held to: every required sign-off cleared.
    assert {report.title: report_approval_blockers(report) for report in decided} == {
        report.title: [] for report in decided
    }


def test_a_demo_loaded_before_the_sign_offs_were_cleared_has_them_cleared_and_its_pdf_made_again(demo):
    report = _report()
    reports.SignOff.objects.filter(report=report).update(cleared_on=None)
    reports.SignOff.objects.filter(report=report, role__in=["legal", "service_director"]).update(
        officer_name="", is_required=False
    )
    version = report.version

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    report = _report()
    assert report_approval_blockers(report) == []
    assert report.version == version + 1
    assert result.updated[reports.Report] == 1 and result.updated[reports.SignOff] == 4
    assert reports.Rendering.objects.get(report=report, report_version=report.version).status == "ready"


def test_the_report_has_one_ready_pdf_of_its_current_version(demo):
    report = _report()
    (rendering,) = reports.Rendering.objects.filter(report=report)

    assert rendering.status == reports.RenderingStatus.READY
    assert rendering.report_version == report.version
    assert rendering.requested_by is None and rendering.error == ""
    content = bytes(rendering.pdf)
    assert content.startswith(b"%PDF-")
    assert rendering.sha256 == hashlib.sha256(content).hexdigest()
    assert rendering.size_bytes == len(content)
    assert rendering.page_count == len(PdfReader(BytesIO(content)).pages)
    assert (
        "Opportunities for Overseas Economic Twinning" in PdfReader(BytesIO(content)).pages[0].extract_text()
    )


def test_the_task_told_after_commit_finds_the_pdf_made_and_makes_no_second(
    settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    # As in the embedded mode, the task runs in-process when the transaction
    # commits (in the services run too, so that nothing is sent to Redis).
    before = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=True)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            load_demo(with_users=False, password=DEMO_PASSWORD)
    finally:
        celery_app.conf.update(task_always_eager=before)

    assert callbacks, "the worker was not told after commit"
    (rendering,) = reports.Rendering.objects.all()
    assert rendering.status == reports.RenderingStatus.READY
    assert rendering.attempts == 1


def test_a_second_run_leaves_the_pdf_as_it_was(demo):
    before = reports.Rendering.objects.values("pk", "sha256", "finished_at", "attempts").get()

    again = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert reports.Rendering.objects.values("pk", "sha256", "finished_at", "attempts").get() == before
    assert again.present[reports.Rendering] == 1 and not again.created


def test_a_changed_paragraph_is_put_back_and_the_pdf_made_again(demo):
    report = _report()
    version = report.version
    paragraph = report.paragraphs.get(part=reports.Part.BODY, section=4, position=11)
    paragraph.text = "A visit would cost circa £40,000."
    paragraph.save()
    report.paragraphs.get(part=reports.Part.IMPLICATIONS, section=10, position=2).delete()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    report = _report()
    assert "circa £4,000." in report.paragraphs.get(part=reports.Part.BODY, section=4, position=11).text
    assert report.paragraphs.count() == 34
    assert report.version == version + 1
    assert result.updated[reports.Report] == 1 and result.created[reports.Paragraph] == 34
    assert result.created[reports.Rendering] == 1
    current = reports.Rendering.objects.get(report=report, report_version=report.version)
    assert current.status == reports.RenderingStatus.READY
    assert reports.Rendering.objects.filter(report=report).count() == 2  # the earlier PDF is kept

    again = load_demo(with_users=True, password=DEMO_PASSWORD)
    assert not again.created and not again.updated


def test_a_date_an_officer_records_on_a_sign_off_is_kept(demo):
    finance = reports.SignOff.objects.get(report__title=SEED_TITLE, role=reports.SignOffRole.FINANCIAL)
    finance.cleared_on = datetime.date(2015, 9, 1)
    finance.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    finance.refresh_from_db()
    assert finance.cleared_on == datetime.date(2015, 9, 1)
    assert not result.created and not result.updated


def test_a_run_puts_back_the_contact_details_the_report_prints(demo):
    reports.Report.objects.filter(**REPORT_KEY).update(contact_phone="01332 000000")

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    report = _report()
    assert report.contact_phone == "01332 642436"
    assert result.updated[reports.Report] == 1 and result.updated.total() == 1
    # The contact box is printed, so the new version gets its own PDF.
    assert result.created[reports.Rendering] == 1


def test_a_published_report_is_left_as_it_is_with_a_warning(demo):
    reports.Report.objects.filter(**REPORT_KEY).update(
        status=reports.ReportStatus.PUBLISHED, contact_phone="01332 111111"
    )

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    report = _report()
    assert report.status == reports.ReportStatus.PUBLISHED and report.contact_phone == "01332 111111"
    assert any(
        "Opportunities for Overseas Economic Twinning" in w and "published" in w for w in result.warnings
    )
    assert not result.created and not result.updated


def test_a_later_revision_with_the_same_title_is_not_mistaken_for_the_report(demo):
    original = _report()
    reports.Report.objects.create(**REPORT_KEY, report_of="the Leader", revision=2, supersedes=original)

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert not result.created and not result.updated
    assert reports.Report.objects.filter(**REPORT_KEY).count() == 2


def test_a_pdf_that_fails_is_recorded_with_its_error_in_the_log_and_made_on_the_next_run(
    settings, monkeypatch, caplog
):
    settings.DEBUG = True

    def broken(html: str) -> report_rendering.Pdf:
        raise RuntimeError("no fonts on this worker")

    monkeypatch.setattr(report_rendering, "render_pdf", broken)
    result = load_demo(with_users=False, password=DEMO_PASSWORD)

    failed = reports.Rendering.objects.get()
    assert failed.status == reports.RenderingStatus.FAILED
    assert failed.failure == reports.RenderingFailure.ERROR
    # The exception is for the log; the rendering keeps only what its page says.
    assert "RuntimeError: no fonts on this worker" in caplog.text
    assert any("was not made" in warning for warning in result.warnings)

    monkeypatch.undo()
    again = load_demo(with_users=False, password=DEMO_PASSWORD)

    assert again.created[reports.Rendering] == 1
    assert reports.Rendering.objects.filter(status=reports.RenderingStatus.READY).count() == 1


def _every_table() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _versions() -> dict[str, int | None]:
    return {
        model._meta.label: model._default_manager.aggregate(total=Sum("version"))["total"]
        for model in apps.get_models()
        if any(f.name == "version" for f in model._meta.concrete_fields)
        and not model.__name__.startswith("Historical")
    }


def test_a_second_run_changes_nothing(demo, settings):
    tables = _every_table()
    versions = _versions()
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    assert tables["partners.HistoricalRelationship"] > 0  # the first run did write history
    assert tables["delegations.HistoricalVisit"] > 0
    assert tables["delegations.HistoricalCostItem"] > 0
    assert tables["budgets.FinancialYear"] == 4
    assert tables["budgets.HistoricalBudgetLine"] == 4  # one record per line, from its proposal
    assert tables["budgets.HistoricalSpend"] == 2
    # The seed report, and the options paper drafted from the register.
    assert tables["reports.Report"] == 2 and tables["reports.HistoricalReport"] == 2
    assert reports.Paragraph.objects.filter(report__title=SEED_TITLE).count() == 34
    assert tables["reports.SignOff"] == 12 and tables["reports.Rendering"] == 1
    assert {
        "partners.Relationship",
        "delegations.Visit",
        "delegations.CostItem",
        "budgets.BudgetLine",
        "budgets.Spend",
        "reports.Report",
    } <= set(versions)

    again = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert _every_table() == tables
    assert _versions() == versions
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert not again.created and not again.updated
    assert again.present.total() == demo.created.total()


def test_a_run_puts_back_what_the_report_says_and_nothing_more(demo):
    toyota = _relationship("Toyota City", partners.RelationshipKind.CIVIC)
    toyota.narrative = "Edited by hand"
    toyota.next_review_on = datetime.date(2026, 1, 1)
    toyota.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    toyota.refresh_from_db()
    assert "fifteen year" in toyota.narrative
    assert toyota.next_review_on == datetime.date(2026, 1, 1)  # the report is silent on it
    assert result.updated.total() == 1
    assert not result.created


def test_a_run_restores_a_missing_council_and_keeps_one_an_officer_added(demo):
    toyota = _relationship("Toyota City", partners.RelationshipKind.CIVIC)
    derbyshire = toyota.councils.get(name="Derbyshire County Council")
    toyota.councils.remove(derbyshire)
    xian = _relationship("Xi'an", partners.RelationshipKind.ECONOMIC)
    xian.councils.add(derbyshire)

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert toyota.councils.filter(pk=derbyshire.pk).exists()
    assert xian.councils.filter(pk=derbyshire.pk).exists()
    assert result.updated[partners.Relationship] == 1


def test_a_changed_demo_password_takes_effect_on_the_next_run(demo, settings):
    load_demo(with_users=True, password="a-new-demo-password")

    assert authenticate(_sign_in_request(), username="officer", password="a-new-demo-password") is not None
    assert authenticate(_sign_in_request(), username="officer", password=DEMO_PASSWORD) is None


def test_demo_logins_are_made_in_debug_one_per_role(demo):
    users = {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}

    assert set(users) == DEMO_USERNAMES
    assert {name: roles.role_names(user) for name, user in users.items()} == {
        "officer": [roles.OFFICER],
        "finance": [roles.FINANCE],
        "leader": [roles.LEADERS_OFFICE],
        "admin": [roles.ADMINISTRATOR],
    }
    assert all(user.email == f"{name}@demo.invalid" for name, user in users.items())
    assert users["admin"].is_staff and not users["admin"].is_superuser
    assert not users["officer"].is_staff


def test_no_demo_logins_are_made_outside_debug(settings):
    settings.DEBUG = False

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()
    assert not result.logins
    assert any("DEBUG is off" in warning for warning in result.warnings)
    assert partners.Place.objects.count() == 5  # the register itself is still loaded


def test_demo_officer_cannot_log_in_once_debug_is_off(demo, settings, password):
    UserFactory(username="nadia", roles=[roles.OFFICER])
    settings.DEBUG = False

    assert authenticate(_sign_in_request(), username="officer", password=DEMO_PASSWORD) is None
    assert authenticate(_sign_in_request(), username="nadia", password=password) is not None


def test_a_demo_login_given_a_real_email_is_still_refused_outside_debug(demo, settings):
    get_user_model().objects.filter(username="officer").update(email="olivia@derby.gov.uk")
    settings.DEBUG = False

    assert authenticate(_sign_in_request(), username="officer", password=DEMO_PASSWORD) is None


def test_demo_officer_can_log_in_in_debug(demo, settings):
    settings.DEBUG = True

    user = authenticate(_sign_in_request(), username="officer", password=DEMO_PASSWORD)

    assert user is not None and user.username == "officer"
    assert authenticate(_sign_in_request(), username="officer", password="wrong-password") is None


def test_an_existing_user_with_a_demo_name_is_left_alone(settings, password):
    settings.DEBUG = True
    real = UserFactory(username="admin", roles=[roles.OFFICER])

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    real.refresh_from_db()
    assert real.email == "admin@council.example"
    assert roles.role_names(real) == [roles.OFFICER]
    assert real.check_password(password)
    assert any("'admin'" in warning for warning in result.warnings)


def test_the_command_prints_the_demo_logins_and_what_it_did(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "twinning-demo"
    out = StringIO()

    call_command("load_demo", stdout=out)

    output = out.getvalue()
    for username, role in [
        ("officer", "Officer"),
        ("finance", "Finance"),
        ("leader", "Leader's Office"),
        ("admin", "Administrator"),
    ]:
        assert f"{username:<8} {role}" in output
    assert "'twinning-demo', the default" in output
    assert "124 created" in output
    assert "2 reports" in output and "34 paragraphs" in output and "1 rendering," in output
    assert "6 sign offs" in output
    assert "4 cost items" in output and "1 meeting," in output
    assert "4 financial years" in output and "4 budget lines" in output and "2 spend," in output
    assert "6 participants" in output and "8 visits" in output
    assert authenticate(_sign_in_request(), username="leader", password="twinning-demo") is not None

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "0 created, 0 updated, 124 already present" in out.getvalue()


def test_the_command_uses_but_never_prints_a_password_from_the_environment(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "set-in-the-environment"
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "set-in-the-environment" not in out.getvalue()
    assert "the value of DEMO_PASSWORD" in out.getvalue()
    assert authenticate(_sign_in_request(), username="finance", password="set-in-the-environment") is not None


def test_the_command_says_why_there_are_no_logins_outside_debug(settings):
    settings.DEBUG = False
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "DEBUG is off" in out.getvalue()
    assert "officer " not in out.getvalue()
    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()
