"""Where later apps add to the register's pages.

Data flows one way: partners never imports the apps after it. Those apps
register here, from their AppConfig.ready(), what they add to a place's
timeline, the sections they add to the place and relationship pages and the
links they add to a relationship's page. Each contribution must cost a fixed
number of queries per page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# (place) -> timeline events; the place's relationships are prefetched.
TimelineSource = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Section:
    """A section another app adds to a register page: a template and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# (place or relationship, user) -> Section or None
SectionSource = Callable[[Any, Any], Section | None]


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


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    if source not in timeline_sources:
        timeline_sources.append(source)
    return source


def register_place_section(source: SectionSource) -> SectionSource:
    if source not in place_sections:
        place_sections.append(source)
    return source


def register_relationship_section(source: SectionSource) -> SectionSource:
    if source not in relationship_sections:
        relationship_sections.append(source)
    return source


def register_relationship_link(source: LinkSource) -> LinkSource:
    if source not in relationship_links:
        relationship_links.append(source)
    return source


def links_for(subject: Any, user: Any) -> list[Link]:
    return [link for source in relationship_links if (link := source(subject, user)) is not None]


def sections_for(sources: list[SectionSource], subject: Any, user: Any) -> list[Section]:
    return [section for source in sources if (section := source(subject, user)) is not None]
