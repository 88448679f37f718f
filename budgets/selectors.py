"""Reads the budget pages need: sums exact in Decimal, queries fixed in number.

The figures, per line and in total:
- budget: the approved amount (proposed lines are shown but not counted);
- estimated: spend recorded as estimated, and spend awaiting Finance's override;
- committed: spend committed or paid (money spoken for);
- paid: spend paid;
- remaining: budget less committed;
- variance: budget less committed and estimated (negative is a forecast overspend).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.kept import kept
from core.pagination import KeysFirstPaginator
from core.querysets import built_once

from .models import (
    MONEY,
    BudgetLine,
    CostShare,
    FinancialYear,
    FundingSource,
    LineStatus,
    OverrideState,
    Spend,
    SpendStatus,
)
from .services import COMMITTED

ZERO = Decimal("0.00")
ESTIMATED = Q(status=SpendStatus.ESTIMATED) | Q(override_state=OverrideState.REQUESTED)
PAID = Q(status=SpendStatus.PAID) & ~Q(override_state=OverrideState.REQUESTED)


def _spend_sum(condition: Q, line: str = "pk") -> Any:
    """The amount of a line's spend meeting ``condition``, as a correlated subquery (0 for none);
    ``line`` names the outer row's budget line: its own pk, or a spend's ``budget_line``."""
    total = (
        Spend.objects.filter(condition, budget_line=OuterRef(line))
        .order_by()
        .values("budget_line")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=DecimalField(**MONEY)), Value(ZERO), output_field=DecimalField(**MONEY)
    )


def _spend_totals(spend: QuerySet[Spend], by: str) -> QuerySet:
    """Spend estimated, committed and paid, summed by ``by`` in one grouped query."""
    return (
        spend.order_by()
        .values(by)
        .annotate(
            estimated=Sum("amount", filter=ESTIMATED),
            committed=Sum("amount", filter=COMMITTED),
            paid=Sum("amount", filter=PAID),
        )
    )


def _with_figures(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    """Each line's spend figures, each a subquery so no join multiplies another."""
    return lines.annotate(
        estimated=_spend_sum(ESTIMATED),
        committed=_spend_sum(COMMITTED),
        paid=_spend_sum(PAID),
        remaining=ExpressionWrapper(F("amount") - F("committed"), output_field=DecimalField(**MONEY)),
    )


@built_once
def budget_line_list() -> QuerySet[BudgetLine]:
    """Lines with their spend figures and the records they name."""
    return _with_figures(
        BudgetLine.objects.select_related(
            "financial_year", "relationship", "relationship__place", "decided_by", "proposed_by"
        )
    )


@built_once
def year_line_list() -> QuerySet[BudgetLine]:
    """Lines with their spend figures alone: a year's page shows no more of them."""
    return _with_figures(BudgetLine.objects.all())


def budget_line_detail() -> QuerySet[BudgetLine]:
    return budget_line_list().prefetch_related(
        Prefetch(
            "spend",
            queryset=Spend.objects.select_related("visit", "cost_item", "recorded_by", "override_decided_by"),
        ),
        Prefetch(
            "relationship__cost_shares",
            queryset=CostShare.objects.select_related("council"),
        ),
    )


def spend_list() -> QuerySet[Spend]:
    return Spend.objects.select_related(
        "budget_line", "budget_line__financial_year", "visit", "recorded_by", "override_decided_by"
    )


