"""Writes to budgets, each one transaction. Who may call which is in roles.py;
these functions also refuse what no role may do (deciding twice, going over
a line without Finance)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from core.services import record_create, record_update
from core.status import Move, RuleBroken, StatusMover, reason_given
from core.text import long_date, person_name
from core.versioning import StaleEditError
from partners.models import Council, Relationship

from .models import (
    PAID_STAYS_PAID,
    PENNY,
    BudgetLine,
    BudgetLineStatusChange,
    CostShare,
    FinancialYear,
    LineStatus,
    OverrideState,
    Spend,
    SpendOverrideChange,
    SpendStatus,
)

ZERO = Decimal("0.00")
# Spend that holds money on a line: committed or paid, unless still awaiting Finance.
COMMITTED = Q(status__in=[SpendStatus.COMMITTED, SpendStatus.PAID]) & ~Q(
    override_state=OverrideState.REQUESTED
)


@transaction.atomic
def budget_line_propose(*, year: int, values: Mapping[str, Any], by: Any) -> BudgetLine:
    """A new line, proposed for Finance to decide; a year the register has not needed before is made."""
    financial_year, _ = FinancialYear.objects.get_or_create(start_year=year)
    return record_create(
        model=BudgetLine,
        values={**values, "financial_year": financial_year, "status": LineStatus.PROPOSED, "proposed_by": by},
    )


@transaction.atomic
def budget_line_update(
    *, line: BudgetLine, year: int, values: Mapping[str, Any], expected_version: int | None
) -> BudgetLine:
    """Saves changes to a line, moving it to another year if asked (StaleEditError if a colleague saved first)."""
    financial_year, _ = FinancialYear.objects.get_or_create(start_year=year)
    return record_update(
        record=line, values={**values, "financial_year": financial_year}, expected_version=expected_version
    )


def _not_decided_yet(move: Move) -> None:
    line = move.record
    if line.is_decided:
        who = person_name(line.decided_by) if line.decided_by else "someone"
        raise RuleBroken(
            f"This line was already {line.get_status_display().lower()} by {who} on {long_date(line.decided_at)}."
        )


def _line_decided(move: Move) -> None:
    move.record.decided_by = move.by
    move.record.decided_at = timezone.now()
    move.record.decision_comment = move.note.strip()


# Finance (budgets.decide_budgetline) approves or rejects a proposed line, saying why. A line
# already decided is refused: the decision stands and its history says who took it.
budget_line_decide = StatusMover(
    BudgetLineStatusChange, rules=(_not_decided_yet, reason_given), apply=_line_decided, lock=True
)


def line_committed(line: BudgetLine, *, excluding: Spend | None = None) -> Decimal:
    spend = line.spend.filter(COMMITTED)
    if excluding is not None and excluding.pk:
        spend = spend.exclude(pk=excluding.pk)
    return spend.aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def spend_record(
    *,
    budget_line: BudgetLine,
    values: Mapping[str, Any],
    by: Any,
    may_override: bool,
    override_reason: str = "",
    spend: Spend | None = None,
    expected_version: int | None = None,
) -> Spend:
    """Saves new spend against a line, or changes to ``spend``, guarding what the line has left.

    Committing (or paying) beyond what the line has left is refused unless:
    Finance (``may_override``) gives a reason, which grants the override at
    once; or an officer gives a reason, which asks Finance and leaves the
    spend awaiting a decision (counted as estimated meanwhile).
    The line is locked while it is checked, so two people committing at once
    cannot both take the last of it. A change made from an out-of-date view
    of the spend is refused (StaleEditError).
    """
    line = BudgetLine.objects.select_for_update().get(pk=budget_line.pk)
    if spend is None:
        spend = Spend(recorded_by=by)
    elif values.get("status", SpendStatus.PAID) != SpendStatus.PAID and not may_override:
        stored = Spend.objects.filter(pk=spend.pk).values_list("status", flat=True).first()
        if stored == SpendStatus.PAID:
            raise RuleBroken(PAID_STAYS_PAID, field="status")
    for name, value in values.items():
        setattr(spend, name, value)
    spend.budget_line = line
    if expected_version is not None:
        spend.version = expected_version
    holds_money = spend.status in (SpendStatus.COMMITTED, SpendStatus.PAID)
    if spend.pk is not None and spend.override_state == OverrideState.GRANTED:
        before = Spend.objects.get(pk=spend.pk)
        # A grant covers what Finance saw: more money, another line, or money committed
        # again after it was set back to estimated (the line may have been spent since)
        # is looked at afresh.
        if (
            spend.amount > before.amount
            or spend.budget_line_id != before.budget_line_id
            or (holds_money and not before.counts_as_committed)
        ):
            _undecided(spend)
    reason = override_reason.strip()
    # The request as the officer made it, sent again unchanged (Finance correcting a
    # supplier's name, say), still asks: only the decision page grants or refuses it.
    asked_again = spend.override_state == OverrideState.REQUESTED and reason == spend.override_reason.strip()
    if spend.override_state in (OverrideState.REQUESTED, OverrideState.REFUSED):
        _undecided(spend)  # a changed request is looked at afresh
    if holds_money and spend.override_state != OverrideState.GRANTED:
        left = line.amount - line_committed(line, excluding=spend)
        if spend.amount > left:
            over = spend.amount - left
            if not reason:
                who = (
                    "give a reason to override"
                    if may_override
                    else "give a reason to ask Finance to override"
                )
                raise RuleBroken(
                    f"This would commit £{over:,.2f} more than the line has left (£{max(left, ZERO):,.2f}). "
                    f"Record it as estimated, or {who}.",
                    field="amount",
                )
            spend.override_reason = reason
            if may_override and not asked_again:
                spend.override_state = OverrideState.GRANTED
                spend.override_decided_by = by
                spend.override_decided_at = timezone.now()
                spend.override_comment = reason
            else:
                spend.override_state = OverrideState.REQUESTED
    spend.save()
    return spend


def _undecided(spend: Spend) -> None:
    """No override, asked or decided: an earlier decision says nothing of the spend as it now is
    (its history keeps it)."""
    spend.override_state = OverrideState.NONE
    spend.override_decided_by = spend.override_decided_at = None
    spend.override_comment = ""


def _awaiting_a_decision(move: Move) -> None:
    if move.record.override_state != OverrideState.REQUESTED:
        raise RuleBroken("This spend is not awaiting an override decision.")


def _override_decided(move: Move) -> None:
    spend = move.record
    if move.to_status == OverrideState.REFUSED:
        spend.status = SpendStatus.ESTIMATED  # refused: it holds no money on the line
    spend.override_decided_by = move.by
    spend.override_decided_at = timezone.now()
    spend.override_comment = move.note.strip()


# Finance grants or refuses an officer's request to go beyond a line, saying why.
spend_decide_override = StatusMover(
    SpendOverrideChange, rules=(_awaiting_a_decision, reason_given), apply=_override_decided, lock=True
)


@transaction.atomic
def split_as_shown(shares: Iterable[CostShare]) -> str:
    """A relationship's split in a few characters (council and share, by council), which the
    cost-share page carries so that a split changed since it was shown is noticed."""
    return ";".join(
        f"{share.council_id}:{share.percentage:.2f}" for share in sorted(shares, key=attrgetter("council_id"))
    )


def cost_shares_set(
    *, relationship: Relationship, shares: Iterable[tuple[Council, Decimal]], shown: str | None = None
) -> list[CostShare]:
    """Replaces a relationship's cost shares; they must add up to exactly 100%. Refused
    (StaleEditError) when the split is no longer the one ``shown`` to the person."""
    Relationship.objects.select_for_update().filter(pk=relationship.pk).first()
    if shown is not None and shown != split_as_shown(CostShare.objects.filter(relationship=relationship)):
        raise StaleEditError(relationship)
    chosen = [(council, Decimal(pct).quantize(PENNY)) for council, pct in shares]
    councils = [council.pk for council, _ in chosen]
    if len(set(councils)) != len(councils):
        raise RuleBroken("Each council can have only one share.")
    total = sum((pct for _, pct in chosen), ZERO)
    if chosen and total != Decimal("100.00"):
        raise RuleBroken(f"The shares add up to {total}%; they must add up to 100%.")
    CostShare.objects.filter(relationship=relationship).delete()
    return [
        CostShare.objects.create(relationship=relationship, council=council, percentage=pct)
        for council, pct in chosen
    ]
