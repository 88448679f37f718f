"""Tags for the register's lists and menu: sortable column headers, menu items."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from core.links import page_url

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context: template.Context, label: str, key: str) -> str:
    """A column header that sorts the list by ``key`` and says how it is sorted now."""
    request = context["request"]
    query = request.GET.copy()
    current = query.get("ordering", "")
    query.pop("page", None)
    if current == key:
        state, next_key, next_words = "ascending", f"-{key}", "sort descending"
    elif current == f"-{key}":
        state, next_key, next_words = "descending", key, "sort ascending"
    else:
        state, next_key, next_words = "", key, "sort ascending"
    query["ordering"] = next_key
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    aria = format_html(' aria-sort="{}"', state) if state else ""
    return format_html(
        '<th scope="col"{}><a href="?{}">{}<span aria-hidden="true">{}</span>'
        '<span class="visually-hidden"> ({})</span></a></th>',
        aria,
        query.urlencode(),
        label,
        arrow,
        next_words,
    )


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, url_name: str, label: str) -> str:
    """An item of the main menu, marked as the current page's section when it is."""
    target = page_url(url_name)
    current = ' aria-current="page"' if target in context["request"].path else ""
    return format_html(
        '<li class="nav-item"><a class="nav-link" href="{}"{}>{}</a></li>', target, current, label
    )
