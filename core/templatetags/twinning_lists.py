"""Tags for the register's lists: sortable column headers."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

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
