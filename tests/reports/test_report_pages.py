"""Drafting a Cabinet report on its pages: paragraphs added, edited, moved and
removed, their numbers generated, never typed, and "the same in the editor,
the HTML preview and the PDF"; the report's own form refusing an empty title,
an exempt report without its Schedule 12A paragraph or its public-interest
reasoning, and a paragraph of only spaces, each beside its field with nothing
saved.

Pages are read as a person reads them (fields by label, buttons by their
words, the error beside the field).
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from reports.models import Paragraph, RenderingStatus, Report
from tests.factories import ParagraphFactory
from tests.support.pages import (
    Page,
    asked_to_remove,
    button_form,
    open_page,
    press,
    record_page,
    status_message,
    within,
)
from tests.support.reports import (
    SUPPORTING,
    TITLE,
    draft,
    editor_paragraphs,
    make_the_pdf,
    preview_paragraphs,
    report_unchanged,
)

SPACES_ONLY = "A paragraph needs some words: it cannot be only spaces."
NO_WORDS = "Write the paragraph."
NO_TITLE = "Give the report a title."
NOT_IN_SCHEDULE = "Schedule 12A has paragraphs 1 to 7."
NO_EXEMPT_PARAGRAPH = "An exempt report must name the paragraph (1–7) of Schedule 12A."
NO_PUBLIC_INTEREST = "An exempt report must give the public interest reasoning."

# --- Helpers --------------------------------------------------------------------


def preview_page(client: Client, report: Report) -> Page:
    return open_page(client, reverse("reports:report-preview", args=[report.pk]))


def pdf_paragraphs(content: bytes, texts: list[str]) -> list[tuple[str, str]]:
    """Each of ``texts`` with the number printed before it in the PDF, in the order printed."""
    words = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages)
    found = []
    for text in texts:
        match = re.search(r"(\d+\.\d+) " + re.escape(text), words)
        assert match, f"{text!r} is not in the PDF with a number before it"
        found.append((match.start(), match[1], text))
    return [(number, text) for _, number, text in sorted(found)]


def add_paragraph(client: Client, report: Report, section: str, text: str, *, status: int = 302) -> Any:
    """Fills the report page's "Add a paragraph" form and sends it."""
    url = reverse("reports:paragraph-add", args=[report.pk])
    form = record_page(client, report).form_posting_to(url)
    response = client.post(url, form.fill({"Section": section, "Paragraph": text}))
    assert response.status_code == status, Page(response).errors_summary() if status == 302 else response
    return response


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def report(officer: Any) -> Report:
    return draft(officer)


# --- Numbers generated, never typed ----------------------------------------------------------


def test_paragraphs_added_on_the_page_are_numbered_in_the_editor_and_the_preview(
    officer_client: Client, report: Report
) -> None:
    add_paragraph(officer_client, report, "1 Summary", "This report sets out options for economic twinning.")
    for text in SUPPORTING[:3]:
        response = add_paragraph(officer_client, report, "4 Supporting information", text)
    assert response["Location"] == report.get_absolute_url()
    assert "its number follows from its place" in status_message(officer_client.get(response["Location"]))

    expected = [
        ("1.1", "This report sets out options for economic twinning."),
        ("4.1", SUPPORTING[0]),
        ("4.2", SUPPORTING[1]),
        ("4.3", SUPPORTING[2]),
    ]
    assert editor_paragraphs(record_page(officer_client, report)) == expected
    assert preview_paragraphs(preview_page(officer_client, report)) == expected


@pytest.mark.parametrize("template", ["reports:report-preview", "500.html"])
def test_pages_outside_the_layout_are_laid_out_for_a_phone_s_width(
    officer_client: Client, report: Report, template: str
) -> None:
    """The layout says so for every other page; a phone would otherwise draw these a desktop wide."""
    if template.endswith(".html"):
        page = Page(render_to_string(template))
    else:
        page = open_page(officer_client, reverse(template, args=[report.pk]))
    viewport = [
        meta.attrs.get("content", "")
        for meta in page.root.find_all("meta")
        if meta.attrs.get("name") == "viewport"
    ]
    assert viewport == ["width=device-width, initial-scale=1"]


