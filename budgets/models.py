"""Financial years, budget lines, spend against them and shared costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.links import record_url
from core.models import kept_documents, named_user, status_log
from core.status import HasStatusFlow, StatusChange, StatusFlow
from core.text import long_date
from core.versioning import FieldConstraintErrorsMixin, VersionedModel
from delegations.models import CostItem, Visit
from partners.models import Council, Relationship

MONEY = {"max_digits": 12, "decimal_places": 2}
PENNY = Decimal("0.01")
POSITIVE_AMOUNT = MinValueValidator(PENNY, message="The amount must be more than zero.")


def financial_year_start(day: date) -> int:
    """The calendar year a UK financial year (1 April to 31 March) starts in."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start_year: int) -> str:
    """As the council writes it: 2016–17."""
    return f"{start_year}–{(start_year + 1) % 100:02d}"


class FinancialYearQuerySet(models.QuerySet):
    def for_date(self, day: date) -> FinancialYear:
        """The year the date falls in, made if the register has not needed it before."""
        year, _ = self.get_or_create(start_year=financial_year_start(day))
        return year


class FinancialYear(models.Model):
    """A UK financial year, 1 April to 31 March, shown as "2016–17"."""

    start_year = models.PositiveSmallIntegerField(
        unique=True,
        validators=[
            MinValueValidator(1990, message="Give a year from 1990."),
            MaxValueValidator(2100, message="Give a year up to 2100."),
        ],
        help_text="The year it starts in: 2016 for 2016–17.",
    )

    objects = FinancialYearQuerySet.as_manager()

    class Meta:
        ordering = ["start_year"]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return record_url("budgets:year-detail", self.start_year)

    @property
    def label(self) -> str:
        return financial_year_label(self.start_year)

    @property
    def starts_on(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> date:
        return date(self.start_year + 1, 3, 31)

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class FundingSource(models.TextChoices):
    COUNCIL = "council", "Council revenue"
    FCO = "fco", "Foreign and Commonwealth Office"
    PARTNER = "partner", "Partner"
    OTHER = "other", "Other"


class LineStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# Finance decides a proposed line once; the decision stands (its history says who took it).
LINE_DECISIONS: dict[str, tuple[str, ...]] = {
    LineStatus.PROPOSED: (LineStatus.APPROVED, LineStatus.REJECTED),
    LineStatus.APPROVED: (),
    LineStatus.REJECTED: (),
}


class BudgetLine(HasStatusFlow, VersionedModel):
    """Money set aside in one financial year, proposed by officers and decided by Finance."""

    status_flow = StatusFlow(LineStatus, LINE_DECISIONS, noun="A budget line")

    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="budget_lines")
    cost_centre = models.CharField(max_length=20, help_text="The ledger's cost centre code.")
    title = models.CharField(max_length=200)
    amount = models.DecimalField("amount (£)", **MONEY, validators=[POSITIVE_AMOUNT])
    funding_source = models.CharField(
        max_length=10, choices=FundingSource.choices, default=FundingSource.COUNCIL
    )
    relationship = models.ForeignKey(
        Relationship,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
        help_text="Leave blank for money that serves no single relationship.",
    )
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.PROPOSED)
    notes = models.TextField(blank=True)
    proposed_by = named_user()
    decided_by = named_user()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["financial_year__start_year", "cost_centre", "title", "pk"]
        indexes = [
            # Finance's queue and the home page: the lines awaiting a decision, and how many.
            models.Index(fields=["status", "financial_year", "id"], name="budgetline_by_status"),
            # The years' and a year's totals: amounts by year, funding source and status,
            # read from the index alone.
            models.Index(
                fields=["financial_year", "funding_source", "status", "amount"],
                name="budgetline_sums_by_year",
            ),
        ]
        permissions = [
            ("decide_budgetline", "Can approve or reject budget lines"),
            ("change_approved_budgetline", "Can change an approved or rejected budget line"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="budget_line_amount_positive",
                violation_error_message="The amount must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LineStatus.values), name="budget_line_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="budget_line_decision_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.financial_year})"

    def get_absolute_url(self) -> str:
        return record_url("budgets:line-detail", self.pk)

    @property
    def is_decided(self) -> bool:
        return self.status != LineStatus.PROPOSED

    @property
    def is_awaiting_decision(self) -> bool:
        return not self.is_decided

    @property
    def spend_to_move(self) -> list[Spend]:
        """The spend left on this line when Finance rejected it and still expected: each is to
        be moved to a line it can be spent from, or withdrawn. Read from the line's spend as
        its page has it."""
        if self.status != LineStatus.REJECTED:
            return []
        return [spend for spend in self.spend.all() if spend.status != SpendStatus.WITHDRAWN]

    @property
    def is_councils_own(self) -> bool:
        return self.funding_source == FundingSource.COUNCIL


class SpendStatus(models.TextChoices):
    ESTIMATED = "estimated", "Estimated"
    COMMITTED = "committed", "Committed"
    PAID = "paid", "Paid"
    # An estimate no longer expected (its plan dropped): kept on record, counted nowhere.
    WITHDRAWN = "withdrawn", "Withdrawn"


# Money paid has gone: only Finance, who may override, sets paid spend back, to mend a mistake
# (and then, as an estimate, it may be withdrawn).
PAID_STAYS_PAID = (
    "Paid spend stays paid: the money has gone. Finance can correct a payment recorded in error."
)


class OverrideState(models.TextChoices):
    NONE = "", "Not needed"
    REQUESTED = "requested", "Awaiting Finance"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"


# Finance grants or refuses an officer's request to go over a line, once.
OVERRIDE_DECISIONS: dict[str, tuple[str, ...]] = {
    OverrideState.REQUESTED: (OverrideState.GRANTED, OverrideState.REFUSED),
}


class Spend(HasStatusFlow, FieldConstraintErrorsMixin, VersionedModel):
    """Money against a budget line: estimated, committed or paid.

    Committing more than the line has left needs Finance: an officer's
    request waits as "awaiting Finance" and counts as estimated until granted.
    Its status flow is that of the override decision, not of the spend itself.
    """

    constraint_error_field = "amount"
    status_flow = StatusFlow(OverrideState, OVERRIDE_DECISIONS, noun="An override", field="override_state")

    budget_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="spend")
    description = models.CharField(max_length=200)
    amount = models.DecimalField("amount (£)", **MONEY, validators=[POSITIVE_AMOUNT])
    spent_on = models.DateField("date")
    status = models.CharField(max_length=10, choices=SpendStatus.choices, default=SpendStatus.ESTIMATED)
    supplier = models.CharField(max_length=150, blank=True)
    reference = models.CharField(max_length=60, blank=True, help_text="Order or invoice number.")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="spend")
    cost_item = models.ForeignKey(
        CostItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="spend",
        help_text="The visit's cost item this pays for, if any.",
    )
    override_state = models.CharField(
        "override", max_length=10, choices=OverrideState.choices, default=OverrideState.NONE, blank=True
    )
    override_reason = models.TextField(
        "reason for going over",
        blank=True,
        help_text="Why this spend should go beyond what the line has left.",
    )
    override_decided_by = named_user()
    override_decided_at = models.DateTimeField(null=True, blank=True)
    override_comment = models.TextField(blank=True)
    recorded_by = named_user()
    history = HistoricalRecords()
    documents = kept_documents()

    class Meta:
        ordering = ["-spent_on", "-pk"]
        indexes = [
            models.Index(fields=["-spent_on", "-id"], name="spend_newest_first"),
            # Finance's queue: the requests to go over a line, oldest first, and how many.
            models.Index(fields=["override_state", "spent_on", "id"], name="spend_override_queue"),
            # Every sum of spend (a line's, a year's) is by line and by status: read from the
            # index alone, not from each row of a wide table.
            models.Index(
                fields=["budget_line", "status", "override_state", "amount"], name="spend_sums_by_line"
            ),
        ]
        verbose_name_plural = "spend"
        permissions = [("override_spend", "Can commit spend beyond what a budget line has left")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="spend_amount_positive",
                violation_error_message="The amount must be more than zero.",
            ),
            models.CheckConstraint(condition=Q(status__in=SpendStatus.values), name="spend_status_known"),
            models.CheckConstraint(
                condition=Q(override_state__in=OverrideState.values), name="spend_override_state_known"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return record_url("budgets:spend-detail", self.pk)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        line = self.budget_line if self.budget_line_id else None
        if line is not None and self.spent_on and not line.financial_year.contains(self.spent_on):
            year = line.financial_year
            errors["spent_on"] = (
                f"This line is for {year.label}: the date must fall between "
                f"{long_date(year.starts_on)} and {long_date(year.ends_on)}."
            )
        if self.cost_item_id and self.visit_id and self.cost_item.visit_id != self.visit_id:
            errors["cost_item"] = "This cost item belongs to a different visit."
        if self.status == SpendStatus.WITHDRAWN and (refusal := self._not_withdrawable()):
            errors["status"] = refusal
        if line is not None and line.status == LineStatus.REJECTED and not self._left_on(line):
            errors[NON_FIELD_ERRORS] = "This budget line was rejected; record spend against another line."
        if (
            line is not None
            and line.status == LineStatus.PROPOSED
            and self.status in (SpendStatus.COMMITTED, SpendStatus.PAID)
        ):
            errors["status"] = (
                "Spend can be committed or paid only against an approved line; record it as estimated."
            )
        if errors:
            raise ValidationError(errors)

    def _not_withdrawable(self) -> str:
        """Why this spend may not be withdrawn ("" if it may): only an estimate is, and spend is
        recorded when it is expected."""
        if self.pk is None:
            return "New spend is recorded as expected; withdraw an estimate once it is no longer expected."
        stored = Spend.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored in (SpendStatus.COMMITTED, SpendStatus.PAID):
            return (
                "Only an estimate can be withdrawn: this spend is committed or paid, so it holds money "
                "on the line. Record it as estimated first if the commitment was cancelled."
            )
        return ""

    def _left_on(self, line: BudgetLine) -> bool:
        """Whether this is spend already on ``line``, left there when Finance rejected it: it
        stays, counted, until moved (its edit page asks for a line), but none is put there."""
        return self.pk is not None and Spend.objects.filter(pk=self.pk, budget_line=line).exists()

    @property
    def is_to_move(self) -> bool:
        """Left on a line Finance rejected and still expected: to be moved, or withdrawn."""
        return self.budget_line.status == LineStatus.REJECTED and self.status != SpendStatus.WITHDRAWN

    @property
    def is_awaiting_override(self) -> bool:
        return self.override_state == OverrideState.REQUESTED

    @property
    def counts_as_committed(self) -> bool:
        return self.status in (SpendStatus.COMMITTED, SpendStatus.PAID) and not self.is_awaiting_override


class BudgetLineStatusChange(status_log(BudgetLine)):
    """Finance's decision on a line: approved or rejected, by whom, when and why."""

    class Meta(StatusChange.Meta):
        verbose_name = "budget line decision"


class SpendOverrideChange(status_log(Spend, related_name="override_changes")):
    """Finance's decision on a request to go over a line: granted or refused, by whom, when and why."""

    class Meta(StatusChange.Meta):
        verbose_name = "override decision"


class CostShare(models.Model):
    """A council's percentage of the costs of a relationship several councils hold."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="cost_shares")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="cost_shares")
    percentage = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[
            MinValueValidator(PENNY, message="A share must be more than 0%."),
            MaxValueValidator(Decimal("100"), message="A share cannot be more than 100%."),
        ],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-percentage", "council__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "council"],
                name="cost_share_once_per_council",
                violation_error_message="This council already has a share of this relationship's costs.",
            ),
            models.CheckConstraint(
                condition=Q(percentage__gt=0) & Q(percentage__lte=100), name="cost_share_percentage_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council}: {self.percentage}%"


__all__ = [
    "BudgetLine",
    "CostShare",
    "FinancialYear",
    "FundingSource",
    "LineStatus",
    "OverrideState",
    "Spend",
    "SpendStatus",
    "financial_year_label",
    "financial_year_start",
]
