"""What each role's home page shows: the work waiting for that role.

Each panel is a fixed handful of queries whatever the register holds; a user
with several roles sees each role's panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from budgets.models import FinancialYear, LineStatus, Spend
from budgets.models import OverrideState as SpendOverride
from budgets.selectors import Figures, budget_line_list, years_overview
from delegations.models import Visit, VisitStatus
from delegations.selectors import outstanding_gifts
from partners.models import Action, Approach, Place, RagRating, Relationship, RelationshipStatus
from partners.selectors import OPEN_ACTION_STATUSES, OPEN_APPROACH_OUTCOMES
from reports.models import Rendering, RenderingStatus, Report, ReportStatus

PANEL_SIZE = 10
VISITS_AHEAD_DAYS = 60
REVIEW_AHEAD_DAYS = 30


def _days_left(day: date | None, today: date) -> int | None:
    return None if day is None else (day - today).days


def approaches_awaiting(today: date) -> list[Approach]:
    """Open approaches, overdue first then soonest due, each with ``days_left``."""
    approaches = list(
        Approach.objects.filter(outcome__in=OPEN_APPROACH_OUTCOMES)
        .select_related("place")
        .only("respond_by", "outcome", "place__name", "place__local_name", "place__country")
        .order_by(F("respond_by").asc(nulls_last=True), "-pk")[:PANEL_SIZE]
    )
    for approach in approaches:
        approach.days_left = _days_left(approach.respond_by, today)
        approach.overdue = approach.is_overdue_on(today)
    return approaches


def visits_coming(today: date) -> list[Visit]:
    return list(
        Visit.objects.filter(starts_on__gte=today, starts_on__lte=today + timedelta(days=VISITS_AHEAD_DAYS))
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("relationship__place")
        .only("title", "direction", "starts_on", "status", "relationship__place__name")
        .order_by("starts_on", "pk")[:PANEL_SIZE]
    )


# What a panel shows of each record, and no more: the panels are read on every visit home.
ACTION_ITEM = ("title", "due_on", "status", "relationship__place__name")


def _as_of(actions: QuerySet, today: date) -> list[Action]:
    """The panel's actions, each marked overdue or not as of ``today``."""
    listed = list(actions.select_related("relationship__place").only(*ACTION_ITEM)[:PANEL_SIZE])
    for action in listed:
        action.overdue = action.is_overdue_on(today)
    return listed


def my_actions(user: Any, today: date) -> list[Action]:
    """The user's own open actions with a due date, overdue first."""
    return _as_of(
        Action.objects.filter(owner=user, status__in=OPEN_ACTION_STATUSES, due_on__isnull=False).order_by(
            "due_on", "pk"
        ),
        today,
    )


def open_actions(today: date) -> list[Action]:
    """Everyone's open actions, soonest due first, undated last."""
    return _as_of(
        Action.objects.filter(status__in=OPEN_ACTION_STATUSES).order_by(
            F("due_on").asc(nulls_last=True), "pk"
        ),
        today,
    )


def reviews_due(today: date) -> list[Relationship]:
    """Relationships not ended whose next review is within REVIEW_AHEAD_DAYS or past."""
    return list(
        Relationship.objects.exclude(status=RelationshipStatus.ENDED)
        .filter(next_review_on__lte=today + timedelta(days=REVIEW_AHEAD_DAYS))
        .select_related("place")
        .only("kind", "next_review_on", "place__name")
        .order_by("next_review_on", "pk")[:PANEL_SIZE]
    )


@dataclass
class YearPosition:
    year: FinancialYear | None
    figures: Figures


def year_position(today: date) -> YearPosition:
    """The current financial year's budget, committed, paid and remaining."""
    for year, figures in years_overview():
        if year.starts_on <= today <= year.ends_on:
            return YearPosition(year, figures)
    return YearPosition(None, Figures())


