"""Every budget page and export makes as many SQL queries with 5,000 lines and
20,000 spend rows as with a handful.

The register is built once per test in bulk (``bulk_create``, a second or two
on SQLite): a handful of rows of every kind first, every page and export
counted, then 5,000 lines over ten years and 20,000 spend rows (estimated,
committed, paid, awaiting and granted overrides, for visits and not), and
every page counted again. A lazy load per row (an N+1) anywhere makes the two
counts differ. The pages are read by Finance, who sees the most (decision and
override forms, the review queue); the year and line pages also by an officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgets.models import BudgetLine, CostShare, FinancialYear, Spend
from delegations.models import Visit
from partners.models import Council
from tests.factories import PlaceFactory, RelationshipFactory, VisitFactory
from tests.support.pages import Page
from tests.support.queries import assert_queries_do_not_grow
from tests.support.register import client_for

LINES = 5_000
SPEND = 20_000
# Enough for a second page of approved lines to exist from the start.
FEW_LINES = 100
FEW_SPEND = 400
YEARS = range(2012, 2022)  # ten financial years, 2012–13 to 2021–22
SUBJECT_YEAR = 2016
# A page that needs more than this is doing too much, whatever the rows.
MAX_QUERIES = 25


@dataclass
class Register:
    finance: Any
    officer: Any
    relationship: Any
    visits: list[Visit]
    line: BudgetLine | None = None
    proposed: BudgetLine | None = None
    awaiting: Spend | None = None
    added_lines: int = 0
    added_spend: int = 0
    years: dict[int, FinancialYear] = field(default_factory=dict)


@pytest.fixture
def register(finance: Any, officer: Any) -> Register:
    relationship = RelationshipFactory(place=PlaceFactory(name="Toyota City", local_name="豊田市"))
    councils = Council.objects.bulk_create(
        Council(name=name) for name in ("Derby City Council", "Derbyshire County Council", "South Derbyshire")
    )
    relationship.councils.set(councils)
    CostShare.objects.bulk_create(
        CostShare(relationship=relationship, council=council, percentage=pct)
        for council, pct in zip(councils, (Decimal("40"), Decimal("30"), Decimal("30")), strict=True)
    )
    visits = [VisitFactory(relationship=relationship, title=f"Visit {n}") for n in range(3)]
    reg = Register(finance=finance, officer=officer, relationship=relationship, visits=visits)
    reg.years = {
        year.start_year: year
        for year in FinancialYear.objects.bulk_create(FinancialYear(start_year=y) for y in YEARS)
    }
    return reg


def add_lines(reg: Register, lines: int, spend: int) -> None:
    """Adds ``lines`` lines spread over the ten years and ``spend`` spend rows over them.

    One line in five is the subject relationship's; one in five is still
    proposed and one in ten rejected; funding cycles through every source.
    Spend takes every status, and one row in ten awaits Finance's override.
    """
    start = reg.added_lines
    reg.added_lines += lines
    now = timezone.now()
    made = BudgetLine.objects.bulk_create(
        BudgetLine(
            financial_year=reg.years[YEARS[(i // 5) % len(YEARS)]],
            cost_centre=f"TW{i % 97:03d}",
            title=f"Line {i:05d}",
            amount=Decimal("1000.00") + i,
            funding_source=("council", "fco", "partner", "other")[i % 4],
            relationship=reg.relationship if i % 5 == 0 else None,
            status=("approved", "approved", "approved", "proposed", "rejected")[i % 5 if i % 10 else 4],
            proposed_by=reg.officer,
            decided_by=None if i % 5 == 3 else reg.finance,
            decided_at=None if i % 5 == 3 else now,
            decision_comment="Agreed." if i % 5 != 3 else "",
        )
        for i in range(start, start + lines)
    )
    if reg.line is None:
        reg.line = next(
            line
            for line in made
            if line.status == "approved" and line.financial_year.start_year == SUBJECT_YEAR
        )
        reg.proposed = next(line for line in made if line.status == "proposed")
    # The subject line gets a share of every batch of spend; the rest spreads over all lines.
    targets = [line for line in made if line.status != "rejected"]
    first = reg.added_spend
    reg.added_spend += spend
    rows = []
    for n in range(first, first + spend):
        line = reg.line if n % 50 == 0 else targets[n % len(targets)]
        status = ("estimated", "committed", "paid")[n % 3] if line.status == "approved" else "estimated"
        awaiting = status != "estimated" and n % 10 == 1
        rows.append(
            Spend(
                budget_line=line,
                description=f"Spend {n:05d}",
                amount=Decimal("10.01") + n % 7,
                spent_on=line.financial_year.starts_on + timedelta(days=n % 365),
                status=status,
                override_state="requested"
                if awaiting
                else ("granted" if n % 10 == 2 and status != "estimated" else ""),
                override_reason="Booked by the partner." if awaiting else "",
                visit=reg.visits[n % 3] if n % 4 == 0 else None,
                recorded_by=reg.officer,
                override_decided_by=reg.finance if n % 10 == 2 and status != "estimated" else None,
            )
        )
    made_spend = Spend.objects.bulk_create(rows)
    if reg.awaiting is None:
        reg.awaiting = next(s for s in made_spend if s.override_state == "requested")


def pages(reg: Register) -> dict[str, str]:
    line, proposed, spend = reg.line, reg.proposed, reg.awaiting
    assert line and proposed and spend
    return {
        "years overview": reverse("budgets:year-list"),
        "year view": reverse("budgets:year-detail", args=[SUBJECT_YEAR]),
        "lines list": reverse("budgets:line-list"),
        "lines list, filtered and sorted": reverse("budgets:line-list")
        + "?status=approved&ordering=-amount&page=2",
        "spend list": reverse("budgets:spend-list"),
        "spend list, awaiting overrides": reverse("budgets:spend-list")
        + "?override_state=requested&ordering=date",
        "line detail": line.get_absolute_url(),
        "line detail as at a date": line.get_absolute_url() + "?as_at=2016-06-30",
        "proposed line with the decision form": proposed.get_absolute_url(),
        "line history": reverse("budgets:line-history", args=[line.pk]),
        "spend detail with the override form": spend.get_absolute_url(),
        "review queue": reverse("budgets:review"),
        "cost shares": reverse("budgets:cost-shares", args=[reg.relationship.pk]),
        "relationship page's budget": reg.relationship.get_absolute_url(),
        "year CSV": reverse("budgets:year-export-csv", args=[SUBJECT_YEAR]),
        "year XLSX": reverse("budgets:year-export-xlsx", args=[SUBJECT_YEAR]),
        "lines CSV": reverse("budgets:lines-export-csv"),
        "lines XLSX": reverse("budgets:lines-export-xlsx"),
    }


def test_no_budget_page_or_export_grows_with_5000_lines_and_20000_spend(
    finance_client: Client, register: Register
) -> None:
    add_lines(register, FEW_LINES, FEW_SPEND)
    bodies = assert_queries_do_not_grow(
        finance_client,
        pages(register),
        lambda: add_lines(register, LINES - FEW_LINES, SPEND - FEW_SPEND),
        at_most=MAX_QUERIES,
    )
    assert (BudgetLine.objects.count(), Spend.objects.count()) == (LINES, SPEND)

    # ... and the pages really hold the rows, so the counts are of something.
    line = register.line
    assert line is not None
    per_year = LINES // len(YEARS)
    year_page = Page(bodies["year view"].decode())
    # A page of the year's lines, the totals of all of them.
    assert (
        sum(len(body.find_all("tr")) for body in year_page.root.find_all("tbody")) == settings.PAGE_SIZE + 1
    )
    assert f"Page 1 of {-(-per_year // settings.PAGE_SIZE)}" in year_page.text
    line_spend = Spend.objects.filter(budget_line=line).count()
    assert line_spend >= SPEND // 50
    spend_table = Page(bodies["line detail"].decode()).section("Spend")
    assert len(spend_table.find_all("tbody")[0].find_all("tr")) == line_spend
    assert bodies["lines CSV"].decode("utf-8-sig").count("\r\n") == LINES + 1
    queue = Page(bodies["review queue"].decode())
    # A page of each, the first ones waiting; the counts and links give the rest.
    for heading in ("Budget lines awaiting a decision", "Spend awaiting an override"):
        rows = queue.section(heading).find_all("tbody")[0].find_all("tr")
        assert len(rows) == settings.PAGE_SIZE, heading


@pytest.mark.parametrize("persona", ["officer", "leader"])
def test_the_year_and_line_pages_for_other_roles_do_not_grow(
    persona: str, register: Register, personas: dict[str, Any]
) -> None:
    add_lines(register, FEW_LINES, FEW_SPEND)
    urls = {
        "year view": reverse("budgets:year-detail", args=[SUBJECT_YEAR]),
        "line detail": register.line.get_absolute_url() if register.line else "",
        "lines list": reverse("budgets:line-list"),
    }
    assert_queries_do_not_grow(client_for(personas[persona]), urls, lambda: add_lines(register, 1_000, 4_000))


def test_the_review_queue_never_hides_lines_awaiting_a_decision(
    finance_client: Client, register: Register
) -> None:
    year = register.years[SUBJECT_YEAR]
    BudgetLine.objects.bulk_create(
        BudgetLine(financial_year=year, cost_centre="TW100", title=f"Proposal {n:03d}", amount=Decimal("100"))
        for n in range(250)
    )
    queue = Page(finance_client.get(reverse("budgets:review")))
    section = queue.section("Budget lines awaiting a decision")
    shown = section.find_all("tbody")[0].find_all("tr")
    # A page of the oldest, and the count and a link for the rest.
    assert len(shown) == settings.PAGE_SIZE
    assert f"Showing the oldest {settings.PAGE_SIZE} of 250. See all proposed lines" in section.text


def test_the_cost_shares_page_does_not_grow_with_the_councils(finance_client: Client, db: Any) -> None:
    relationship = RelationshipFactory(place=PlaceFactory(name="Toyota City"))
    relationship.councils.set([Council.objects.create(name="Derby City Council")])

    def eight_more() -> None:
        relationship.councils.add(
            *Council.objects.bulk_create(Council(name=f"Council {n}") for n in range(8))
        )

    url = reverse("budgets:cost-shares", args=[relationship.pk])
    page = assert_queries_do_not_grow(finance_client, url, eight_more)[url]
    assert page.decode().count('name="shares-8-council"') == 1, "The page does not show a row per council"
