"""Browser tests (Playwright, Debian Chromium): one decision-support journey per role.

- An officer searches for "西安" from the header, opens the approach from
  Xi'an, scores it against the council's criteria (a score without a reason is
  refused beside the field), and sees the total and reasons; the approaches
  list ranked by triage score puts it first.
- Finance opens the home page and reads the current year's position and the
  line awaiting a decision, then turns the daily digest email off.
- The Leader's Office opens relationship health, sees the red link first and
  opens its evidence with the outcomes recorded.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from budgets.models import FinancialYear
from overview.models import UserSettings
from partners.models import ApproachScore, TriageCriterion
from tests import factories as make
from tests.support.browser import sign_in


def the_councils_criteria() -> None:
    """The criteria the data migration gives a new register. Browser tests run on a
    database emptied between tests, which takes migration data with it."""
    defaults = importlib.import_module("partners.migrations.0004_default_triage_criteria")
    for position, (name, question, weight) in enumerate(defaults.CRITERIA, start=1):
        TriageCriterion.objects.get_or_create(
            name=name, defaults={"question": question, "weight": weight, "position": position}
        )


def test_an_officer_finds_an_approach_by_its_chinese_name_and_scores_it(page: Page, officer) -> None:
    the_councils_criteria()
    xian = make.PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    make.ApproachFactory(place=xian, request="Asks for an aerospace partnership.")
    make.ApproachFactory(place=make.PlaceFactory(name="Osaka", local_name="大阪市", country="Japan"))

    sign_in(page, officer.username)
    search = page.get_by_role("search").filter(has=page.get_by_label("Search the register"))
    search.get_by_label("Search the register").fill("西安")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “西安”")
    approaches = page.get_by_role("region", name="Approaches (1)")
    expect(approaches).to_contain_text("Matched in local name")
    approaches.get_by_role("link", name="Approach from Xi'an").click()

    page.get_by_role("link", name="Score this approach").click()
    page.get_by_label("Economic similarity (weight 3)").select_option(label="4 – good")
    page.get_by_label("Reason for the economic similarity score").fill(
        "Aerospace, as in Derby (Rolls-Royce)."
    )
    page.get_by_label("Strategic fit (weight 2)").select_option(label="3 – fair")
    page.get_by_role("button", name="Save scores").click()

    expect(page.get_by_role("alert")).to_contain_text("Give the reason for this score.")
    assert not ApproachScore.objects.exists()
    page.get_by_label("Reason for the strategic fit score").fill("Fits the city's international strategy.")
    page.get_by_role("button", name="Save scores").click()

    triage = page.get_by_role("region", name="Triage against the council's criteria")
    expect(triage).to_contain_text("Total 18 of 55 (33%)")
    expect(triage).to_contain_text("Aerospace, as in Derby (Rolls-Royce).")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approaches").click()
    page.get_by_role("link", name="Rank by triage score").click()
    first_row = page.get_by_role("table").get_by_role("row").nth(1)
    expect(first_row).to_contain_text("Xi'an")
    expect(first_row).to_contain_text("18 of 55")


def test_finance_reads_the_years_position_and_turns_the_digest_off(page: Page, finance, officer) -> None:
    today = timezone.localdate()
    year = FinancialYear.objects.for_date(today)
    line = make.BudgetLineFactory(
        financial_year=year, title="Twinning", amount=Decimal("20000.00"), approved=True
    )
    make.SpendFactory(budget_line=line, amount=Decimal("2500.00"), status="committed")
    make.BudgetLineFactory(
        financial_year=year, title="Hefei trade visit", amount=Decimal("4000.00"), proposed_by=officer
    )

    sign_in(page, finance.username)
    position = page.get_by_role("region", name=f"Budget {year.label} so far")
    expect(position.get_by_role("row", name="Remaining")).to_contain_text("£17,500")
    decisions = page.get_by_role("region", name="Awaiting your decision")
    expect(decisions).to_contain_text("1 budget line")
    expect(decisions.get_by_role("link", name="Hefei trade visit")).to_be_visible()

    page.get_by_role("link", name="Digest email").click()
    checkbox = page.get_by_label("Email me a daily digest")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("The daily digest is off")
    assert UserSettings.objects.get(user=finance).daily_digest is False


def test_the_leaders_office_reads_the_evidence_for_a_red_link(page: Page, leader) -> None:
    today = timezone.localdate()
    make.RelationshipFactory(
        place=make.PlaceFactory(name="Toyota City", local_name="豊田市"), rag="green", kind="civic"
    )
    osnabruck = make.RelationshipFactory(
        place=make.PlaceFactory(name="Osnabrück", country="Germany"), rag="red", kind="civic"
    )
    make.VisitFactory(
        relationship=osnabruck,
        title="Schools exchange visit",
        starts_on=today - timedelta(days=60),
        status="completed",
        outcomes="Two schools will keep writing; no civic visit planned.",
    )

    sign_in(page, leader.username)
    glance = page.get_by_role("region", name="Relationships at a glance")
    expect(glance.get_by_role("row", name="Red")).to_contain_text("1")

    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="Relationship health").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Relationship health")
    first = page.get_by_role("table").get_by_role("row").nth(1)
    expect(first).to_contain_text("Osnabrück – civic")
    first.get_by_role("link", name="Osnabrück – civic").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Health of the Osnabrück – civic relationship")
    expect(page.get_by_role("region", name="Outcomes recorded")).to_contain_text(
        "Two schools will keep writing"
    )
