"""Where later apps add to the register's pages.

Data flows one way: partners never imports the apps after it. Those apps
register here, from their AppConfig.ready(), what they add to a place's
timeline, the sections they add to the place and relationship pages and the
links they add to a relationship's page. Each contribution must cost a fixed
number of queries per page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

# (place) -> timeline events; the place's relationships are prefetched.
TimelineSource = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Section:
    """A section another app adds to a register page: a template and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# (place or relationship, user) -> Section or None
SectionSource = Callable[[Any, Any], Section | None]


def section(
    template: str, *, shown_to: str
) -> Callable[[Callable[[Any, Any], dict[str, Any]]], SectionSource]:
    """Makes a section source of a function giving the section's context.

    The section is shown, with ``template``, only to users with the permission
    ``shown_to``; for anyone else the function is not called (nor its queries run).
    """

    def source_of(context: Callable[[Any, Any], dict[str, Any]]) -> SectionSource:
        @functools.wraps(context)
        def source(subject: Any, user: Any) -> Section | None:
            if not user.has_perm(shown_to):
                return None
            return Section(template=template, context=context(subject, user))

        return source

    return source_of


@dataclass(frozen=True)
class Link:
    """A page of another app about this record, offered beside the record's own buttons."""

    label: str
    url: str


# (relationship, user) -> Link or None
LinkSource = Callable[[Any, Any], Link | None]

timeline_sources: list[TimelineSource] = []
place_sections: list[SectionSource] = []
relationship_sections: list[SectionSource] = []
relationship_links: list[LinkSource] = []


Source = TypeVar("Source")


def _adding_to(sources: list[Source]) -> Callable[[Source], Source]:
    """How an app adds a source to ``sources``: once, however often its ready() runs."""

    def register(source: Source) -> Source:
        if source not in sources:
            sources.append(source)
        return source

    return register


register_timeline_source = _adding_to(timeline_sources)
register_place_section = _adding_to(place_sections)
register_relationship_section = _adding_to(relationship_sections)
register_relationship_link = _adding_to(relationship_links)


def links_for(subject: Any, user: Any) -> list[Link]:
    return [link for source in relationship_links if (link := source(subject, user)) is not None]


def sections_for(sources: list[SectionSource], subject: Any, user: Any) -> list[Section]:
    return [section for source in sources if (section := source(subject, user)) is not None]
