"""Addresses of records, worked out once per kind of page rather than once per row.

A list of 25 records links each one: ``reverse()`` walks the URL conf every
time. The address of a record's page differs from its neighbour's only in
the id, so the pattern is reversed once (with a stand-in id) and filled in.
"""

from __future__ import annotations

from typing import Any

from django.urls import get_script_prefix, get_urlconf, resolve, reverse

# An id no record has, to find where the id goes in the address.
_STAND_IN = 918_273_645
_patterns: dict[tuple[str, int, str, object], str] = {}


def record_url(view_name: str, *ids: int) -> str:
    """``reverse(view_name, args=ids)`` for pages whose address takes whole-number ids."""
    key = (view_name, len(ids), get_script_prefix(), get_urlconf())
    pattern = _patterns.get(key)
    if pattern is None:
        stand_in = reverse(view_name, args=[_STAND_IN] * len(ids))
        pattern = _patterns[key] = (
            stand_in.replace("{", "{{").replace("}", "}}").replace(str(_STAND_IN), "{}")
        )
    return pattern.format(*(int(value) for value in ids))


def page_url(view_name: str) -> str:
    """``reverse(view_name)`` for a page without arguments (the menu's), worked out once."""
    return record_url(view_name)


def may_send(user: Any, url: str) -> bool:
    """Whether ``user`` has what the view at ``url`` (as ``reverse()`` gives it, under the
    site's script prefix) requires (``core.views.role_required``): a page offers a form or a
    link only to those its view will let through."""
    prefix = get_script_prefix()
    path = "/" + url.removeprefix(prefix) if url.startswith(prefix) else url
    return user.has_perms(getattr(resolve(path).func, "required_permissions", ()))
