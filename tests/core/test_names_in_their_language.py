"""A place's name in local script is marked with its language wherever a page prints it
(WCAG 3.1.2), so that it is read out in that language and drawn with its own glyphs; and
each page's title names its record alone (2.4.2), the markup left out where none can go."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from reports.document import text_with_languages
from tests import factories as make
from tests.support.pages import Page, open_page, record_page

pytestmark = pytest.mark.django_db


def marked(page: Page, tag: str) -> list[tuple[str, str]]:
    """The (language, words) marked inside the page's first ``tag``."""
    return [
        (span.attrs["lang"], span.text)
        for span in page.root.find_all(tag)[0].find_all("span")
        if "lang" in span.attrs
    ]


def unmarked(page: Page, words: str) -> list[str]:
    """The elements holding ``words`` as their own text with no language but the page's
    marked on them or around them (the window's title aside: it can carry no markup)."""
    found = []
    for node in page.root.find_all():
        if node.tag == "title" or not any(isinstance(c, str) and words in c for c in node.children):
            continue
        holder, languages = node, []
        while holder is not None:
            languages.append(holder.attrs.get("lang"))
            holder = holder.parent
        if not any(lang and lang != "en-GB" for lang in languages):
            found.append(node.tag)
    return found


def title(page: Page) -> str:
    return page.root.find_all("title")[0].text


@pytest.fixture
def toyota() -> object:
    return make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")


@pytest.mark.parametrize(("page_name", "words"), [("place-history", "History of"), ("place-update", "Edit")])
def test_a_place_s_history_and_edit_pages_mark_its_name_in_japanese(
    officer_client: Client, toyota: object, page_name: str, words: str
) -> None:
    page = open_page(officer_client, reverse(f"partners:{page_name}", args=[toyota.pk]))
    assert page.root.find_all("h1")[0].text == f"{words} Toyota City (豊田市)"
    assert marked(page, "h1") == [("ja", "豊田市")]
    assert unmarked(page, "豊田市") == []
    # The window's title has no markup to carry a language: the words alone.
    assert title(page).startswith(f"{words} Toyota City (豊田市) – Twinning")


def test_a_relationship_s_history_marks_its_place_s_name_in_japanese(
    officer_client: Client, toyota: object
) -> None:
    relationship = make.RelationshipFactory(place=toyota, kind="civic", status="active")
    page = open_page(officer_client, reverse("partners:relationship-history", args=[relationship.pk]))
    assert "Toyota City (豊田市)" in page.text
    assert unmarked(page, "豊田市") == []


def test_search_results_mark_names_in_local_script(officer_client: Client, toyota: object) -> None:
    page = open_page(officer_client, reverse("overview:search"), q="toyota")
    assert "Toyota City (豊田市)" in page.text
    assert unmarked(page, "豊田市") == []


def test_a_search_excerpt_reads_as_one_line_whether_or_not_it_names_a_place_in_local_script(
    officer_client: Client, toyota: object
) -> None:
    make.OrganisationFactory(name="Aichi Friendship Society", notes="Hosts students.\nWrites each spring.")
    make.OrganisationFactory(name="Toyota Chamber", notes="Hosts visits.\nWrites to 豊田市 each spring.")
    page = open_page(officer_client, reverse("overview:search"), q="writes")
    excerpts = page.root.find_all("dd")
    assert len(excerpts) == 2
    assert [excerpt.text for excerpt in excerpts if excerpt.find_all("br")] == []
    assert unmarked(page, "豊田市") == []


def test_budget_lines_of_the_same_name_in_two_years_have_pages_titled_apart(finance_client: Client) -> None:
    first, second = (
        make.BudgetLineFactory(financial_year__start_year=year, title="Twinning", amount=Decimal("5000"))
        for year in (2016, 2017)
    )
    titles = {title(record_page(finance_client, line)) for line in (first, second)}
    assert {t.split(" – ")[0] for t in titles} == {"Twinning (2016–17)", "Twinning (2017–18)"}
    history = open_page(finance_client, reverse("budgets:line-history", args=[first.pk]))
    assert title(history).startswith("History of Twinning (2016–17) – ")


def test_the_report_editor_marks_a_name_in_local_script_in_a_paragraph(
    officer_client: Client, toyota: object
) -> None:
    report = make.ReportFactory()
    make.ParagraphFactory(report=report, section=4, text="The link with 豊田市 began in 1998.")
    page = record_page(officer_client, report)
    paragraph = next(item for item in page.section("The report").find_all("li") if "1998" in item.text)
    assert [(s.attrs.get("lang"), s.text) for s in paragraph.find_all("span") if "lang" in s.attrs] == [
        ("ja", "豊田市")
    ]


def test_the_published_relationships_mark_each_name_in_local_script_with_its_language(
    client: Client, toyota: object
) -> None:
    make.RelationshipFactory(place=toyota, kind="civic", status="active")
    page = open_page(client, reverse("public:relationships"))
    cells = [cell for cell in page.root.find_all("td") if cell.text == "豊田市"]
    assert [cell.attrs.get("lang") for cell in cells] == ["ja"]
    # The download says the same name, unmarked.
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("public:relationships-csv")).content.decode("utf-8-sig"))
        )
    )
    assert [row["Name in local script"] for row in rows] == ["豊田市"]


def test_a_name_in_latin_letters_is_marked_as_a_whole_word_and_one_in_japanese_wherever_it_stands() -> None:
    names = {"Köln": "de", "豊田市": "ja"}
    marked_text = str(text_with_languages("Köln and the Kölner Dom; 豊田市役所.", names))
    assert marked_text == (
        '<span lang="de">Köln</span> and the Kölner Dom; <span lang="ja">豊田市</span>役所.'
    )
