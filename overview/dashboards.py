"""What each role's home page shows: the work waiting for that role.

Each panel is a fixed handful of queries whatever the register holds; a user
with several roles sees each role's panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone

from budgets.models import FinancialYear, financial_year_start
from budgets.selectors import Figures, lines_proposed, overrides_requested, years_overview
from delegations.models import VisitStatus
from delegations.selectors import outstanding_gifts
from partners.models import Place, RagRating, Relationship, RelationshipStatus
from partners.selectors import OPEN_ACTION_STATUSES, OPEN_APPROACH_OUTCOMES
from reports.models import Rendering, RenderingStatus, Report, ReportStatus

from .panels import (
    action_item,
    approach_item,
    gift_item,
    items,
    line_item,
    override_item,
    pdf_item,
    rag_item,
    report_item,
    review_item,
    visit_item,
)

PANEL_SIZE = 10
VISITS_AHEAD_DAYS = 60
REVIEW_AHEAD_DAYS = 30


def _days_left(day: date | None, today: date) -> int | None:
    return None if day is None else (day - today).days


_OPEN_ACTION = "t.status IN ({})".format(", ".join(["%s"] * len(OPEN_ACTION_STATUSES)))


def _actions(part: str, where: str, order: str) -> str:
    """A panel's actions as its rows, each with its relationship's place where it has one."""
    return f"""
    SELECT '{part}', t.id, t.title, t.status, t.due_on, p.name, '', '', ''
    FROM partners_action t
    LEFT JOIN partners_relationship r ON r.id = t.relationship_id LEFT JOIN partners_place p ON p.id = r.place_id
    WHERE {where}
    ORDER BY {order}, t.id LIMIT {PANEL_SIZE}"""  # noqa: S608 - only placeholders and the panel size are put in


# The officer's five panels and the register's counts, read in one statement: the
# home page is opened more than any other, and each query the ORM builds costs it
# several times what the database spends on these few rows. Each part reads its
# panel's first PANEL_SIZE rows in the order the panel shows, by the same indexes.
# Columns: part, id (a count for the counts), title, status, day, place name,
# place's local name, place's country, kind (a visit's direction, a relationship's kind).
OFFICER_PANELS = """
SELECT * FROM (
    SELECT 'approach', a.id, '', a.outcome, a.respond_by, p.name, p.local_name, p.country, ''
    FROM partners_approach a JOIN partners_place p ON p.id = a.place_id
    WHERE a.outcome IN ({open_approach})
    ORDER BY a.respond_by ASC NULLS LAST, a.id DESC LIMIT {size}
) AS approaches
UNION ALL SELECT * FROM (
    SELECT 'visit', v.id, v.title, v.status, v.starts_on, p.name, '', '', v.direction
    FROM delegations_visit v
    JOIN partners_relationship r ON r.id = v.relationship_id JOIN partners_place p ON p.id = r.place_id
    WHERE v.starts_on >= %s AND v.starts_on <= %s AND NOT (v.status = %s)
    ORDER BY v.starts_on, v.id LIMIT {size}
) AS visits
UNION ALL SELECT * FROM ({own_actions}) AS own_actions
UNION ALL SELECT * FROM ({open_actions}) AS open_actions
UNION ALL SELECT * FROM (
    SELECT 'review', r.id, '', r.status, r.next_review_on, p.name, '', '', r.kind
    FROM partners_relationship r JOIN partners_place p ON p.id = r.place_id
    WHERE NOT (r.status = %s) AND r.next_review_on <= %s
    ORDER BY r.next_review_on, r.id LIMIT {size}
) AS reviews
UNION ALL
SELECT 'status', COUNT(*), '', status, CAST(NULL AS date), '', '', '', ''
FROM partners_relationship GROUP BY status
UNION ALL
SELECT 'places', COUNT(*), '', '', CAST(NULL AS date), '', '', '', '' FROM partners_place
""".format(  # noqa: S608 - only placeholders and the panel size are put in
    open_approach=", ".join(["%s"] * len(OPEN_APPROACH_OUTCOMES)),
    own_actions=_actions(
        "own action", f"t.owner_id = %s AND {_OPEN_ACTION} AND t.due_on IS NOT NULL", "t.due_on"
    ),
    open_actions=_actions("open action", _OPEN_ACTION, "t.due_on ASC NULLS LAST"),
    size=PANEL_SIZE,
)


class PanelRow(NamedTuple):
    """One item of an officer's panel as read: what the item shows, and no record made."""

    part: str
    pk: int
    title: str
    status: str
    day: date | None
    place_name: str | None  # None for an action without a relationship
    local_name: str
    country: str
    kind: str


@dataclass
class OfficerPanels:
    approaches: list[PanelRow]
    visits: list[PanelRow]
    own_actions: list[PanelRow]
    open_actions: list[PanelRow]
    reviews: list[PanelRow]
    relationship_counts: dict[str, int]
    place_count: int


