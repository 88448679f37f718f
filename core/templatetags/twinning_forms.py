"""Template filters for forms."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def has_required_fields(form: Any) -> bool:
    """Whether the form shows a field that must be filled in (and so an asterisk to explain)."""
    return any(field.field.required and not field.is_hidden for field in form)
