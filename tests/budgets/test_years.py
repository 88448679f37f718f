"""Financial years and the year view: exact figures, the council's own money
apart from others', over-commitment flagged, and the chart of budget against
spend with the same figures in a table for screen readers.

The figures of 2016–17 are worked by hand below (``HAND_WORKED``); the page,
and the selector behind it, must agree to the penny.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budgets.models import FinancialYear, financial_year_label, financial_year_start
from budgets.selectors import year_page, year_summary, years_overview
from tests.factories import BudgetLineFactory, FinancialYearFactory, SpendFactory
from tests.support.pages import Node, Page, money, within

FIGURES = ("Budget", "Proposed", "Estimated", "Committed", "Paid", "Remaining", "Variance")
OWN = "The council's own money"
OTHERS = "Funded by others (FCO, partners, other)"


# --- Financial years ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "label"),
    [
        (date(2017, 3, 31), 2016, "2016–17"),
        (date(2017, 4, 1), 2017, "2017–18"),
        (date(2016, 4, 1), 2016, "2016–17"),
        (date(2015, 9, 9), 2015, "2015–16"),
        (date(2016, 2, 29), 2015, "2015–16"),
        (date(2016, 12, 31), 2016, "2016–17"),
        (date(2000, 1, 1), 1999, "1999–00"),
        (date(2009, 4, 1), 2009, "2009–10"),
    ],
)
def test_any_date_maps_to_its_uk_financial_year(day: date, start: int, label: str) -> None:
    assert financial_year_start(day) == start
    assert financial_year_label(start) == label
    assert "\N{EN DASH}" in label and "-" not in label


def test_a_year_runs_from_1_april_to_31_march(db: Any) -> None:
    year = FinancialYear.objects.for_date(date(2017, 3, 31))
    assert (str(year), year.starts_on, year.ends_on) == ("2016–17", date(2016, 4, 1), date(2017, 3, 31))
    assert year.contains(date(2016, 4, 1)) and year.contains(date(2017, 3, 31))
    assert not year.contains(date(2016, 3, 31)) and not year.contains(date(2017, 4, 1))
    # Asking again for any day of it gives the same year, not a second one.
    assert FinancialYear.objects.for_date(date(2016, 4, 1)) == year
    assert FinancialYear.objects.for_date(date(2017, 4, 1)).label == "2017–18"
    assert FinancialYear.objects.count() == 2


def test_the_year_page_says_its_dates(officer_client: Client) -> None:
    year = FinancialYearFactory(start_year=2016)
    page = Page(officer_client.get(year.get_absolute_url()))
    assert page.root.find_all("h1")[0].text == "Budget 2016–17"
    assert "1 April 2016 to 31 March 2017." in page.text


def test_a_year_not_in_the_register_is_not_found(officer_client: Client) -> None:
    assert officer_client.get(reverse("budgets:year-detail", args=[2030])).status_code == 404


# --- The year view, worked by hand ------------------------------------------------------------


@pytest.fixture
def year_2016(db: Any) -> FinancialYear:
    """Six lines of 2016–17, and one of 2017–18 that must not leak into it."""
    year = FinancialYearFactory(start_year=2016)

    def line(cost_centre: str, title: str, amount: str, source: str, **decision: Any) -> Any:
        return BudgetLineFactory(
            financial_year=year,
            cost_centre=cost_centre,
            title=title,
            amount=Decimal(amount),
            funding_source=source,
            **decision,
        )

    def spend(on: Any, amount: str, status: str, override: str = "") -> None:
        SpendFactory(budget_line=on, amount=Decimal(amount), status=status, override_state=override)

    toyota = line("TW100", "Toyota City civic visit", "4000.00", "council", approved=True)
    spend(toyota, "1250.50", "committed")
    spend(toyota, "999.99", "paid")
    spend(toyota, "300.00", "estimated")
    spend(toyota, "500.00", "committed", "requested")  # awaiting Finance: counted as estimated
    hefei = line("TW101", "Hefei trade visit", "1000.00", "council", approved=True)
    spend(hefei, "1200.00", "committed", "granted")  # over-committed, with Finance's leave
    osnabruck = line("TW102", "Osnabrück youth exchange", "2500.00", "council")  # still proposed
    spend(osnabruck, "100.00", "estimated")
    china = line("TW200", "Exploratory visit to China", "4000.00", "fco", approved=True)
    spend(china, "3999.99", "paid")
    exhibition = line("TW201", "Toyota City exhibition", "750.25", "partner", approved=True)
    spend(exhibition, "0.25", "estimated")
    line("TW202", "Zhejiang delegation", "10000.00", "other", rejected=True)

    later = BudgetLineFactory(financial_year__start_year=2017, amount=Decimal("1000.00"), approved=True)
    SpendFactory(budget_line=later, amount=Decimal("1500.00"), status="committed", override_state="granted")
    return year


def d(*amounts: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(a) for a in amounts)


# Budget, proposed, estimated, committed, paid, remaining, variance.
HAND_WORKED = {
    "Toyota City civic visit": d("4000", "0", "800", "2250.49", "999.99", "1749.51", "949.51"),
    "Hefei trade visit": d("1000", "0", "0", "1200", "0", "-200", "-200"),
    "Osnabrück youth exchange": d("0", "2500", "100", "0", "0", "0", "-100"),
    "Exploratory visit to China": d("4000", "0", "0", "3999.99", "3999.99", "0.01", "0.01"),
    "Toyota City exhibition": d("750.25", "0", "0.25", "0", "0", "750.25", "750"),
    "Zhejiang delegation": d("0", "0", "0", "0", "0", "0", "0"),
    OWN: d("5000", "2500", "900", "3450.49", "999.99", "1549.51", "649.51"),
    OTHERS: d("4750.25", "0", "0.25", "3999.99", "3999.99", "750.26", "750.01"),
    "2016–17": d("9750.25", "2500", "900.25", "7450.48", "4999.98", "2299.77", "1399.52"),
}


def as_row(figures: Any) -> tuple[Decimal, ...]:
    return tuple(getattr(figures, name.lower()) for name in FIGURES)


def test_the_year_summary_is_exact_to_the_penny(year_2016: FinancialYear) -> None:
    summary = year_summary(year_2016)
    got = {line.title: as_row(figures) for group in summary.groups for line, figures in group.rows}
    got.update({group.title: as_row(group.total) for group in summary.groups})
    got["2016–17"] = as_row(summary.total)
    assert got == HAND_WORKED
    assert all(isinstance(value, Decimal) for row in got.values() for value in row)
    assert [line.title for line in summary.over_committed_lines] == ["Hefei trade visit"]


def cells(row: Node) -> list[str]:
    return [child.text for child in row.children if isinstance(child, Node)]


def group_table(page: Page, heading: str) -> dict[str, tuple[Decimal, ...]]:
    """A group's lines (by title) and its total, each as its seven figures."""
    section = within(page.section(heading))
    rows = {}
    for row in section.root.find_all("tbody")[0].find_all("tr"):
        values = cells(row)
        title = values[1].removesuffix(" (over-committed)")
        rows[title] = tuple(money(v) for v in values[4:])
    total = cells(section.root.find_all("tfoot")[0].find_all("tr")[0])
    assert total[0] == "Total"
    rows[heading] = tuple(money(v) for v in total[1:])
    return rows


