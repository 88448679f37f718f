"""Writes to budgets, each one transaction. Who may call which is in roles.py;
these functions also refuse what no role may do (deciding twice, going over
a line without Finance)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from partners.models import Council, Relationship

from .models import (
    PENNY,
    BudgetLine,
    CostShare,
    LineStatus,
    OverrideState,
    Spend,
    SpendStatus,
)

ZERO = Decimal("0.00")
# Spend that holds money on a line: committed or paid, unless still awaiting Finance.
COMMITTED = Q(status__in=[SpendStatus.COMMITTED, SpendStatus.PAID]) & ~Q(
    override_state=OverrideState.REQUESTED
)


class BudgetRuleBroken(Exception):
    """What a budget rule forbids, in the council's words; ``field`` says where to show it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _long_datetime(moment: Any) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def _who(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


@transaction.atomic
def budget_line_propose(*, line: BudgetLine, by: Any) -> BudgetLine:
    line.status = LineStatus.PROPOSED
    line.proposed_by = by
    line.save()
    return line


@transaction.atomic
def budget_line_decide(
    *, line: BudgetLine, approve: bool, comment: str, by: Any, expected_version: int | None = None
) -> BudgetLine:
    """Approves or rejects a proposed line, recording who, when and why.

    Only Finance calls this (``budgets.decide_budgetline``). A line already
    decided is refused: the decision stands and its history says who took it.
    """
    current = BudgetLine.objects.select_for_update().get(pk=line.pk)
    if current.is_decided:
        raise BudgetRuleBroken(
            f"This line was already {current.get_status_display().lower()} by {_who(current.decided_by)} "
            f"on {_long_datetime(current.decided_at)}."
        )
    if not comment.strip():
        raise BudgetRuleBroken("Say why: the comment is kept with the decision.", field="comment")
    if expected_version is not None:
        current.version = expected_version
    current.status = LineStatus.APPROVED if approve else LineStatus.REJECTED
    current.decided_by = by
    current.decided_at = timezone.now()
    current.decision_comment = comment.strip()
    current.save()
    return current


def line_committed(line: BudgetLine, *, excluding: Spend | None = None) -> Decimal:
    spend = line.spend.filter(COMMITTED)
    if excluding is not None and excluding.pk:
        spend = spend.exclude(pk=excluding.pk)
    return spend.aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def spend_record(*, spend: Spend, by: Any, may_override: bool, override_reason: str = "") -> Spend:
    """Saves new or changed spend, guarding what the line has left.

    Committing (or paying) beyond what the line has left is refused unless:
    Finance (``may_override``) gives a reason, which grants the override at
    once; or an officer gives a reason, which asks Finance and leaves the
    spend awaiting a decision (counted as estimated meanwhile).
    The line is locked while it is checked, so two people committing at once
    cannot both take the last of it.
    """
    line = BudgetLine.objects.select_for_update().get(pk=spend.budget_line_id)
    holds_money = spend.status in (SpendStatus.COMMITTED, SpendStatus.PAID)
    if spend.pk is not None and spend.override_state == OverrideState.GRANTED:
        before = Spend.objects.get(pk=spend.pk)
        # A grant covers what Finance saw: more money, or another line, is looked at afresh.
        if spend.amount > before.amount or spend.budget_line_id != before.budget_line_id:
            spend.override_state = OverrideState.NONE
    reason = override_reason.strip()
    if spend.override_state in (OverrideState.REQUESTED, OverrideState.REFUSED):
        spend.override_state = OverrideState.NONE  # a changed request is looked at afresh
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
                raise BudgetRuleBroken(
                    f"This would commit £{over:,.2f} more than the line has left (£{max(left, ZERO):,.2f}). "
                    f"Record it as estimated, or {who}.",
                    field="amount",
                )
            spend.override_reason = reason
            if may_override:
                spend.override_state = OverrideState.GRANTED
                spend.override_decided_by = by
                spend.override_decided_at = timezone.now()
                spend.override_comment = reason
            else:
                spend.override_state = OverrideState.REQUESTED
    if spend.pk is None:
        spend.recorded_by = by
    spend.save()
    return spend


@transaction.atomic
def spend_decide_override(
    *, spend: Spend, grant: bool, comment: str, by: Any, expected_version: int | None = None
) -> Spend:
    """Finance grants or refuses an officer's request to go beyond a line.

    Refuses (StaleEditError) a decision taken on an out-of-date view of the spend.
    """
    current = Spend.objects.select_for_update().get(pk=spend.pk)
    if expected_version is not None:
        current.version = expected_version
    if current.override_state != OverrideState.REQUESTED:
        raise BudgetRuleBroken("This spend is not awaiting an override decision.")
    if not comment.strip():
        raise BudgetRuleBroken("Say why: the comment is kept with the decision.", field="comment")
    current.override_state = OverrideState.GRANTED if grant else OverrideState.REFUSED
    if not grant:
        current.status = SpendStatus.ESTIMATED
    current.override_decided_by = by
    current.override_decided_at = timezone.now()
    current.override_comment = comment.strip()
    current.save()
    return current


@transaction.atomic
def cost_shares_set(
    *, relationship: Relationship, shares: Iterable[tuple[Council, Decimal]]
) -> list[CostShare]:
    """Replaces a relationship's cost shares; they must add up to exactly 100%."""
    chosen = [(council, Decimal(pct).quantize(PENNY)) for council, pct in shares]
    councils = [council.pk for council, _ in chosen]
    if len(set(councils)) != len(councils):
        raise BudgetRuleBroken("Each council can have only one share.")
    total = sum((pct for _, pct in chosen), ZERO)
    if chosen and total != Decimal("100.00"):
        raise BudgetRuleBroken(f"The shares add up to {total}%; they must add up to 100%.")
    CostShare.objects.filter(relationship=relationship).delete()
    return [
        CostShare.objects.create(relationship=relationship, council=council, percentage=pct)
        for council, pct in chosen
    ]
