"""A report's PDF as a council would publish it, checked on the PDF itself.

Pages are read with poppler's ``pdftotext -bbox-layout`` (where each word
stands) and the structure tree with pypdf: no page more than half blank but
the last of the body and of the appendix, the sign-off and contact box
together, the running header and page numbers as artifacts, no section split
into a second heading-less section at a page break, the title block's lines,
the council's name from settings, and names in local script tagged with
their language.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from demo.register import load_demo
from reports.drafting import report_draft_from_register
from reports.models import Report
from reports.rendering import report_pdf
from tests.factories import ParagraphFactory, PlaceFactory, ReportFactory

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points in a millimetre
# The page's margins (static/css/report.css): top 25 mm, bottom 22 mm.
TOP, BOTTOM = 25 * MM, 22 * MM
CLOSING_STARTS = "THIS REPORT HAS BEEN APPROVED BY THE FOLLOWING OFFICERS:"

_MADE: dict[str, bytes] = {}


@dataclass
class Word:
    text: str
    x: float
    top: float
    bottom: float


@dataclass
class Page:
    height: float
    words: list[Word]

    @property
    def body(self) -> list[Word]:
        """The words inside the page's margins: not the running header or the page number."""
        return [w for w in self.words if w.top >= TOP - 1 and w.bottom <= self.height - BOTTOM + 1]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.body)

    @property
    def blank(self) -> float:
        """How much of the space between the margins is left empty below the last line."""
        area = self.height - TOP - BOTTOM
        lowest = max((w.bottom for w in self.body), default=TOP)
        return (self.height - BOTTOM - lowest) / area


def pages_of(content: bytes) -> list[Page]:
    layout = subprocess.run(
        ["pdftotext", "-bbox-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', layout, re.S):
        words = [
            Word(text, float(x), float(top), float(bottom))
            for x, top, bottom, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', body
            )
        ]
        pages.append(Page(float(height), words))
    return pages


def demo() -> bytes:
    if "demo" not in _MADE:
        load_demo(with_users=False, password="unused")
        report = Report.objects.get(title="Opportunities for Overseas Economic Twinning")
        _MADE["demo"] = report_pdf(
            Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report.pk)
        ).content
    return _MADE["demo"]


def drafted() -> bytes:
    """An options paper drafted from the demo register."""
    if "drafted" not in _MADE:
        load_demo(with_users=False, password="unused")
        report = report_draft_from_register(
            meeting_date=date(2015, 11, 11),
            title="Overseas twinning: options",
            report_of="the Director",
            by=None,
        )
        _MADE["drafted"] = report_pdf(
            Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report.pk)
        ).content
    return _MADE["drafted"]


def last_of_the_body(pages: list[Page]) -> int:
    (index,) = [i for i, page in enumerate(pages) if "List of appendices:" in page.text]
    return index


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("made", [demo, drafted], ids=["the demo report", "a drafted paper"])
def test_no_page_is_more_than_half_blank_but_the_last_of_the_body_and_of_the_appendix(made) -> None:
    pages = pages_of(made())
    allowed = {last_of_the_body(pages), len(pages) - 1}

    too_blank = [
        f"page {i + 1}: {page.blank:.0%} blank"
        for i, page in enumerate(pages)
        if i not in allowed and page.blank > 0.5
    ]
    assert too_blank == []


def test_the_sign_off_and_the_contact_box_stand_together_and_the_appendix_starts_a_page() -> None:
    pages = pages_of(demo())
    closing = last_of_the_body(pages)

    assert CLOSING_STARTS in pages[closing].text
    assert "Appendix 1 IMPLICATIONS" in pages[closing + 1].text
    assert pages[closing + 1].body[0].text == "Appendix"


def test_the_body_lines_up_with_the_running_header_and_the_page_number() -> None:
    first = pages_of(demo())[0]
    header = next(w for w in first.words if w.top < TOP)
    council = next(w for w in first.body if w.text == "Derby")

    assert abs(council.x - header.x) < 0.5 * MM


