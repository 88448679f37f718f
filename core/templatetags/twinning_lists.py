"""Tags for the register's lists and menu: sortable column headers, menu items."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core import tables
from core.links import page_url

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, url_name: str, label: str) -> str:
    """An item of the main menu, marked as the current page's section when it is."""
    target = page_url(url_name)
    current = ' aria-current="page"' if target in context["request"].path else ""
    return mark_safe(  # noqa: S308 - the address is the app's own, the label escaped
        f'<li class="nav-item"><a class="nav-link" href="{target}"{current}>{escape(label)}</a></li>'
    )


@register.simple_tag(takes_context=True)
def table_head(context: template.Context, columns: Any) -> str:
    """A list's header row from its columns (core/tables.py), sortable ones as links."""
    return tables.table_head(context["request"], columns)


@register.simple_tag
def table_rows(columns: Any, records: Any) -> str:
    """A list's rows from its columns (core/tables.py)."""
    return tables.table_rows(columns, records)


@register.simple_tag
def page(url_name: str) -> str:
    """The address of a page without arguments ({% url %} for the layout's links, worked out once)."""
    return page_url(url_name)
