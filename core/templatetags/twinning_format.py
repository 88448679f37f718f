"""Formatting filters available in every template (registered as a builtin)."""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeData

register = template.Library()


@register.filter
def as_text(value: object) -> str:
    """What a title says, without its markup, for where markup cannot go (a page's ``<title>``):
    "Toyota City (<span lang="ja">豊田市</span>)" is "Toyota City (豊田市)". Text not marked
    safe has no markup of its own and is left as it is, to be escaped as usual."""
    if isinstance(value, SafeData):
        return html.unescape(strip_tags(value))
    return "" if value is None else str(value)


@register.filter
def gbp(value: object) -> str:
    """Money as the council writes it: £4,000, or £4,000.50 when there are pence."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return ""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == amount.to_integral_value():
        return f"{sign}£{int(amount):,}"
    return f"{sign}£{amount:,.2f}"


@register.filter
def marked(value: object) -> str:
    """A record as it prints itself in a page (its ``__html__``: a place's name in local
    script marked with its language), where ``{{ value }}`` would print its plain text."""
    return conditional_escape(value)


@register.filter
def person(user: object) -> str:
    """A person by name, as every page names them (their username where no name is given)."""
    from core.text import person_name

    return person_name(user) if user is not None else ""
