"""How the register writes people and dates in its own words: "Olivia Officer", "9 September 2015"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone


def person_name(user: Any) -> str:
    """A person as the pages name them: full name, or username where none is recorded."""
    return user.get_full_name() or user.get_username()


def first_words(text: str, count: int, more: str = "…") -> str:
    """The text's first ``count`` words, ``more`` after them where words were left off (once,
    where the last word kept already ends with it): as Django's ``Truncator(text).words(count)``
    gives, without its translation lookup per call."""
    words = text.split()
    if len(words) <= count:
        return " ".join(words)
    kept = " ".join(words[:count])
    return kept if kept.endswith(more) else kept + more


def long_date(day: date | datetime | None) -> str:
    """ "9 September 2015"; a moment is given as its day in the UK. Empty for no date."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return f"{day.day} {day:%B %Y}"


def date_range(starts: date | None, ends: date | None) -> str:
    """ "12 October 2015 to 16 October 2015", or one date when they are the same day."""
    if ends is None or ends == starts:
        return long_date(starts)
    return f"{long_date(starts)} to {long_date(ends)}"