def test_the_year_page_shows_the_hand_worked_figures_own_money_apart(
    leader_client: Client, year_2016: FinancialYear
) -> None:
    page = Page(leader_client.get(year_2016.get_absolute_url()))
    own = group_table(page, OWN)
    others = group_table(page, OTHERS)
    assert list(own) == [
        "Toyota City civic visit",
        "Hefei trade visit",
        "Osnabrück youth exchange",
        OWN,
    ]
    assert sorted(others) == sorted(
        ["Exploratory visit to China", "Toyota City exhibition", "Zhejiang delegation", OTHERS]
    )
    assert list(others)[-1] == OTHERS
    assert {**own, **others} == {k: v for k, v in HAND_WORKED.items() if k != "2016–17"}
    total = within(page.section("The year in total"))
    assert tuple(money(total.column(name)[0]) for name in FIGURES) == HAND_WORKED["2016–17"]
    funding = dict(
        zip(
            within(page.section(OTHERS)).column("Line"),
            within(page.section(OTHERS)).column("Funding"),
            strict=True,
        )
    )
    assert funding == {
        "Exploratory visit to China": "Foreign and Commonwealth Office",
        "Toyota City exhibition": "Partner",
        "Zhejiang delegation": "Other",
    }


def test_over_commitment_is_flagged(officer_client: Client, year_2016: FinancialYear) -> None:
    page = Page(officer_client.get(year_2016.get_absolute_url()))
    alert = [node for node in page.root.find_all("div") if node.attrs.get("role") == "alert"]
    assert len(alert) == 1
    assert alert[0].text == "Over-committed More is committed than approved on: Hefei trade visit"
    flagged = [title for title in within(page.section(OWN)).column("Line") if "(over-committed)" in title]
    assert flagged == ["Hefei trade visit (over-committed)"]
    assert "(over-committed)" not in page.section(OTHERS).text


def test_a_year_with_nothing_over_committed_raises_no_alarm(officer_client: Client) -> None:
    line = BudgetLineFactory(financial_year__start_year=2018, amount=Decimal("100.00"), approved=True)
    SpendFactory(budget_line=line, amount=Decimal("100.00"), status="paid")
    page = Page(officer_client.get(line.financial_year.get_absolute_url()))
    assert "Over-committed" not in page.text
    assert "(over-committed)" not in page.text


# --- Every year: the chart and its table ---------------------------------------------------------


def test_the_years_overview_is_exact(year_2016: FinancialYear) -> None:
    overview = {str(year): as_row(figures) for year, figures in years_overview()}
    assert overview == {
        "2016–17": HAND_WORKED["2016–17"],
        "2017–18": d("1000", "0", "0", "1500", "0", "-500", "-500"),
    }