def lines_awaiting() -> QuerySet:
    return budget_line_list().filter(status=LineStatus.PROPOSED).order_by("financial_year__start_year", "pk")


def overrides_awaiting() -> QuerySet:
    return (
        Spend.objects.filter(override_state=SpendOverride.REQUESTED)
        .select_related("budget_line__financial_year")
        .order_by("spent_on", "pk")
    )


def reports_awaiting_approval() -> list[Report]:
    return list(
        Report.objects.filter(status=ReportStatus.DRAFT)
        .annotate(
            required_sign_offs=Count("sign_offs", filter=Q(sign_offs__is_required=True)),
            cleared_sign_offs=Count(
                "sign_offs", filter=Q(sign_offs__is_required=True, sign_offs__cleared_on__isnull=False)
            ),
        )
        .order_by("meeting_date", "pk")[:PANEL_SIZE]
    )


def recent_pdfs() -> list[Rendering]:
    """The latest ready PDFs of published reports (without their bytes)."""
    return list(
        Rendering.objects.without_pdf()
        .filter(status=RenderingStatus.READY, report__status=ReportStatus.PUBLISHED)
        .select_related("report")
        .order_by("-finished_at", "-pk")[:PANEL_SIZE]
    )


@dataclass
class RagGlance:
    counts: list[tuple[str, str, int]]  # (value, label, how many)
    needing_attention: list[Relationship]  # red first, then amber


def relationships_at_a_glance() -> RagGlance:
    """How many relationships (not ended) are red, amber, green or unrated, and the
    red and amber ones by name."""
    live = Relationship.objects.exclude(status=RelationshipStatus.ENDED)
    counted = dict(live.order_by().values_list("rag").annotate(n=Count("pk")).values_list("rag", "n"))
    counts = [(value, label, counted.get(value, 0)) for value, label in RagRating.choices]
    counts.append(("", "Not rated", counted.get("", 0)))
    attention = list(
        live.filter(rag__in=[RagRating.RED, RagRating.AMBER])
        .select_related("place")
        .order_by(Case(When(rag=RagRating.RED, then=Value(0)), default=Value(1)), "place__name", "pk")[
            : PANEL_SIZE * 2
        ]
    )
    return RagGlance(counts, attention)


def for_user(user: Any) -> dict[str, Any]:
    """The panels of every role the user holds."""
    today = timezone.localdate()
    panels: dict[str, Any] = {"today": today}
    if user.has_perm("partners.add_approach"):
        panels["officer"] = {
            "approaches": approaches_awaiting(today),
            "visits": visits_coming(today),
            "actions": my_actions(user, today),
            "open_actions": open_actions(today),
            "reviews": reviews_due(today),
            "visits_ahead_days": VISITS_AHEAD_DAYS,
            "review_ahead_days": REVIEW_AHEAD_DAYS,
        }
    if user.has_perm("budgets.decide_budgetline"):
        lines = lines_awaiting()
        overrides = overrides_awaiting()
        gifts = outstanding_gifts()
        panels["finance"] = {
            "position": year_position(today),
            "lines": list(lines[:PANEL_SIZE]),
            "lines_count": lines.count(),
            "overrides": list(overrides[:PANEL_SIZE]),
            "overrides_count": overrides.count(),
            "gifts": list(gifts[:PANEL_SIZE]),
            "gifts_count": gifts.count(),
        }
    if user.has_perm("reports.approve_report"):
        panels["leader"] = {
            "awaiting": reports_awaiting_approval(),
            "pdfs": recent_pdfs(),
            "relationships": relationships_at_a_glance(),
        }
    return panels


def register_summary() -> dict[str, Any]:
    """The register at a glance for the home page: a fixed handful of queries."""
    today = timezone.localdate()
    status_counts = dict(
        Relationship.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "today": today,
        "relationship_counts": [
            (label, status_counts.get(value, 0)) for value, label in RelationshipStatus.choices
        ],
        "place_count": Place.objects.count(),
    }
