"""The register's lists, declared as columns and written out in Python.

A list page names its columns once (heading, what to sort by, what each row
shows); the table is built here rather than by a template looking up each
cell, which was the larger part of a list page's cost. Every cell's text is
escaped; links and badges are made with ``safe_format``, as ``format_html`` makes them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from .text import long_date

NONE = "—"


@dataclass(frozen=True)
class Column:
    """One column of a list: its heading, the key its header sorts by ("" for none), and its cell."""

    heading: str
    cell: Callable[[Any], Any]
    sort: str = ""
    numeric: bool = False  # right-aligned, as figures are
    # The cell's class and language where they depend on the row (an overspent line, a Chinese name).
    css: Callable[[Any], str] | None = None
    lang: Callable[[Any], str] | None = None


def label_of(field_name: str) -> Callable[[Any], str]:
    """A cell showing a field's choice by its label, as ``get_<field>_display()`` does but
    without building the field's choices anew for every row."""
    labels: dict[Any, str] = {}

    def shown(record: Any) -> str:
        if not labels:
            field = record._meta.get_field(field_name)
            labels.update((value, str(label)) for value, label in field.flatchoices)
        value = getattr(record, field_name)
        return labels.get(value, value)

    return shown


def safe_format(template: str, *values: Any) -> SafeString:
    """``format_html`` for the cells of a list, which make many: each value escaped as
    Django escapes it (``_cell_text``), without its check for lazy text on every call."""
    return mark_safe(template.format(*map(_cell_text, values)))  # noqa: S308 - every value is escaped


def link(url: str, text: Any, unseen: Any = "") -> SafeString:
    """A link; ``unseen`` words, read out but not shown, tell it from links in the same list
    that read the same (two relationships with one place, one line title in several years)."""
    if unseen:
        return safe_format('<a href="{}">{}<span class="visually-hidden"> {}</span></a>', url, text, unseen)
    return safe_format('<a href="{}">{}</a>', url, text)


def record_link(record: Any, text: Any = None) -> SafeString | str:
    """A link to the record's page, or a dash for none."""
    if record is None:
        return NONE
    return link(record.get_absolute_url(), record if text is None else text)


def or_none(value: Any) -> Any:
    return NONE if value in (None, "") else value


def badge(css: str, text: Any) -> SafeString:
    return safe_format('<span class="badge {}">{}</span>', css, text)


def with_local_name(url: str, place: Any, unseen: Any = "") -> SafeString:
    """A link by the place's English name, its name in local script beside it where they
    differ; ``unseen`` as for link()."""
    if place.local_name and place.local_name != place.name:
        language = getattr(place, "local_language", "")
        return safe_format(
            '{} <span class="local-name"{}>{}</span>',
            link(url, place.name, unseen),
            safe_format(' lang="{}"', language) if language else "",
            place.local_name,
        )
    return link(url, place.name, unseen)


def day(value: date | None, empty: str = NONE) -> str:
    return long_date(value) or empty


def due(value: date | None, is_overdue: bool, words: str = "") -> SafeString | str:
    """A date by which something is due ("Due by 9 October 2015"), marked when it has passed."""
    if value is None:
        return NONE
    if is_overdue:
        return safe_format('<span class="overdue">{}{} (overdue)</span>', words, long_date(value))
    return safe_format("<span>{}{}</span>", words, long_date(value))


def money(value: Decimal | None) -> str:
    from .templatetags.twinning_format import gbp

    return gbp(value)


def _cell_text(value: Any) -> str:
    """A cell's text, escaped as Django escapes, without its lazy-text wrapper on every cell."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def sort_header(request: HttpRequest, base_query: Any, heading: str, key: str) -> str:
    """A column header that sorts the list by ``key`` and says how it is sorted now."""
    query = base_query.copy()
    current = request.GET.get("ordering", "")
    if current == key:
        state, next_key, next_words = "ascending", f"-{key}", "sort descending"
    elif current == f"-{key}":
        state, next_key, next_words = "descending", key, "sort ascending"
    else:
        state, next_key, next_words = "", key, "sort ascending"
    query["ordering"] = next_key
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    aria = safe_format(' aria-sort="{}"', state) if state else ""
    return safe_format(
        '<th scope="col"{}><a href="?{}">{}<span aria-hidden="true">{}</span>'
        '<span class="visually-hidden"> ({})</span></a></th>',
        aria,
        query.urlencode(),
        heading,
        arrow,
        next_words,
    )


def table_head(request: HttpRequest, columns: Iterable[Column]) -> SafeString:
    base_query = request.GET.copy()
    base_query.pop("page", None)
    cells = []
    for column in columns:
        if column.sort:
            cells.append(sort_header(request, base_query, column.heading, column.sort))
        else:
            css = ' class="text-end"' if column.numeric else ""
            cells.append(f'<th scope="col"{css}>{_cell_text(column.heading)}</th>')
    return mark_safe("".join(cells))  # noqa: S308 - every heading is escaped above


def table_rows(columns: Iterable[Column], records: Iterable[Any]) -> SafeString:
    columns = list(columns)
    rows = []
    for record in records:
        cells = []
        for column in columns:
            classes = " ".join(
                filter(None, ["text-end" if column.numeric else "", column.css and column.css(record)])
            )
            attrs = f' class="{_cell_text(classes)}"' if classes else ""
            if column.lang is not None:
                attrs = f' lang="{_cell_text(column.lang(record))}"{attrs}'
            cells.append(f"<td{attrs}>{_cell_text(column.cell(record))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every cell is escaped above
