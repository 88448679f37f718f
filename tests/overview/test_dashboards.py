"""Each role's home page shows the work waiting for that role."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import FinancialYear
from reports.models import Rendering, RenderingStatus
from tests import factories as make
from tests.support.pages import Page
from tests.support.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def texts(page: Page, heading: str) -> list[str]:
    return [li.text for li in page.section(heading).find_all("li")]


def test_the_officer_sees_approaches_with_days_left_overdue_first(officer_client, today):
    make.ApproachFactory(
        place=make.PlaceFactory(name="Hefei"), respond_by=today + timedelta(days=5), received_on=today
    )
    make.ApproachFactory(
        place=make.PlaceFactory(name="Zhejiang"),
        respond_by=today - timedelta(days=3),
        received_on=today - timedelta(days=30),
    )

    page = Page(officer_client.get(reverse("overview:dashboard")))

    waiting = texts(page, "Approaches awaiting a response")
    assert "Zhejiang" in waiting[0] and "(overdue by 3 days)" in waiting[0]
    assert "Hefei" in waiting[1] and "(5 days left)" in waiting[1]


def test_the_officer_sees_visits_in_the_next_60_days_own_actions_and_reviews(officer_client, officer, today):
    make.VisitFactory(title="Toyota City civic visit", starts_on=today + timedelta(days=20))
    make.VisitFactory(title="Far off visit", starts_on=today + timedelta(days=90))
    make.VisitFactory(title="Cancelled visit", starts_on=today + timedelta(days=10), status="cancelled")
    make.ActionFactory(title="Brief the Leader", owner=officer, due_on=today - timedelta(days=1))
    make.ActionFactory(title="Someone else's task", due_on=today)
    make.RelationshipFactory(
        place=make.PlaceFactory(name="Osnabrück"), next_review_on=today + timedelta(days=10)
    )
    make.RelationshipFactory(
        place=make.PlaceFactory(name="Toyota City"), next_review_on=today + timedelta(days=200)
    )

    page = Page(officer_client.get(reverse("overview:dashboard")))

    assert [t.split(" – ")[0] for t in texts(page, "Visits in the next 60 days")] == [
        "Toyota City civic visit"
    ]
    mine = texts(page, "Your actions due")
    assert len(mine) == 1 and "Brief the Leader" in mine[0] and "(overdue)" in mine[0]
    reviews = texts(page, "Relationship reviews due")
    assert len(reviews) == 1 and "Osnabrück" in reviews[0]


def test_open_actions_come_soonest_due_first_undated_last_each_with_its_place(officer_client, officer, today):
    make.ActionFactory(title="Undated", relationship=None)
    make.ActionFactory(
        title="Mine, next week",
        owner=officer,
        due_on=today + timedelta(days=7),
        relationship=make.RelationshipFactory(place=make.PlaceFactory(name="Hefei")),
    )
    make.ActionFactory(title="Done already", owner=officer, due_on=today - timedelta(days=9), status="done")
    make.ActionFactory(title="Theirs, overdue", due_on=today - timedelta(days=2))

    page = Page(officer_client.get(reverse("overview:dashboard")))

    everyone = texts(page, "Open actions")
    assert [t.split()[0] for t in everyone] == ["Theirs,", "Mine,", "Undated"]
    assert "(overdue)" in everyone[0] and "(Hefei)" in everyone[1] and "due" not in everyone[2]
    mine = texts(page, "Your actions due")
    assert len(mine) == 1 and "Mine, next week" in mine[0] and "(Hefei)" in mine[0]


def test_finance_sees_the_years_position_decisions_and_gifts(finance_client, today):
    year = FinancialYear.objects.for_date(today)
    line = make.BudgetLineFactory(
        financial_year=year, title="Twinning", amount=Decimal("20000.00"), approved=True
    )
    make.SpendFactory(budget_line=line, amount=Decimal("1500.00"), status="committed")
    make.SpendFactory(budget_line=line, amount=Decimal("500.00"), status="paid")
    make.BudgetLineFactory(financial_year=year, title="Hefei visit", amount=Decimal("4000.00"))
    make.GiftFactory(description="Porcelain vase", value=Decimal("120.00"), on=today - timedelta(days=5))

    page = Page(finance_client.get(reverse("overview:dashboard")))

    position = page.section(f"Budget {year.label} so far").text
    assert "Budget (approved) £20,000" in position
    # Committed counts what is paid too: £1,500 committed and £500 already paid.
    assert "Committed £2,000" in position and "Paid £500" in position
    assert "Remaining £18,000" in position
    decisions = page.section("Awaiting your decision")
    assert "1 budget line and 0 requests to go over a line" in decisions.text
    assert "Hefei visit" in decisions.text
    assert "Porcelain vase" in page.section("Gifts awaiting declaration").text
    assert "Approaches awaiting a response" not in page.text


def test_finances_decisions_are_links_named_by_what_differs(finance_client):
    """Lines sharing a title (one a year, as Derby's were) and spend sharing a description
    are told apart by their links' names alone, as a screen reader lists them; naming the
    year reads no more for more rows."""

    def line(start: int, amount: str = "5000.00") -> None:
        make.BudgetLineFactory(
            financial_year__start_year=start, title="Overseas economic twinning", amount=Decimal(amount)
        )

    def spend_over(start: int) -> None:
        make.SpendFactory(
            budget_line=make.BudgetLineFactory(
                financial_year__start_year=start, title="Hefei visit", approved=True
            ),
            description="Interpreter",
            amount=Decimal("900.00"),
            status="committed",
            override_state="requested",
            override_reason="Booked at short notice.",
        )

    line(2016)
    spend_over(2016)
    pages = assert_queries_do_not_grow(
        finance_client,
        reverse("overview:dashboard"),
        lambda: (line(2017, "20000.00"), line(2018, "20000.00"), spend_over(2017)),
    )

    page = Page(next(iter(pages.values())).decode())
    links = [a.text for a in page.section("Awaiting your decision").find_all("a")]
    named = [name for name in links if name != "Review them"]
    assert len(named) == 5
    assert len(set(named)) == len(named), named
    assert "Overseas economic twinning, 2016–17: £5,000" in named
    assert "Overseas economic twinning, 2017–18: £20,000" in named
    assert "Interpreter, £900 on Hefei visit, 2016–17" in named


def test_the_leaders_office_sees_reports_to_approve_pdfs_and_the_rag(leader_client, today):
    draft = make.ReportFactory(title="Options for Zhejiang")
    make.SignOffFactory(report=draft, role="legal", cleared_on=today)
    make.SignOffFactory(report=draft, role="financial", cleared_on=None, officer_name="")
    published = make.ReportFactory(title="Overseas economic twinning", status="published")
    Rendering.objects.create(
        report=published,
        report_version=published.version,
        status=RenderingStatus.READY,
        pdf=b"%PDF-1.7 stand-in",
        sha256="0" * 64,
        page_count=5,
        finished_at=timezone.now(),
    )
    make.RelationshipFactory(place=make.PlaceFactory(name="Xi'an"), rag="red")
    make.RelationshipFactory(place=make.PlaceFactory(name="Osnabrück"), rag="green")

    page = Page(leader_client.get(reverse("overview:dashboard")))

    awaiting = texts(page, "Reports awaiting approval")
    assert (
        len(awaiting) == 1
        and "Options for Zhejiang" in awaiting[0]
        and "1 of 2 sign-offs cleared" in awaiting[0]
    )
    published_section = page.section("Recently published")
    assert "Overseas economic twinning" in published_section.text and "5 pages" in published_section.text
    glance = page.section("Relationships at a glance")
    assert "Red 1" in glance.text and "Green 1" in glance.text
    assert any("Xi'an" in t for t in texts(page, "Relationships at a glance"))
    assert "Your actions due" not in page.text


def test_a_user_without_a_role_sees_no_panels(outsider_client):
    body = Page(outsider_client.get(reverse("overview:dashboard"))).text

    assert "You have no role yet" in body
    for heading in ("Approaches awaiting a response", "Awaiting your decision", "Reports awaiting approval"):
        assert heading not in body
