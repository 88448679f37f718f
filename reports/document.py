"""The report as a document: sections with their generated paragraph numbers.

The editor, the HTML preview and the PDF all number from here, so a
paragraph is 4.11 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
