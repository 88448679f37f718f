"""The Cabinet report's PDF, tested for what it says: the text pypdf extracts,
its fonts, its tags and metadata. Rendering is slow, so each HTML document is
rendered once per module and the demo report's PDF is kept for the module."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from demo.register import load_demo
from reports import rendering as report_rendering
from reports.models import Paragraph, Part, Rendering, RenderingStatus, Report
from reports.rendering import report_pdf
from tests.factories import ParagraphFactory, ReportFactory
from tests.support.reports import render_each_html_once

pytestmark = pytest.mark.django_db

TITLE = "Opportunities for Overseas Economic Twinning"
RUNNING_HEADER = "COUNCIL CABINET – 9 September 2015"
BODY_HEADINGS = [
    "SUMMARY",
    "RECOMMENDATIONS",
    "REASONS FOR RECOMMENDATION",
    "SUPPORTING INFORMATION",
    "OTHER OPTIONS CONSIDERED",
]
IMPLICATION_HEADINGS = [
    "Financial and Value for Money",
    "Legal",
    "Personnel",
    "IT",
    "Equalities Impact",
    "Health and Safety",
    "Environmental Sustainability",
    "Property and Asset Management",
    "Risk Management",
    "Corporate objectives and priorities for change",
]
BODY_NUMBERS = [
    *("1.1", "1.2"),
    *(f"2.{n}" for n in range(1, 5)),
    *(f"3.{n}" for n in range(1, 4)),
    *(f"4.{n}" for n in range(1, 13)),
    *("5.1", "5.2"),
]
IMPLICATION_NUMBERS = [f"{n}.1" for n in range(1, 11)] + ["10.2"]
PARAGRAPH_NUMBER = re.compile(r"^(\d+\.\d+) ", re.MULTILINE)

_RENDERED: dict[str, report_rendering.Pdf] = {}
_DEMO_PDF: list[bytes] = []


@pytest.fixture(autouse=True)
def each_html_rendered_once(monkeypatch):
    render_each_html_once(monkeypatch, _RENDERED)


@dataclass
class ReadPdf:
    content: bytes
    reader: PdfReader
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def words(self) -> str:
        """The text with line breaks and runs of spaces as one space, for phrases that wrap."""
        return " ".join(self.text.split())


def read(content: bytes) -> ReadPdf:
    reader = PdfReader(BytesIO(content))
    return ReadPdf(content=content, reader=reader, pages=[page.extract_text() for page in reader.pages])


def demo_report() -> Report:
    load_demo(with_users=False, password="unused")
    return Report.objects.prefetch_related("paragraphs", "sign_offs").get(title=TITLE)


@pytest.fixture
def demo_pdf() -> ReadPdf:
    """The PDF load_demo rendered and stored, read once for the module."""
    if not _DEMO_PDF:
        report = demo_report()
        rendering = Rendering.objects.get(report=report, status=RenderingStatus.READY)
        _DEMO_PDF.append(bytes(rendering.pdf))
    return read(_DEMO_PDF[0])


def pdf_of(report: Report) -> ReadPdf:
    report = Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report.pk)
    return read(report_pdf(report).content)


def line_index(text: str, pattern: str, start: int = 0) -> int:
    """Where the first whole line matching pattern begins, at or after start."""
    match = re.compile(rf"^{pattern}$", re.MULTILINE).search(text, start)
    assert match, f"no line {pattern!r} after character {start}"
    return match.start()


def test_the_sections_and_implications_come_in_the_report_s_order(demo_pdf):
    text = demo_pdf.text

    at = line_index(text, re.escape(TITLE))
    # The headings as the seed prints them: no number before the words.
    for heading in BODY_HEADINGS:
        at = line_index(text, re.escape(heading), at)
    at = line_index(text, "THIS REPORT HAS BEEN APPROVED BY THE FOLLOWING OFFICERS:", at)
    at = line_index(text, "Appendix 1", at)
    at = line_index(text, "IMPLICATIONS", at)
    for heading in IMPLICATION_HEADINGS:
        at = line_index(text, re.escape(heading), at)


def test_paragraph_numbers_are_generated_in_order_in_the_body_and_the_appendix(demo_pdf):
    numbers = PARAGRAPH_NUMBER.findall(demo_pdf.text)

    assert numbers == BODY_NUMBERS + IMPLICATION_NUMBERS


def not_printed(pdf: ReadPdf, *phrases: str) -> list[str]:
    """The phrases the PDF does not print (a phrase may wrap from one line to the next)."""
    return [phrase for phrase in phrases if phrase not in pdf.words]


def test_each_number_stands_before_its_own_paragraph(demo_pdf):
    missing = not_printed(
        demo_pdf,
        "4.11 The requirements in terms of Officer and Member time",
        "5.2 Many of Derby's key employers operate in a global economy",
        "10.2 A strong community where businesses are supported to grow.",
    )
    assert missing == []


def test_the_figures_are_printed_as_the_report_gives_them(demo_pdf):
    missing = not_printed(
        demo_pdf,
        "a four person visit to China taking four nights would cost circa £4,000.",
        "Officers recommend that this be set at £20,000 per year.",
        "a maximum of 25% of this budget (£5,000).",
        "A new revenue budget will have to be identified at £5,000 in 2016–17 and £20,000 in 2017–18 "
        "and future years.",
        "With a population of 1,357,000,000 China is twenty times the size of the UK",
    )
    assert missing == []


def test_the_sign_offs_and_contact_box_are_printed(demo_pdf):
    missing = not_printed(
        demo_pdf,
        "Financial officer Amanda Fletcher, Head of Finance",
        "Other(s) Richard Williams",
        "Report of the Strategic Director for Neighbourhoods",
        "For more information contact: Richard Williams",
        "01332 642436",
        "richard.williams@derby.gov.uk",
        "Background papers: None",
        "List of appendices: Appendix 1 – Implications",
    )
    assert missing == []
    # Role and officer, as the seed prints them: no column of dates left empty.
    assert "Cleared" not in demo_pdf.words.replace("Cleared 8 September 2015", "")


def test_every_page_carries_the_running_header_and_page_x_of_y(demo_pdf):
    pages = demo_pdf.pages

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert RUNNING_HEADER in page, f"page {number} has no running header"
        assert f"Page {number} of {len(pages)}" in page.splitlines(), f"page {number} has no page number"


def test_the_stored_rendering_describes_its_pdf():
    report = demo_report()
    rendering = Rendering.objects.get(report=report)

    assert rendering.page_count == len(PdfReader(BytesIO(bytes(rendering.pdf))).pages)
    assert rendering.size_bytes == len(bytes(rendering.pdf))


def test_the_pdf_is_tagged_titled_and_in_british_english(demo_pdf):
    reader = demo_pdf.reader
    catalog = reader.trailer["/Root"]

    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == TITLE
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    # PDF/UA-1 says so in the XMP metadata, which also carries the title.
    assert reader.xmp_metadata.dc_title == {"x-default": TITLE}
    assert 'pdfuaid:part="1"' in reader.xmp_metadata.rdf_root.toxml()


def _structure_roles(node, roles: list[str]) -> list[str]:
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            _structure_roles(child, roles)
    elif isinstance(node, dict):
        if "/S" in node:
            roles.append(str(node["/S"]))
        if "/K" in node:
            _structure_roles(node["/K"], roles)
    return roles


def test_the_structure_tree_tags_the_title_sections_and_implication_headings(demo_pdf):
    roles = _structure_roles(demo_pdf.reader.trailer["/Root"]["/StructTreeRoot"], [])
    headings = [role for role in roles if re.fullmatch(r"/H\d", role)]

    assert roles[0] == "/Document"
    # The title, then the five sections, the sign-offs, the contact box and
    # Appendix 1 as level 2, and the ten implication headings below it.
    assert headings == ["/H1"] + ["/H2"] * 8 + ["/H3"] * 10
    assert "/Table" in roles and "/TH" in roles


# --- Place names in local script ---------------------------------------------------------

CJK_PLACES = "西安市", "豊田市"


def _cjk_glyphs(reader: PdfReader) -> dict[str, tuple[str, int, int]]:
    """Each character a Noto CJK font on page 1 maps back to: (font, glyph id, width)."""
    glyphs = {}
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "Noto-Sans-CJK" not in font["/BaseFont"]:
            continue
        descendant = font["/DescendantFonts"][0].get_object()
        widths: dict[int, int] = {}
        entries = list(descendant.get("/W", []))
        while entries:  # [first [w1 w2 ...]] or [first last w]
            first, second = entries[0], entries[1]
            if isinstance(second, list):
                widths.update({first + i: width for i, width in enumerate(second)})
                entries = entries[2:]
            else:
                widths.update(dict.fromkeys(range(first, second + 1), entries[2]))
                entries = entries[3:]
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
            for glyph, unicode in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                char = bytes.fromhex(unicode).decode("utf-16-be")
                glyphs[char] = (str(font["/BaseFont"]), int(glyph, 16), widths.get(int(glyph, 16), 0))
    return glyphs


def test_place_names_in_local_script_print_in_real_cjk_glyphs():
    report = ReportFactory()
    ParagraphFactory(
        report=report,
        section=4,
        text="Derby's partner cities include 西安市 (Xi'an) and 豊田市 (Toyota City).",
    )

    pdf = pdf_of(report)

    assert "4.1 Derby's partner cities include 西安市 (Xi'an) and 豊田市 (Toyota City)." in pdf.words
    glyphs = _cjk_glyphs(pdf.reader)
    for char in "".join(CJK_PLACES):
        assert char in glyphs, f"{char} is not set in an embedded Noto CJK font"
        font, glyph, width = glyphs[char]
        # Glyph 0 is .notdef, the empty box; a real ideograph is a full em wide.
        assert glyph != 0, f"{char} prints as .notdef in {font}"
        assert width == 1000, f"{char} has width {width} in {font}"
    noto = next(
        font.get_object()
        for font in pdf.reader.pages[0]["/Resources"]["/Font"].values()
        if "Noto-Sans-CJK" in font.get_object()["/BaseFont"]
    )
    descriptor = noto["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert {"/FontFile2", "/FontFile3"} & set(descriptor), "the CJK font is not embedded"


def test_latin_text_prints_in_liberation_sans_and_no_cjk_font_is_embedded_without_need(demo_pdf):
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in demo_pdf.reader.pages
        for font in page["/Resources"]["/Font"].values()
    }

    assert fonts and not any("CJK" in font for font in fonts)
    assert any("Liberation-Sans" in font for font in fonts)


# --- Numbering ---------------------------------------------------------------------------


def test_a_paragraph_inserted_between_two_renumbers_those_after_it():
    report = demo_report()
    supporting = Paragraph.objects.filter(report=report, part=Part.BODY, section=4)
    third = supporting.get(position=3)
    # An editor inserting after 4.2 moves the later paragraphs down one place.
    for paragraph in supporting.filter(position__gte=3).order_by("-position"):
        paragraph.position += 1
        paragraph.save()
    Paragraph.objects.create(
        report=report, part=Part.BODY, section=4, position=3, text="An inserted paragraph on Osnabrück."
    )

    words = pdf_of(report).words

    assert "4.3 An inserted paragraph on Osnabrück." in words
    assert f"4.4 {third.text[:40]}" in words
    assert "4.13 The Foreign and Commonwealth Office (FCO) has funding" in words
    # One more in section 4; section 5 and the appendix number on their own.
    after_4_12 = BODY_NUMBERS.index("4.12") + 1
    assert PARAGRAPH_NUMBER.findall(pdf_of(report).text) == [
        *BODY_NUMBERS[:after_4_12],
        "4.13",
        *BODY_NUMBERS[after_4_12:],
        *IMPLICATION_NUMBERS,
    ]


def test_paragraphs_number_by_position_not_by_when_they_were_written():
    report = ReportFactory()
    ParagraphFactory(report=report, section=2, position=30, text="Written first, placed last.")
    ParagraphFactory(report=report, section=2, position=10, text="Written second, placed first.")
    ParagraphFactory(report=report, section=2, position=20, text="Written third, placed second.")

    words = pdf_of(report).words

    assert "2.1 Written second, placed first." in words
    assert "2.2 Written third, placed second." in words
    assert "2.3 Written first, placed last." in words


# --- manage.py render_report ------------------------------------------------------------


def test_render_report_writes_the_pdf_with_the_page_count_it_prints(tmp_path: Path):
    report = demo_report()
    output = tmp_path / "cabinet.pdf"
    out = StringIO()

    call_command("render_report", str(report.pk), "--output", str(output), stdout=out)

    printed = re.search(r"Wrote (?P<file>.+): (?P<pages>\d+) pages?, (?P<size>[\d,]+) bytes", out.getvalue())
    assert printed, out.getvalue()
    assert printed["file"] == str(output)
    pdf = read(output.read_bytes())
    assert len(pdf.reader.pages) == int(printed["pages"])
    assert output.stat().st_size == int(printed["size"].replace(",", ""))
    assert pdf.reader.metadata.title == TITLE
    assert PARAGRAPH_NUMBER.findall(pdf.text) == BODY_NUMBERS + IMPLICATION_NUMBERS


def test_render_report_says_clearly_when_there_is_no_such_report(tmp_path: Path):
    output = tmp_path / "missing.pdf"

    with pytest.raises(CommandError, match=r"^There is no report 987654\.$"):
        call_command("render_report", "987654", "--output", str(output))

    assert not output.exists()