def test_the_body_s_and_the_appendix_s_paragraphs_are_told_apart_by_name(
    officer_client: Client, report: Report
) -> None:
    body = Paragraph.objects.create(report=report, part="body", section=1, position=1, text="In the body.")
    appendix = Paragraph.objects.create(
        report=report, part="implications", section=1, position=1, text="The financial implications."
    )
    page = record_page(officer_client, report)
    # Each link carries the version it shows, so a paragraph changed since is not removed unseen.
    removing = reverse("reports:paragraph-delete", args=[body.pk])
    assert page.link("Remove paragraph 1.1") == f"{removing}?version={body.version}"
    removing = reverse("reports:paragraph-delete", args=[appendix.pk])
    assert page.link("Remove implications paragraph 1.1") == f"{removing}?version={appendix.version}"
    assert page.link("Edit implications paragraph 1.1") == reverse(
        "reports:paragraph-update", args=[appendix.pk]
    )
    edit = Page(officer_client.get(reverse("reports:paragraph-update", args=[appendix.pk])))
    assert edit.root.find_all("h1")[0].text == "Edit implications paragraph 1.1"
    assert edit.root.find_all("title")[0].text.startswith("Edit implications paragraph 1.1 – ")


def test_a_paragraph_removal_confirmed_twice_says_it_was_removed_already(
    officer_client: Client, report: Report
) -> None:
    add_paragraph(officer_client, report, "4 Supporting information", SUPPORTING[0])
    asked = asked_to_remove(officer_client, record_page(officer_client, report), "Remove paragraph 4.1")
    assert press(officer_client, asked, "Yes, remove it").status_code == 302
    again = press(officer_client, asked, "Yes, remove it")
    assert again["Location"] == report.get_absolute_url()
    assert "That paragraph was removed already" in status_message(officer_client.get(again["Location"]))


def test_a_paragraph_changed_after_its_removal_was_asked_is_not_removed_unseen(
    officer_client: Client, report: Report
) -> None:
    for text in SUPPORTING[:2]:
        add_paragraph(officer_client, report, "4 Supporting information", text)
    asked = asked_to_remove(officer_client, record_page(officer_client, report), "Remove paragraph 4.2")

    # A colleague rewrites it meanwhile; its edit page is named by its number.
    paragraph = Paragraph.objects.get(text=SUPPORTING[1])
    url = reverse("reports:paragraph-update", args=[paragraph.pk])
    edit = Page(officer_client.get(url))
    assert edit.root.find_all("h1")[0].text == "Edit paragraph 4.2"
    changed = "Hefei's approach is set out in Appendix 2."
    assert (
        officer_client.post(url, within(edit.form_of("Paragraph")).fill({"Paragraph": changed})).status_code
        == 302
    )

    response = press(officer_client, asked, "Yes, remove it")
    assert "was changed by someone else after you opened the page" in status_message(
        officer_client.get(response["Location"])
    )
    assert Paragraph.objects.get(pk=paragraph.pk).text == changed