@dataclass
class Figures:
    budget: Decimal = ZERO
    proposed: Decimal = ZERO
    estimated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed

    @property
    def variance(self) -> Decimal:
        return self.budget - self.committed - self.estimated

    @property
    def is_over_committed(self) -> bool:
        return self.committed > self.budget

    def add(self, other: Figures) -> None:
        for name in ("budget", "proposed", "estimated", "committed", "paid"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def line_figures(line: BudgetLine) -> Figures:
    """The figures of one line annotated by ``budget_line_list``."""
    approved = line.status == LineStatus.APPROVED
    return Figures(
        budget=line.amount if approved else ZERO,
        proposed=line.amount if line.status == LineStatus.PROPOSED else ZERO,
        estimated=line.estimated,
        committed=line.committed,
        paid=line.paid,
    )


@dataclass
class YearGroup:
    """Lines of one kind of money: the council's own, or external (FCO, partner, other)."""

    title: str
    rows: list[tuple[BudgetLine, Figures]] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    count: int = 0  # lines in the group in all, on this page or others


@dataclass
class YearSummary:
    year: FinancialYear
    groups: list[YearGroup]
    total: Figures

    @property
    def over_committed_lines(self) -> list[BudgetLine]:
        return [line for group in self.groups for line, figures in group.rows if figures.is_over_committed]


def year_summary(year: FinancialYear) -> YearSummary:
    """Every line of the year with its figures, the council's own money apart from external."""
    own = YearGroup("The council's own money")
    external = YearGroup("Funded by others (FCO, partners, other)")
    total = Figures()
    lines = (
        budget_line_list()
        .filter(financial_year=year)
        .order_by("funding_source", "cost_centre", "title", "pk")
    )
    for line in lines:
        figures = line_figures(line)
        group = own if line.funding_source == FundingSource.COUNCIL else external
        group.rows.append((line, figures))
        group.total.add(figures)
        total.add(figures)
    return YearSummary(year=year, groups=[own, external], total=total)


@dataclass
class YearPage(YearSummary):
    """One page of a year's lines, with the whole year's totals and warnings."""

    page: Any = None
    over_committed: list[BudgetLine] = field(default_factory=list)

    @property
    def over_committed_lines(self) -> list[BudgetLine]:
        return self.over_committed


def _is_own_money(funding_source: str) -> bool:
    return funding_source == FundingSource.COUNCIL


@dataclass(frozen=True)
class YearTotals:
    """What a year's page shows of all its lines, whichever page of them it shows: each kind
    of money's count and figures, and the over-committed lines' titles and links."""

    counts: dict[bool, int]
    figures: dict[bool, Figures]
    over_committed: list[BudgetLine]


def year_totals(year: FinancialYear) -> YearTotals:
    """The year's totals by kind of money (True: the council's own), kept until a year,
    line or spend row changes (core/kept.py): summing a busy year's spend is most of
    its page's cost."""
    return kept(
        f"budgets:year-totals:{year.pk}", [FinancialYear, BudgetLine, Spend], lambda: _year_totals(year)
    )


def _year_totals(year: FinancialYear) -> YearTotals:
    counts = {True: 0, False: 0}
    figures = {True: Figures(), False: Figures()}
    line_totals = (
        BudgetLine.objects.filter(financial_year=year)
        .order_by()
        .values("funding_source")
        .annotate(
            n=Count("pk"),
            budget=Sum("amount", filter=Q(status=LineStatus.APPROVED)),
            proposed=Sum("amount", filter=Q(status=LineStatus.PROPOSED)),
        )
    )
    for row in line_totals:
        own = _is_own_money(row["funding_source"])
        counts[own] += row["n"]
        figures[own].add(Figures(budget=row["budget"] or ZERO, proposed=row["proposed"] or ZERO))
    spend_totals = _spend_totals(
        Spend.objects.filter(budget_line__financial_year=year), by="budget_line__funding_source"
    )
    for row in spend_totals:
        figures[_is_own_money(row["budget_line__funding_source"])].add(
            Figures(
                estimated=row["estimated"] or ZERO,
                committed=row["committed"] or ZERO,
                paid=row["paid"] or ZERO,
            )
        )
    # Their titles and links: the figures are in the rows.
    over_committed = list(
        BudgetLine.objects.filter(financial_year=year, status=LineStatus.APPROVED)
        .alias(committed=_spend_sum(COMMITTED))
        .filter(committed__gt=F("amount"))
        .only("title")
        .order_by("cost_centre", "title", "pk")
    )
    return YearTotals(counts=counts, figures=figures, over_committed=over_committed)


def year_page(year: FinancialYear, page_number: Any = 1, per_page: int | None = None) -> YearPage:
    """The year's page: its lines a page at a time (own money first), each
    group's and the year's totals over every line, and every over-committed
    line of the year. A fixed number of queries whatever the year holds."""
    totals = year_totals(year)
    own = YearGroup("The council's own money", count=totals.counts[True])
    external = YearGroup("Funded by others (FCO, partners, other)", count=totals.counts[False])
    group_of = {True: own, False: external}
    total = Figures()
    for is_own, group in group_of.items():
        group.total.add(totals.figures[is_own])
        total.add(group.total)
    paginator = KeysFirstPaginator(
        year_line_list()
        .filter(financial_year=year)
        .order_by(
            Case(When(funding_source=FundingSource.COUNCIL, then=Value(0)), default=Value(1)),
            "funding_source",
            "cost_centre",
            "title",
            "pk",
        ),
        per_page or settings.PAGE_SIZE,
    )
    paginator.count = own.count + external.count  # counted with the totals above
    page = paginator.get_page(page_number)
    for line in page.object_list:
        group_of[_is_own_money(line.funding_source)].rows.append((line, line_figures(line)))
    return YearPage(
        year=year, groups=[own, external], total=total, page=page, over_committed=list(totals.over_committed)
    )


def years_overview(start_year: int | None = None) -> list[tuple[FinancialYear, Figures]]:
    """Each year's totals, for the chart and its table (or one year's, given the year it
    starts in). Summing every spend row is most of the page's cost, so the totals are
    kept until a year, line or spend row is saved or deleted (core/kept.py)."""
    return kept(
        f"budgets:years-overview:{start_year}",
        [FinancialYear, BudgetLine, Spend],
        lambda: _years_overview(start_year),
    )


def _years_overview(start_year: int | None) -> list[tuple[FinancialYear, Figures]]:
    """Two grouped queries whatever the size."""
    years = FinancialYear.objects.all()
    lines = BudgetLine.objects.all()
    spend = Spend.objects.all()
    if start_year is not None:
        years = years.filter(start_year=start_year)
        lines = lines.filter(financial_year__start_year=start_year)
        spend = spend.filter(budget_line__financial_year__start_year=start_year)
    years = list(years)
    figures = {year.pk: Figures() for year in years}
    line_totals = (
        lines.order_by()
        .values("financial_year")
        .annotate(
            budget=Sum("amount", filter=Q(status=LineStatus.APPROVED)),
            proposed=Sum("amount", filter=Q(status=LineStatus.PROPOSED)),
        )
    )
    for row in line_totals:
        figures[row["financial_year"]].budget = row["budget"] or ZERO
        figures[row["financial_year"]].proposed = row["proposed"] or ZERO
    spend_totals = _spend_totals(spend, by="budget_line__financial_year")
    for row in spend_totals:
        year_figures = figures[row["budget_line__financial_year"]]
        year_figures.estimated = row["estimated"] or ZERO
        year_figures.committed = row["committed"] or ZERO
        year_figures.paid = row["paid"] or ZERO
    return [(year, figures[year.pk]) for year in years]


# As long as one page of a list; the counts and links lead to the rest.
REVIEW_LIMIT = settings.PAGE_SIZE


def lines_proposed() -> QuerySet[BudgetLine]:
    """Lines awaiting Finance's decision, oldest year first, with what the queue shows
    of them (no figures of spend: a proposed line has none counted)."""
    return (
        BudgetLine.objects.filter(status=LineStatus.PROPOSED)
        .select_related("financial_year", "proposed_by")
        .order_by("financial_year__start_year", "pk")
    )


def overrides_requested() -> QuerySet[Spend]:
    """Spend awaiting Finance's decision to go over its line, oldest first."""
    return (
        Spend.objects.filter(override_state=OverrideState.REQUESTED)
        .select_related("budget_line__financial_year")
        .order_by("spent_on", "pk")
    )


def review_queue() -> dict[str, Any]:
    """What awaits Finance, oldest first: proposed lines and spend awaiting an override.

    Each list shows at most REVIEW_LIMIT; the counts say how many wait in all. Each
    list is read in the order of an index, so the database stops at the page's last
    row and works out what is committed on each spend's line for those rows alone.
    """
    lines = lines_proposed()
    overrides = overrides_requested()
    return {
        "lines_awaiting_count": lines.count(),
        "lines_awaiting": list(lines[:REVIEW_LIMIT]),
        "overrides_awaiting_count": overrides.count(),
        "overrides_awaiting": list(
            overrides.annotate(line_committed=_spend_sum(COMMITTED, line="budget_line"))[:REVIEW_LIMIT]
        ),
    }


def split_by_shares(amount: Decimal, percentages: list[Decimal]) -> list[Decimal]:
    """Splits an amount by percentages adding to 100, in pence that add up exactly.

    Each part is rounded down to the penny, and the pennies left over go to
    the parts that lost most in rounding (the largest remainder method).
    """
    pence = int((amount * 100).to_integral_value())
    exact = [Decimal(pence) * pct / Decimal(100) for pct in percentages]
    parts = [int(value) for value in exact]
    short = pence - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for index in by_remainder[:short]:
        parts[index] += 1
    return [Decimal(part) / 100 for part in parts]


def cost_share_parts(line: BudgetLine) -> list[tuple[CostShare, Decimal]]:
    """Each council's part of a line on a shared relationship (uses the prefetched shares)."""
    if line.relationship is None:
        return []
    shares = list(line.relationship.cost_shares.all())
    parts = split_by_shares(line.amount, [share.percentage for share in shares])
    return list(zip(shares, (part.quantize(Decimal("0.01")) for part in parts), strict=True))
