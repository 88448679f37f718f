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


def items(render: Callable[[Any], str], records: Iterable[Any]) -> SafeString:
    """The panel's items, one ``<li>`` each; empty (false) for no records."""
    return mark_safe("".join(render(record) for record in records))  # noqa: S308 - each item is escaped


def _item(body: str) -> str:
    return f'<li class="list-group-item">{body}</li>'


def _overdue_class(is_overdue: bool) -> str:
    return ' class="overdue"' if is_overdue else ""


def approach_item(approach: Any) -> str:
    """An open approach, when it must be answered by and how long is left."""
    if approach.respond_by is None:
        when = "No respond-by date set."
    else:
        days_left = approach.days_left
        if approach.overdue:
            # As the template's pluralize had it: a number of days overdue counted from below zero.
            left = f" (overdue by {-days_left} day{pluralize(days_left)})"
        elif days_left == 0:
            left = " (today)"
        else:
            left = f" ({days_left} day{pluralize(days_left)} left)"
        when = f"<span{_overdue_class(approach.overdue)}>Respond by {day(approach.respond_by)}{left}</span>"
    return _item(
        format_html(
            '<a href="{}">{}</a> – {}. ',
            approach.get_absolute_url(),
            approach.place,
            approach.get_outcome_display(),
        )
        + when
    )


def visit_item(visit: Any) -> str:
    return _item(
        format_html(
            '<a href="{}">{}</a> – {}, {}, from {} ({})',
            visit.get_absolute_url(),
            visit.title,
            visit.get_direction_display(),
            visit.relationship.place.name,
            day(visit.starts_on),
            str(visit.get_status_display()).lower(),
        )
    )


def action_item(action: Any) -> str:
    """An open action: its title, its relationship's place, and when it is due."""
    parts = [format_html('<a href="{}">{}</a>', action.get_absolute_url(), action.title)]
    if action.relationship is not None:
        parts.append(
            format_html('<span class="text-body-secondary">({})</span>', action.relationship.place.name)
        )
    if action.due_on is not None:
        overdue = " (overdue)" if action.overdue else ""
        parts.append(f"<span{_overdue_class(action.overdue)}>– due {day(action.due_on)}{overdue}</span>")
    return _item(" ".join(parts))


def review_item(relationship: Any, today: date) -> str:
    overdue = relationship.next_review_on < today
    return _item(
        format_html(
            '<a href="{}">{}</a> – review by <span{}>{}{}</span>',
            relationship.get_absolute_url(),
            relationship,
            mark_safe(_overdue_class(overdue)),  # noqa: S308 - a fixed attribute
            day(relationship.next_review_on),
            " (overdue)" if overdue else "",
        )
    )


def line_item(line: Any) -> str:
    """A proposed budget line, named by what tells it from another of the same title."""
    centre = format_html(", cost centre {}", line.cost_centre) if line.cost_centre else ""
    return _item(
        format_html(
            '<a href="{}">{}, {}: {}</a> proposed{}',
            line.get_absolute_url(),
            line.title,
            line.financial_year.label,
            gbp(line.amount),
            centre,
        )
    )


def override_item(spend: Any) -> str:
    return _item(
        format_html(
            '<a href="{}">{}, {} on {}, {}</a>: would go over the line',
            spend.get_absolute_url(),
            spend.description,
            gbp(spend.amount),
            spend.budget_line.title,
            spend.budget_line.financial_year.label,
        )
    )


def gift_item(gift: Any) -> str:
    return _item(
        format_html(
            '<a href="{}">{}</a> – {}, received {}',
            gift.get_absolute_url(),
            gift.description,
            gbp(gift.value),
            day(gift.on),
        )
    )


def report_item(report: Any) -> str:
    return _item(
        format_html(
            '<a href="{}">{}</a> – {}, {}; {} of {} sign-offs cleared',
            report.get_absolute_url(),
            report.title,
            report.committee,
            day(report.meeting_date),
            report.cleared_sign_offs,
            report.required_sign_offs,
        )
    )


def pdf_item(rendering: Any) -> str:
    report = rendering.report
    return _item(
        format_html(
            '<a href="{}">{}</a> – <a href="{}">PDF<span class="visually-hidden"> of {}</span></a>, '
            "{} page{}, made {}",
            report.get_absolute_url(),
            report.title,
            record_url("reports:rendering-download", rendering.pk),
            report.title,
            rendering.page_count,
            pluralize(rendering.page_count),
            day(rendering.finished_at, empty=""),
        )
    )


def rag_item(relationship: Any) -> str:
    return _item(
        format_html(
            '<a href="{}">{}</a> – {}, {}',
            relationship.get_absolute_url(),
            relationship,
            relationship.get_rag_display(),
            str(relationship.get_status_display()).lower(),
        )
    )