def test_moving_and_removing_renumber_the_editor_the_preview_and_the_pdf(
    officer_client: Client, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    for text in SUPPORTING:
        add_paragraph(officer_client, report, "4 Supporting information", text)

    moved = press(officer_client, record_page(officer_client, report), "Move up paragraph 4.3")
    assert moved.status_code == 302
    after_move = [SUPPORTING[0], SUPPORTING[2], SUPPORTING[1], SUPPORTING[3]]
    assert [text for _, text in editor_paragraphs(record_page(officer_client, report))] == after_move

    asked = asked_to_remove(officer_client, record_page(officer_client, report), "Remove paragraph 4.1")
    assert asked.root.find_all("h1")[0].text == "Remove paragraph 4.1?"
    assert SUPPORTING[0] in asked.root.find_all("blockquote")[0].text  # what goes, in its words
    assert "The paragraphs after it in section 4 are renumbered." in asked.text
    assert asked.link("No, keep it") == f"{report.get_absolute_url()}#section-body-4"
    assert Paragraph.objects.filter(text=SUPPORTING[0]).exists()
    removed = press(officer_client, asked, "Yes, remove it")
    assert removed.status_code == 302
    assert "renumbered" in status_message(officer_client.get(removed["Location"]))
    expected = [("4.1", SUPPORTING[2]), ("4.2", SUPPORTING[1]), ("4.3", SUPPORTING[3])]
    assert editor_paragraphs(record_page(officer_client, report)) == expected
    assert preview_paragraphs(preview_page(officer_client, report)) == expected
    assert not Paragraph.objects.filter(text=SUPPORTING[0]).exists()

    rendering = make_the_pdf(officer_client, report, django_capture_on_commit_callbacks)
    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.READY, rendering.error
    download = officer_client.get(reverse("reports:rendering-download", args=[rendering.pk]))
    assert pdf_paragraphs(download.content, [text for _, text in expected]) == expected


def test_moving_down_and_at_the_ends(officer_client: Client, report: Report) -> None:
    for text in SUPPORTING[:3]:
        add_paragraph(officer_client, report, "4 Supporting information", text)
    page = record_page(officer_client, report)
    # The first cannot go up nor the last down: no such buttons are offered.
    with pytest.raises(AssertionError, match="0 buttons"):
        button_form(page, "Move up paragraph 4.1")
    with pytest.raises(AssertionError, match="0 buttons"):
        button_form(page, "Move down paragraph 4.3")
    # A stale button (the first paragraph asked to go up) changes nothing.
    first = Paragraph.objects.get(text=SUPPORTING[0])
    officer_client.post(reverse("reports:paragraph-move", args=[first.pk]), {"direction": "up"})
    assert [t for _, t in editor_paragraphs(record_page(officer_client, report))] == SUPPORTING[:3]

    assert press(officer_client, page, "Move down paragraph 4.1").status_code == 302
    assert editor_paragraphs(record_page(officer_client, report)) == [
        ("4.1", SUPPORTING[1]),
        ("4.2", SUPPORTING[0]),
        ("4.3", SUPPORTING[2]),
    ]


def test_a_paragraph_moved_to_another_section_goes_to_its_end_and_both_renumber(
    officer_client: Client, report: Report
) -> None:
    add_paragraph(officer_client, report, "3 Reasons for recommendation", "Links bring investment.")
    for text in SUPPORTING[:3]:
        add_paragraph(officer_client, report, "4 Supporting information", text)
    paragraph = Paragraph.objects.get(text=SUPPORTING[0])

    url = reverse("reports:paragraph-update", args=[paragraph.pk])
    form = within(Page(officer_client.get(url)).form_of("Paragraph"))
    assert form.value("Section") == "body:4"
    assert form.value("Paragraph") == SUPPORTING[0]
    response = officer_client.post(url, form.fill({"Section": "3 Reasons for recommendation"}))
    assert response.status_code == 302

    assert editor_paragraphs(record_page(officer_client, report)) == [
        ("3.1", "Links bring investment."),
        ("3.2", SUPPORTING[0]),
        ("4.1", SUPPORTING[1]),
        ("4.2", SUPPORTING[2]),
    ]


def test_a_number_cannot_be_typed(officer_client: Client, report: Report) -> None:
    """The form asks only for the section and the words; a number sent anyway is ignored."""
    url = reverse("reports:paragraph-add", args=[report.pk])
    form = record_page(officer_client, report).form_posting_to(url)
    assert sorted(form.labels()) == ["Paragraph", "Section"]
    add_paragraph(officer_client, report, "4 Supporting information", SUPPORTING[0])
    data = form.fill({"Section": "4 Supporting information", "Paragraph": SUPPORTING[1]})
    response = officer_client.post(
        url, {**data, "paragraph-number": "4.9", "paragraph-position": "0", "number": "4.9", "position": "0"}
    )
    assert response.status_code == 302
    assert editor_paragraphs(record_page(officer_client, report)) == [
        ("4.1", SUPPORTING[0]),
        ("4.2", SUPPORTING[1]),
    ]


def test_the_appendix_implications_are_numbered_under_their_own_headings(
    officer_client: Client, report: Report
) -> None:
    add_paragraph(officer_client, report, "Appendix 1 – 2 Legal", "There are no legal implications.")
    add_paragraph(
        officer_client, report, "Appendix 1 – 1 Financial and Value for Money", "Costs are met by the FCO."
    )
    add_paragraph(
        officer_client, report, "Appendix 1 – 1 Financial and Value for Money", "Visits cost £4,000."
    )
    page = record_page(officer_client, report)
    assert editor_paragraphs(page) == [
        ("1.1", "Costs are met by the FCO."),
        ("1.2", "Visits cost £4,000."),
        ("2.1", "There are no legal implications."),
    ]
    preview = preview_page(officer_client, report)
    appendix = next(s for s in preview.root.find_all("section") if "implications" in s.classes)
    printed = [
        (n.find_all("span")[0].text, n.find_all("p")[0].text)
        for n in appendix.find_all("div")
        if "numbered" in n.classes
    ]
    assert printed[:4] == [
        ("1.1", "Costs are met by the FCO."),
        ("1.2", "Visits cost £4,000."),
        ("2.1", "There are no legal implications."),
        ("3.1", "None."),
    ]


# --- Bad paragraphs ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["   ", "\t \r\n  ", ""])
def test_a_paragraph_of_only_spaces_is_refused_beside_it_and_nothing_is_saved(
    officer_client: Client, report: Report, text: str
) -> None:
    ParagraphFactory(report=report, section=4, text=SUPPORTING[0])
    with report_unchanged():
        response = add_paragraph(officer_client, report, "4 Supporting information", text, status=400)
    page = Page(response)
    assert "There is a problem" in page.text
    assert page.invalid_fields() == ["Paragraph"]
    assert page.field_error("Paragraph") == (SPACES_ONLY if text else NO_WORDS)
    assert editor_paragraphs(page) == [("4.1", SUPPORTING[0])]


def test_a_paragraph_over_5000_characters_is_refused_beside_it_and_nothing_is_saved(
    officer_client: Client, report: Report
) -> None:
    ParagraphFactory(report=report, section=4, text=SUPPORTING[0])
    with report_unchanged():
        response = add_paragraph(officer_client, report, "4 Supporting information", "x" * 5001, status=400)
    page = Page(response)
    assert "There is a problem" in page.text
    assert page.invalid_fields() == ["Paragraph"]
    assert page.field_error("Paragraph") == (
        "A paragraph can have at most 5,000 characters; this one has 5001. Split it into shorter paragraphs."
    )
    assert editor_paragraphs(page) == [("4.1", SUPPORTING[0])]
    # Edited to one as long, the paragraph is refused too; 5,000 characters are taken.
    paragraph = Paragraph.objects.get(report=report)
    url = reverse("reports:paragraph-update", args=[paragraph.pk])
    form = within(Page(officer_client.get(url)).form_of("Paragraph"))
    with report_unchanged():
        response = officer_client.post(url, form.fill({"Paragraph": "y" * 6000}))
    assert response.status_code == 400
    assert "this one has 6000" in Page(response).field_error("Paragraph")
    add_paragraph(officer_client, report, "4 Supporting information", "z" * 5000)
    assert Paragraph.objects.filter(report=report).count() == 2


def test_the_database_refuses_a_paragraph_over_5000_characters(report: Report) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Paragraph.objects.create(report=report, section=4, text="x" * 5001)
    paragraph = Paragraph.objects.create(report=report, section=4, text="x" * 5000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Paragraph.objects.filter(pk=paragraph.pk).update(text="x" * 5001)


def test_editing_a_paragraph_to_only_spaces_is_refused_beside_it(
    officer_client: Client, report: Report
) -> None:
    paragraph = ParagraphFactory(report=report, section=4, text=SUPPORTING[0])
    url = reverse("reports:paragraph-update", args=[paragraph.pk])
    form = within(Page(officer_client.get(url)).form_of("Paragraph"))
    with report_unchanged():
        response = officer_client.post(url, form.fill({"Paragraph": "    "}))
    assert response.status_code == 400
    assert Page(response).field_error("Paragraph") == SPACES_ONLY
    assert Paragraph.objects.get(pk=paragraph.pk).text == SUPPORTING[0]


def test_two_officers_editing_one_paragraph_the_second_is_told_and_keeps_their_words(
    officer_client: Client, colleague_client: Client, report: Report
) -> None:
    paragraph = ParagraphFactory(report=report, section=4, text=SUPPORTING[0])
    url = reverse("reports:paragraph-update", args=[paragraph.pk])
    olivia = within(Page(officer_client.get(url)).form_of("Paragraph"))
    priya = within(Page(colleague_client.get(url)).form_of("Paragraph"))
    assert officer_client.post(url, olivia.fill({"Paragraph": "Olivia's wording."})).status_code == 302

    with report_unchanged():
        response = colleague_client.post(url, priya.fill({"Paragraph": "Priya's wording."}))
    assert response.status_code == 409
    page = Page(response)
    assert "Olivia Officer saved this record" in page.errors_summary()
    assert "They changed: text." in page.errors_summary()
    again = within(page.form_of("Paragraph"))
    assert again.fill({})["paragraph-text"] == "Priya's wording."
    assert Paragraph.objects.get(pk=paragraph.pk).text == "Olivia's wording."

    # Sent again after reading Olivia's, Priya's words are saved.
    assert colleague_client.post(url, again.fill({})).status_code == 302
    assert Paragraph.objects.get(pk=paragraph.pk).text == "Priya's wording."


# --- The report's own form ---------------------------------------------------------------------


def report_form(client: Client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200
    return within(Page(response).form_of("Title"))


START = {
    "Meeting date": "2015-09-09",
    "Title": TITLE,
    "Report of": "the Strategic Director for Neighbourhoods",
}


def test_an_officer_starts_a_report_with_its_sign_offs_to_collect(
    officer_client: Client, officer: Any
) -> None:
    url = reverse("reports:report-create")
    response = officer_client.post(url, report_form(officer_client, url).fill(START))
    assert response.status_code == 302
    report = Report.objects.get(title=TITLE)
    assert response["Location"] == report.get_absolute_url()
    assert (report.status, report.created_by, report.revision) == ("draft", officer, 1)
    page = record_page(officer_client, report)
    sign_off = page.section("Sign-off")
    assert "Legal officer (required)" in sign_off.text
    assert sign_off.text.count("Not yet cleared") == 3
    assert editor_paragraphs(page) == []


@pytest.mark.parametrize("title", ["", "    "])
def test_an_empty_title_is_refused_beside_it_and_nothing_is_saved(officer_client: Client, title: str) -> None:
    url = reverse("reports:report-create")
    with report_unchanged():
        response = officer_client.post(url, report_form(officer_client, url).fill({**START, "Title": title}))
    assert response.status_code == 200
    page = Page(response)
    assert "There is a problem" in page.text
    assert page.invalid_fields() == ["Title"]
    assert page.field_error("Title") == NO_TITLE


def test_emptying_a_report_s_title_is_refused_and_the_title_stays(
    officer_client: Client, report: Report
) -> None:
    url = reverse("reports:report-update", args=[report.pk])
    with report_unchanged():
        response = officer_client.post(url, report_form(officer_client, url).fill({"Title": "  "}))
    assert response.status_code == 200
    assert Page(response).field_error("Title") == NO_TITLE


EXEMPT_CASES = {
    "no paragraph, no reasoning": (
        {"Schedule 12A paragraph": "", "Public interest test": ""},
        {"Schedule 12A paragraph": NO_EXEMPT_PARAGRAPH, "Public interest test": NO_PUBLIC_INTEREST},
    ),
    "no paragraph": (
        {
            "Schedule 12A paragraph": "",
            "Public interest test": "Commercial terms are still under negotiation.",
        },
        {"Schedule 12A paragraph": NO_EXEMPT_PARAGRAPH},
    ),
    "reasoning of only spaces": (
        {"Schedule 12A paragraph": "3", "Public interest test": "   "},
        {"Public interest test": NO_PUBLIC_INTEREST},
    ),
    "paragraph 8": (
        {
            "Schedule 12A paragraph": "8",
            "Public interest test": "Commercial terms are still under negotiation.",
        },
        {"Schedule 12A paragraph": NOT_IN_SCHEDULE},
    ),
    "paragraph 0": (
        {
            "Schedule 12A paragraph": "0",
            "Public interest test": "Commercial terms are still under negotiation.",
        },
        {"Schedule 12A paragraph": NOT_IN_SCHEDULE},
    ),
}


@pytest.mark.parametrize("case", EXEMPT_CASES, ids=list(EXEMPT_CASES))
@pytest.mark.parametrize("editing", [False, True], ids=["starting", "editing"])
def test_an_exempt_report_must_name_its_paragraph_and_give_the_public_interest_reasoning(
    officer_client: Client, report: Report, case: str, editing: bool
) -> None:
    values, errors = EXEMPT_CASES[case]
    url = reverse("reports:report-update", args=[report.pk]) if editing else reverse("reports:report-create")
    form = report_form(officer_client, url)
    data = form.fill({**START, "Exempt from publication": True, **values})
    with report_unchanged():
        response = officer_client.post(url, data)
    assert response.status_code == 200
    page = Page(response)
    assert "There is a problem" in page.text
    # One clear message for each mistake, beside its field.
    assert {label: page.field_error(label) for label in page.invalid_fields()} == errors


def test_an_exempt_report_with_its_paragraph_and_reasoning_is_saved_and_says_so(
    officer_client: Client, report: Report
) -> None:
    url = reverse("reports:report-update", args=[report.pk])
    values = {
        "Exempt from publication": True,
        "Schedule 12A paragraph": "3",
        "Public interest test": "Commercial terms with Xian Aerospace are still under negotiation.",
    }
    response = officer_client.post(url, report_form(officer_client, url).fill(values))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.is_exempt, report.exempt_paragraph) == (True, 3)
    page = record_page(officer_client, report)
    assert "Exempt: paragraph 3 of Schedule 12A" in page.text
    preview = preview_page(officer_client, report).text
    assert "exempt information under paragraph 3 of Schedule 12A" in preview
    assert "Commercial terms with Xian Aerospace are still under negotiation." in preview
