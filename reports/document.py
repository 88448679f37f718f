"""The report as a document: sections with their generated paragraph numbers.

The editor, the HTML preview and the PDF all number from here, so a
paragraph is 4.11 everywhere.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines

from core.kept import kept
from partners.models import Place, language_of

from .models import IMPLICATION_HEADINGS, SECTIONS, Paragraph, Part, Report, SignOffRole


@dataclass
class NumberedParagraph:
    number: str
    text: str
    paragraph: Paragraph


@dataclass
class Section:
    number: int
    title: str
    paragraphs: list[NumberedParagraph] = field(default_factory=list)


@dataclass
class Document:
    report: Report
    body: list[Section]
    implications: list[Section]
    sign_offs: list[tuple[str, Any]]


def number_sections(paragraphs: list[Paragraph], titles: dict[int, str]) -> list[Section]:
    """Every section in order, its paragraphs numbered section.1, section.2 … by position."""
    sections = {number: Section(number=number, title=title) for number, title in titles.items()}
    for paragraph in sorted(paragraphs, key=lambda p: (p.section, p.position, p.pk or 0)):
        section = sections[paragraph.section]
        number = f"{section.number}.{len(section.paragraphs) + 1}"
        section.paragraphs.append(NumberedParagraph(number=number, text=paragraph.text, paragraph=paragraph))
    return list(sections.values())


def paragraph_name(paragraph: Paragraph) -> str:
    """What people call the paragraph where it now stands: "paragraph 4.2", or "implications
    paragraph 1.3" in the appendix, numbered as number_sections numbers it."""
    siblings = Paragraph.objects.filter(
        report_id=paragraph.report_id, part=paragraph.part, section=paragraph.section
    )
    before = siblings.filter(
        Q(position__lt=paragraph.position) | Q(position=paragraph.position, pk__lt=paragraph.pk)
    ).count()
    name = f"paragraph {paragraph.section}.{before + 1}"
    return f"implications {name}" if paragraph.part == Part.IMPLICATIONS else name


def build_document(report: Report) -> Document:
    """Uses the report's prefetched paragraphs and sign-offs (see selectors.report_detail)."""
    paragraphs = list(report.paragraphs.all())
    body = number_sections([p for p in paragraphs if p.part == Part.BODY], SECTIONS)
    implications = number_sections(
        [p for p in paragraphs if p.part == Part.IMPLICATIONS], IMPLICATION_HEADINGS
    )
    by_role = {sign_off.role: sign_off for sign_off in report.sign_offs.all()}
    sign_offs = [(label, by_role.get(role)) for role, label in SignOffRole.choices]
    return Document(report=report, body=body, implications=implications, sign_offs=sign_offs)


def local_names() -> dict[str, str]:
    """The register's names in local script, each with its language: {"豊田市": "ja", …}.

    Only names that differ from the place's English name: "Osnabrück" in English
    prose is the English name too. Every report page, preview, PDF and search asks
    for them, so they are kept until a place is saved (core/kept.py).
    """
    return kept("reports:local-names", [Place], _local_names)


def _local_names() -> dict[str, str]:
    names = {}
    places = Place.objects.exclude(local_name="").values_list("name", "local_name", "country")
    for name, local_name, country in places:
        language = language_of(country)
        if language and local_name.strip() and local_name.strip() != name.strip():
            names[local_name.strip()] = language
    return names


def _as_a_name(name: str) -> str:
    """A pattern finding the name: one in letters written with spaces between words (Köln) only as
    a whole word, not inside another (Kölner); one in Chinese or Japanese script wherever it stands."""
    pattern = re.escape(name)
    if all(ord(letter) < 0x2E80 for letter in name):
        return rf"(?<!\w){pattern}(?!\w)"
    return pattern


@functools.lru_cache(maxsize=8)
def _names_pattern(names: frozenset[str]) -> re.Pattern[str]:
    """One pattern finding any of the names, the longest first; made once for every paragraph."""
    return re.compile("|".join(_as_a_name(name) for name in sorted(names, key=lambda n: (-len(n), n))))


def text_with_languages(text: str, names: dict[str, str], *, breaks: bool = True) -> SafeString:
    """A paragraph's text as HTML: escaped, its line breaks kept (unless ``breaks`` is off, for
    a line of text such as a search excerpt), and each name in local script marked with its
    language (``<span lang="ja">豊田市</span>``)."""
    text = normalize_newlines(text)
    pieces, last = [], 0
    if names:
        for found in _names_pattern(frozenset(names)).finditer(text):
            pieces.append(escape(text[last : found.start()]))
            pieces.append(format_html('<span lang="{}">{}</span>', names[found.group()], found.group()))
            last = found.end()
    pieces.append(escape(text[last:]))
    html = "".join(pieces)
    return mark_safe(html.replace("\n", "<br>") if breaks else html)  # noqa: S308 - every piece is escaped above
