"""The database itself refuses what the forms refuse: rows written around the
forms (``objects.create``, ``QuerySet.update``, a script, the admin shell)
still cannot hold a line or spend of zero or less, an unknown status, a share
over 100% or a council's second share.

Each refusal runs in its own savepoint, so the test goes on after it; the
last assertion of each test shows what a valid row next to the refused one
looks like, so the refusal is about the value and nothing else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from budgets.models import BudgetLine, CostShare, FinancialYear, Spend
from tests import factories as make


def refused(make: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.fixture
def year(db: Any) -> FinancialYear:
    return make.FinancialYearFactory(start_year=2016)


def new_line(year: FinancialYear, **values: Any) -> BudgetLine:
    fields = {
        "financial_year": year,
        "cost_centre": "TW100",
        "title": "Toyota City civic visit",
        "amount": "4000",
    }
    return BudgetLine.objects.create(**{**fields, **values})


def new_spend(line: BudgetLine, **values: Any) -> Spend:
    fields = {
        "budget_line": line,
        "description": "Flights",
        "amount": "100",
        "spent_on": line.financial_year.starts_on,
    }
    return Spend.objects.create(**{**fields, **values})


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "-4000"])
def test_a_line_of_zero_or_less_is_refused(year: FinancialYear, amount: str) -> None:
    refused(lambda: new_line(year, amount=Decimal(amount)))
    line = new_line(year, amount=Decimal("0.01"))
    refused(lambda: BudgetLine.objects.filter(pk=line.pk).update(amount=Decimal(amount)))
    assert BudgetLine.objects.get(pk=line.pk).amount == Decimal("0.01")


@pytest.mark.parametrize("status", ["approve", "APPROVED", "pending", ""])
def test_a_line_of_unknown_status_is_refused(year: FinancialYear, status: str) -> None:
    refused(lambda: new_line(year, status=status, decided_at=timezone.now()))
    line = new_line(year)
    refused(lambda: BudgetLine.objects.filter(pk=line.pk).update(status=status, decided_at=timezone.now()))
    assert BudgetLine.objects.get(pk=line.pk).status == "proposed"


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_decided_line_must_say_when(year: FinancialYear, status: str) -> None:
    refused(lambda: new_line(year, status=status))
    line = new_line(year)
    refused(lambda: BudgetLine.objects.filter(pk=line.pk).update(status=status))
    BudgetLine.objects.filter(pk=line.pk).update(status=status, decided_at=timezone.now())
    assert BudgetLine.objects.get(pk=line.pk).status == status


@pytest.mark.parametrize("amount", ["0", "-0.01", "-250.00"])
def test_spend_of_zero_or_less_is_refused(year: FinancialYear, amount: str) -> None:
    line = make.BudgetLineFactory(financial_year=year, approved=True)
    refused(lambda: new_spend(line, amount=Decimal(amount)))
    spend = new_spend(line, amount=Decimal("0.01"))
    refused(lambda: Spend.objects.filter(pk=spend.pk).update(amount=Decimal(amount)))
    assert Spend.objects.get(pk=spend.pk).amount == Decimal("0.01")


@pytest.mark.parametrize("status", ["spent", "Committed", ""])
def test_spend_of_unknown_status_is_refused(year: FinancialYear, status: str) -> None:
    spend = make.SpendFactory(budget_line__financial_year=year)
    refused(lambda: new_spend(spend.budget_line, status=status))
    refused(lambda: Spend.objects.filter(pk=spend.pk).update(status=status))
    assert Spend.objects.get(pk=spend.pk).status == "estimated"


@pytest.mark.parametrize("state", ["approved", "GRANTED", "pending"])
def test_spend_of_unknown_override_state_is_refused(year: FinancialYear, state: str) -> None:
    spend = make.SpendFactory(budget_line__financial_year=year)
    refused(lambda: new_spend(spend.budget_line, override_state=state))
    refused(lambda: Spend.objects.filter(pk=spend.pk).update(override_state=state))
    Spend.objects.filter(pk=spend.pk).update(override_state="requested")
    assert Spend.objects.get(pk=spend.pk).override_state == "requested"


@pytest.mark.parametrize("percentage", ["100.01", "150", "0", "-5"])
def test_a_share_outside_0_to_100_is_refused(db: Any, percentage: str) -> None:
    relationship = make.RelationshipFactory()
    council = make.CouncilFactory(name="Derbyshire County Council")
    refused(
        lambda: CostShare.objects.create(
            relationship=relationship, council=council, percentage=Decimal(percentage)
        )
    )
    share = CostShare.objects.create(relationship=relationship, council=council, percentage=Decimal("100"))
    refused(lambda: CostShare.objects.filter(pk=share.pk).update(percentage=Decimal(percentage)))
    assert CostShare.objects.get(pk=share.pk).percentage == Decimal("100.00")


def test_a_councils_second_share_of_a_relationship_is_refused(db: Any) -> None:
    share = make.CostShareFactory(
        council=make.CouncilFactory(name="Derby City Council"), percentage=Decimal("60")
    )
    other = make.CouncilFactory(name="South Derbyshire District Council")
    refused(
        lambda: CostShare.objects.create(
            relationship=share.relationship, council=share.council, percentage=Decimal("40")
        )
    )
    second = CostShare.objects.create(
        relationship=share.relationship, council=other, percentage=Decimal("40")
    )
    refused(lambda: CostShare.objects.filter(pk=second.pk).update(council=share.council))
    # The same council may share another relationship's costs.
    make.CostShareFactory(council=share.council, percentage=Decimal("100"))
    assert CostShare.objects.filter(council=share.council).count() == 2


def test_a_financial_year_is_held_once(year: FinancialYear) -> None:
    refused(lambda: FinancialYear.objects.create(start_year=2016))
    assert FinancialYear.objects.filter(start_year=2016).count() == 1