def years_table(page: Page) -> dict[str, dict[str, str]]:
    table = [t for t in page.root.find_all("table") if t.find_all("caption")[0].text.startswith("Budget and")]
    assert len(table) == 1, "No table of budget and spend per year"
    reader = within(table[0].parent)
    years = reader.column("Year")
    return {
        year.removesuffix(" (over-committed)"): {name: reader.column(name)[i] for name in FIGURES}
        for i, year in enumerate(years)
    }


def test_the_years_table_has_each_years_figures_and_flags_over_commitment(
    officer_client: Client, year_2016: FinancialYear
) -> None:
    page = Page(officer_client.get(reverse("budgets:year-list")))
    table = years_table(page)
    assert list(table) == ["2016–17", "2017–18"]
    assert tuple(money(table["2016–17"][name]) for name in FIGURES) == HAND_WORKED["2016–17"]
    assert money(table["2017–18"]["Remaining"]) == Decimal("-500")
    years = within(page.root.find_all("table")[-1]).root.find_all("tbody")[0].find_all("th")
    assert [th.text for th in years] == ["2016–17", "2017–18 (over-committed)"]


def test_the_chart_is_an_image_with_a_title_and_description_and_the_tables_figures(
    officer_client: Client, year_2016: FinancialYear
) -> None:
    page = Page(officer_client.get(reverse("budgets:year-list")))
    charts = page.root.find_all("svg", role="img")
    assert len(charts) == 1, "No chart drawn as an image"
    chart = charts[0]
    named_by = chart.attrs["aria-labelledby"].split()
    title, desc = (page.by_id[name] for name in named_by)
    assert (title.tag, desc.tag) == ("title", "desc")
    assert title.text == "Budget against spend per financial year"
    assert "The same figures are in the table below." in desc.text

    bars = {rect.find_all("title")[0].text: rect for rect in chart.find_all("rect") if rect.find_all("title")}
    table = years_table(page)
    expected = {
        f"{series} {year}: £{money(figures[series]):,.2f}"
        for year, figures in table.items()
        for series in ("Budget", "Committed", "Paid")
    }
    assert set(bars) == expected
    assert "Budget 2016–17: £9,750.25" in bars
    assert "Paid 2017–18: £0.00" in bars

    # Bars are as tall as their money: committed 2016–17 against budget 2016–17.
    height = {label.split(":")[0]: float(rect.attrs["height"]) for label, rect in bars.items()}
    assert height["Paid 2017–18"] == 0
    assert height["Committed 2016–17"] / height["Budget 2016–17"] == pytest.approx(
        7450.48 / 9750.25, abs=0.01
    )
    assert height["Budget 2016–17"] > height["Committed 2017–18"] > height["Budget 2017–18"]
    # The legend says which colour is which, in words.
    legend = page.root.find_all("figcaption")[0].text
    assert re.sub(r"\s+", " ", legend) == "Budget Committed Paid"


def test_no_years_yet(officer_client: Client) -> None:
    page = Page(officer_client.get(reverse("budgets:year-list")))
    assert "No budget lines yet." in page.text
    assert not page.root.find_all("svg", role="img")


# --- The year a page at a time ----------------------------------------------------------------


def _figures(figures: Any) -> tuple[Decimal, ...]:
    return (figures.budget, figures.proposed, figures.estimated, figures.committed, figures.paid)


@pytest.mark.parametrize("per_page", [1, 2, 4, 25])
def test_a_page_of_the_year_has_the_whole_years_totals(year_2016: FinancialYear, per_page: int) -> None:
    whole = year_summary(year_2016)

    for number in range(1, 7):
        page = year_page(year_2016, number, per_page=per_page)
        assert _figures(page.total) == _figures(whole.total)
        for paged, full in zip(page.groups, whole.groups, strict=True):
            assert _figures(paged.total) == _figures(full.total), paged.title
            assert paged.count == len(full.rows)
        # The over-committed line is named on every page, wherever its row falls.
        assert [line.title for line in page.over_committed_lines] == ["Hefei trade visit"]


def test_the_pages_of_a_year_hold_each_line_once_own_money_first(year_2016: FinancialYear) -> None:
    seen = []
    for number in range(1, 4):
        page = year_page(year_2016, number, per_page=2)
        seen += [(group.title, line.title) for group in page.groups for line, _ in group.rows]

    assert [title for _, title in seen] == [
        line.title for group in year_summary(year_2016).groups for line, _ in group.rows
    ]
    assert seen[0][0] == "The council's own money"


def test_the_year_page_links_to_its_next_page(
    finance_client: Client, year_2016: FinancialYear, settings: Any
) -> None:
    settings.PAGE_SIZE = 4
    url = reverse("budgets:year-detail", args=[2016])

    first = Page(finance_client.get(url))
    second = Page(finance_client.get(url + first.link("Next page")))

    assert "Page 1 of 2" in first.text
    assert "Total of all 3 lines" in first.text
    assert "Zhejiang delegation" in second.text
    assert "Toyota City civic visit" not in second.text
    assert "3 lines, on the other pages" in second.text