def test_the_title_block_says_whether_it_is_a_key_decision_and_which_wards() -> None:
    first = pages_of(demo())[0].text

    assert "Key decision: No" in first
    assert "Wards affected: All wards" in first


def test_the_contact_e_mail_address_is_a_link() -> None:
    reader = PdfReader(BytesIO(demo()))
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link"
    ]

    assert "mailto:richard.williams@derby.gov.uk" in links


def test_the_pdf_names_the_council_settings_name(settings) -> None:
    settings.COUNCIL_NAME = "Barnsley Metropolitan Borough Council"
    report = ReportFactory(title="Twinning with Schwäbisch Gmünd")
    ParagraphFactory(report=report, section=1, text="This report sets out the options.")

    text = " ".join(page.text for page in pages_of(report_pdf(report).content))

    assert "Barnsley Metropolitan Borough Council" in text
    assert "Derby" not in text


# --- The structure tree ---------------------------------------------------------------------


def struct_elements(reader: PdfReader) -> list[Any]:
    """Every structure element reachable from the structure tree's root, in order."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and node.get("/Type") != "/MCR" and "/S" in node:
            found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"])
    return found


def marked_text(reader: PdfReader) -> Counter:
    """How many text-showing operators each page draws inside each kind of marked content."""
    counts: Counter = Counter()
    for number, page in enumerate(reader.pages, start=1):
        stack: list[str] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator in (b"BMC", b"BDC"):
                stack.append(str(operands[0]))
            elif operator == b"EMC":
                stack.pop()
            elif operator in (b"Tj", b"TJ"):
                counts[(number, stack[-1] if stack else "none")] += 1
    return counts


def test_the_running_header_and_page_numbers_are_artifacts_and_nothing_hangs_off_the_tree() -> None:
    reader = PdfReader(BytesIO(demo()))
    counts = marked_text(reader)

    for number in range(1, len(reader.pages) + 1):
        # The header's line and "Page X of Y": drawn as artifacts on every page.
        assert counts[(number, "/Artifact")] >= 2, f"page {number}"
        assert counts[(number, "none")] == 0, f"page {number} draws text neither tagged nor artifact"
    # Every marked content's structure element is in the tree a reader walks.
    reachable = {id(element) for element in struct_elements(reader)}
    parents = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    hanging = [
        key
        for key, value in zip(parents[::2], parents[1::2], strict=True)
        for element in (value.get_object() if isinstance(value.get_object(), list) else [value])
        if element is not None and id(element.get_object()) not in reachable
    ]
    assert hanging == []


def test_a_section_running_over_a_page_break_stays_one_section_with_its_heading() -> None:
    elements = struct_elements(PdfReader(BytesIO(demo())))
    sections = [element for element in elements if element["/S"] == "/Sect"]

    def has_heading(section: Any) -> bool:
        return any(re.fullmatch(r"/H\d", str(kid.get_object().get("/S", ""))) for kid in section["/K"])

    headless = [section for section in sections if not has_heading(section)]
    assert headless == []
    assert sum(1 for element in elements if element["/S"] == "/Part") == 1
    # Supporting information (section 4) runs from page 2 to page 3 with all its paragraphs.
    supporting = next(s for s in sections if len(s["/K"]) == 13)
    assert supporting["/K"][0].get_object()["/S"] == "/H2"


def test_names_in_local_script_carry_their_language_and_its_glyphs() -> None:
    PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    report = ReportFactory(title="Twinning in Japan and China")
    ParagraphFactory(
        report=report, section=4, text="Toyota City (豊田市) and Xi'an (西安市) have written to us."
    )

    reader = PdfReader(BytesIO(report_pdf(report).content))

    languages = {str(element["/Lang"]) for element in struct_elements(reader) if "/Lang" in element}
    assert languages == {"ja", "zh-Hans"}
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("CJKjp" in font or "JP" in font for font in fonts), fonts
    assert any("CJKsc" in font or "SC" in font for font in fonts), fonts
