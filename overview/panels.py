"""The home page's panels written out in Python, as the lists are (core/tables.py).

Each function makes the ``<li>`` items of one panel from the records the
dashboard read; the template keeps the headings, the sections and what a
panel says when it is empty. A template loop looking up each record's
fields was most of the home page's cost. Every value is escaped; the markup
is made with ``format_html``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.template.defaultfilters import pluralize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.links import record_url
from core.tables import day
from core.templatetags.twinning_format import gbp
from delegations.models import Direction, VisitStatus
from partners.models import ApproachOutcome, RelationshipKind, place_html, relationship_text


def items(render: Callable[[Any], str], records: Iterable[Any]) -> SafeString:
    """The panel's items, one ``<li>`` each around what ``render`` makes of a record; empty (false) for no records."""
    return mark_safe(  # noqa: S308 - each item is escaped
        "".join(f'<li class="list-group-item">{render(record)}</li>' for record in records)
    )


def _linked(url: str, text: Any, particulars: str, *args: Any) -> str:
    """The record's link, a dash, then what the panel says of it (``particulars`` formatted with ``args``)."""
    return format_html('<a href="{}">{}</a> – ', url, text) + format_html(particulars, *args)


def _overdue_class(is_overdue: bool) -> str:
    return ' class="overdue"' if is_overdue else ""


# The officer's panels are read as rows (dashboards.PanelRow), not records: each is
# still open (the query reads no other), so it is overdue once its day has passed.
APPROACH_OUTCOMES = dict(ApproachOutcome.choices)
VISIT_DIRECTIONS = dict(Direction.choices)
VISIT_STATUSES = dict(VisitStatus.choices)
RELATIONSHIP_KINDS = dict(RelationshipKind.choices)


def approach_item(row: Any, today: date) -> str:
    """An open approach, when it must be answered by and how long is left."""
    if row.day is None:
        when = "No respond-by date set."
    else:
        days_left = (row.day - today).days
        overdue = row.day < today
        if overdue:
            # As the template's pluralize had it: a number of days overdue counted from below zero.
            left = f" (overdue by {-days_left} day{pluralize(-days_left)})"
        elif days_left == 0:
            left = " (today)"
        else:
            left = f" ({days_left} day{pluralize(days_left)} left)"
        when = f"<span{_overdue_class(overdue)}>Respond by {day(row.day)}{left}</span>"
    place = mark_safe(place_html(row.place_name, row.local_name, row.country))  # noqa: S308 - escaped there
    outcome = APPROACH_OUTCOMES.get(row.status, row.status)
    return _linked(record_url("partners:approach-detail", row.pk), place, "{}. ", outcome) + when


def visit_item(row: Any) -> str:
    return _linked(
        record_url("delegations:visit-detail", row.pk),
        row.title,
        "{}, {}, from {} ({})",
        VISIT_DIRECTIONS.get(row.kind, row.kind),
        row.place_name,
        day(row.day),
        str(VISIT_STATUSES.get(row.status, row.status)).lower(),
    )


def action_item(row: Any, today: date) -> str:
    """An open action: its title, its relationship's place, and when it is due."""
    parts = [format_html('<a href="{}">{}</a>', record_url("partners:action-detail", row.pk), row.title)]
    if row.place_name is not None:
        parts.append(format_html('<span class="text-body-secondary">({})</span>', row.place_name))
    if row.day is not None:
        overdue = row.day < today
        marked = " (overdue)" if overdue else ""
        parts.append(f"<span{_overdue_class(overdue)}>– due {day(row.day)}{marked}</span>")
    return " ".join(parts)


def review_item(row: Any, today: date) -> str:
    overdue = row.day < today
    return _linked(
        record_url("partners:relationship-detail", row.pk),
        relationship_text(row.place_name, RELATIONSHIP_KINDS.get(row.kind, row.kind)),
        "review by <span{}>{}{}</span>",
        mark_safe(_overdue_class(overdue)),  # noqa: S308 - a fixed attribute
        day(row.day),
        " (overdue)" if overdue else "",
    )


def line_item(line: Any) -> str:
    """A proposed budget line, named by what tells it from another of the same title."""
    centre = format_html(", cost centre {}", line.cost_centre) if line.cost_centre else ""
    return format_html(
        '<a href="{}">{}, {}: {}</a> proposed{}',
        line.get_absolute_url(),
        line.title,
        line.financial_year.label,
        gbp(line.amount),
        centre,
    )


def override_item(spend: Any) -> str:
    line = spend.budget_line
    return format_html(
        '<a href="{}">{}, {} on {}, {}</a>: would go over the line',
        spend.get_absolute_url(),
        spend.description,
        gbp(spend.amount),
        line.title,
        line.financial_year.label,
    )


def gift_item(gift: Any) -> str:
    return _linked(
        gift.get_absolute_url(), gift.description, "{}, received {}", gbp(gift.value), day(gift.on)
    )


def report_item(report: Any) -> str:
    return _linked(
        report.get_absolute_url(),
        report.title,
        "{}, {}; {} of {} sign-offs cleared",
        report.committee,
        day(report.meeting_date),
        report.cleared_sign_offs,
        report.required_sign_offs,
    )


def pdf_item(rendering: Any) -> str:
    report = rendering.report
    return _linked(
        report.get_absolute_url(),
        report.title,
        '<a href="{}">PDF<span class="visually-hidden"> of {}</span></a>, {} page{}, made {}',
        record_url("reports:rendering-download", rendering.pk),
        report.title,
        rendering.page_count,
        pluralize(rendering.page_count),
        day(rendering.finished_at, empty=""),
    )


def rag_item(relationship: Any) -> str:
    return _linked(
        relationship.get_absolute_url(),
        relationship,
        "{}, {}",
        relationship.get_rag_display(),
        str(relationship.get_status_display()).lower(),
    )