def _as_date(value: Any) -> date | None:
    """A date as the database gives it (SQLite gives its text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def officer_panels(user: Any, today: date) -> OfficerPanels:
    """The approaches awaiting a response (overdue first, then soonest due), visits in
    the next VISITS_AHEAD_DAYS, the user's own open actions with a due date and
    everyone's open actions (soonest due first, undated last), reviews due within
    REVIEW_AHEAD_DAYS or past, and relationships by status and the number of places:
    one query."""
    adapt = connection.ops.adapt_datefield_value
    params = [
        *OPEN_APPROACH_OUTCOMES,
        adapt(today),
        adapt(today + timedelta(days=VISITS_AHEAD_DAYS)),
        VisitStatus.CANCELLED,
        user.pk,
        *OPEN_ACTION_STATUSES,
        *OPEN_ACTION_STATUSES,
        RelationshipStatus.ENDED,
        adapt(today + timedelta(days=REVIEW_AHEAD_DAYS)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(OFFICER_PANELS, params)
        rows = cursor.fetchall()
    panels = OfficerPanels([], [], [], [], [], {}, 0)
    parts = {
        "approach": panels.approaches,
        "visit": panels.visits,
        "own action": panels.own_actions,
        "open action": panels.open_actions,
        "review": panels.reviews,
    }
    for row in rows:
        part, count, status = row[0], row[1], row[3]
        if part == "status":
            panels.relationship_counts[status] = count
        elif part == "places":
            panels.place_count = count
        else:
            parts[part].append(PanelRow(*row[:4], _as_date(row[4]), *row[5:]))
    # Each part came in its order; a database may hand a union's parts back in another.
    panels.approaches.sort(key=lambda row: (row.day is None, row.day or today, -row.pk))
    panels.visits.sort(key=lambda row: (row.day, row.pk))
    panels.own_actions.sort(key=lambda row: (row.day, row.pk))
    panels.open_actions.sort(key=lambda row: (row.day is None, row.day or today, row.pk))
    panels.reviews.sort(key=lambda row: (row.day, row.pk))
    return panels


@dataclass
class YearPosition:
    year: FinancialYear | None
    figures: Figures


def year_position(today: date) -> YearPosition:
    """The current financial year's budget, committed, paid and remaining."""
    for year, figures in years_overview(start_year=financial_year_start(today)):
        return YearPosition(year, figures)
    return YearPosition(None, Figures())


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


def home(user: Any) -> dict[str, Any]:
    """The home page's panels, those of every role the user holds, an officer's first, each
    as its template and what it shows (the items written out, overview/panels.py); and the
    register at a glance for those who may see it."""
    today = timezone.localdate()
    panels: list[tuple[str, dict[str, Any]]] = []
    context: dict[str, Any] = {"panels": panels}
    if user.has_perm("partners.add_approach"):
        officer = officer_panels(user, today)
        panels.append(
            (
                "overview/_officer_panels.html",
                {
                    "approaches": items(lambda row: approach_item(row, today), officer.approaches),
                    "visits": items(visit_item, officer.visits),
                    "actions": items(lambda row: action_item(row, today), officer.own_actions),
                    "open_actions": items(lambda row: action_item(row, today), officer.open_actions),
                    "reviews": items(lambda row: review_item(row, today), officer.reviews),
                    "visits_ahead_days": VISITS_AHEAD_DAYS,
                    "review_ahead_days": REVIEW_AHEAD_DAYS,
                },
            )
        )
        if user.has_perm("partners.view_relationship"):
            context.update(_summary(today, officer.relationship_counts, officer.place_count))
    elif user.has_perm("partners.view_relationship"):
        context.update(register_summary())
    if user.has_perm("budgets.decide_budgetline"):
        lines = lines_proposed()
        overrides = overrides_requested()
        gifts = outstanding_gifts()
        panels.append(
            (
                "overview/_finance_panels.html",
                {
                    "position": year_position(today),
                    "lines": items(line_item, lines[:PANEL_SIZE]),
                    "lines_count": lines.count(),
                    "overrides": items(override_item, overrides[:PANEL_SIZE]),
                    "overrides_count": overrides.count(),
                    "gifts": items(gift_item, gifts[:PANEL_SIZE]),
                    "gifts_count": gifts.count(),
                },
            )
        )
    if user.has_perm("reports.approve_report"):
        glance = relationships_at_a_glance()
        panels.append(
            (
                "overview/_leader_panels.html",
                {
                    "awaiting": items(report_item, reports_awaiting_approval()),
                    "pdfs": items(pdf_item, recent_pdfs()),
                    "relationships": glance,
                    "needing_attention": items(rag_item, glance.needing_attention),
                },
            )
        )
    return context


def _summary(today: date, status_counts: dict[str, int], place_count: int) -> dict[str, Any]:
    return {
        "today": today,
        "relationship_counts": [
            (label, status_counts.get(value, 0)) for value, label in RelationshipStatus.choices
        ],
        "place_count": place_count,
    }


def register_summary() -> dict[str, Any]:
    """The register at a glance for the home page: a fixed handful of queries."""
    status_counts = dict(
        Relationship.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return _summary(timezone.localdate(), status_counts, Place.objects.count())
