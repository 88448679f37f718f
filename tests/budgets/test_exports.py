"""Budget exports: the year view and the budget lines as CSV and XLSX.

Finance opens these in Excel and reconciles them with the ledger, so the
figures are checked to the penny against sums worked out by hand, totals are
numbers the page also shows (never formulas), and text people typed cannot
run as a formula.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgets.models import BudgetLine, FinancialYear, Spend
from budgets.selectors import year_summary
from budgets.services import spend_record
from core.templatetags.twinning_format import gbp
from tests import factories as make
from tests.support.queries import assert_queries_do_not_grow

YEAR_HEADER = [
    "Cost centre",
    "Line",
    "Funding source",
    "Status",
    "Relationship",
    "Budget",
    "Proposed (not yet approved)",
    "Estimated",
    "Committed",
    "Paid",
    "Remaining",
    "Variance",
    "Over-committed",
]
YEAR_MONEY = YEAR_HEADER[5:12]
LINES_HEADER = [
    "Year",
    "Cost centre",
    "Line",
    "Funding source",
    "Status",
    "Decided by",
    "Decided on",
    "Decision comment",
    "Relationship",
    "Amount",
    "Estimated",
    "Committed",
    "Paid",
    "Remaining",
]
LINES_MONEY = LINES_HEADER[9:]
FIGURES = ("budget", "proposed", "estimated", "committed", "paid", "remaining", "variance")
# Half past midnight on 12 April 2016 in London (BST), still the 11th in UTC.
DECIDED = datetime.datetime(2016, 4, 11, 23, 30, tzinfo=datetime.UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def year_url(kind: str, start_year: int = 2016) -> str:
    return reverse(f"budgets:year-export-{kind}", args=[start_year])


def lines_url(kind: str) -> str:
    return reverse(f"budgets:lines-export-{kind}")


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response: Any, header: list[str]) -> list[dict[str, str]]:
    """The CSV as a spreadsheet reads it: BOM, CRLF line ends, one dict per row."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = body_of(response)
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark for Excel"
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "a line ends without CR"
    reader = csv.reader(io.StringIO(body[3:].decode("utf-8"), newline=""))
    first, *rows = list(reader)
    assert first == header
    return [dict(zip(header, row, strict=True)) for row in rows]


def load_sheet(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(body_of(response)))
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def header_row_number(sheet: Any, first_heading: str) -> int:
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if row and row[0] == first_heading:
            return number
    raise AssertionError(f"no header row starting {first_heading!r}")


def xlsx_rows(response: Any, header: list[str], money: list[str]) -> list[dict[str, Any]]:
    """The sheet's rows below its header, money cells checked to be numbers and read as Decimal."""
    sheet = load_sheet(response)
    start = header_row_number(sheet, header[0])
    rows = []
    for cells in sheet.iter_rows(min_row=start):
        values = [cell.value for cell in cells][: len(header)]
        values += [None] * (len(header) - len(values))
        if cells[0].row == start:
            assert values == header
            continue
        row = dict(zip(header, values, strict=True))
        for name in money:
            assert isinstance(row[name], (int, float, Decimal)) and not isinstance(row[name], bool), (
                f"{name} is not a number: {row[name]!r}"
            )
            row[name] = Decimal(str(row[name]))
        rows.append(row)
    return rows


def money(*amounts: str) -> list[Decimal]:
    return [Decimal(amount) for amount in amounts]


def as_text(amounts: list[Decimal]) -> list[str]:
    return [f"{amount:.2f}" for amount in amounts]


# --- The year worked by hand ----------------------------------------------------------


@pytest.fixture
def year_2016(db: Any, finance: Any, officer: Any) -> FinancialYear:
    """2016–17 with figures worked out by hand (see each line's comment)."""
    year = make.FinancialYearFactory(start_year=2016)
    osnabrueck = make.RelationshipFactory(place=make.PlaceFactory(name="Osnabrück", local_name="Osnabrück"))
    xian = make.RelationshipFactory(place=make.PlaceFactory(name="Xi'an", local_name="西安市"))

    def line(cost_centre: str, title: str, amount: str, comment: str = "", **more: Any) -> BudgetLine:
        """A line of 2016–17; with a comment, one Finance decided (approved unless said otherwise)."""
        decided = {"decided_by": finance, "decided_at": DECIDED, "approved": "rejected" not in more}
        values = {
            "financial_year": year,
            "cost_centre": cost_centre,
            "title": title,
            "amount": Decimal(amount),
        }
        return make.BudgetLineFactory(
            **{**values, **more}, **(decided if comment else {}), decision_comment=comment
        )

    # Budget 5,000.00; estimated 100.10; committed 1,234.56 + paid 999.99 = 2,234.55;
    # remaining 2,765.45; variance 2,665.35.
    civic = line("TW100", "Civic visits", "5000.00", "Within the Cabinet envelope.", relationship=osnabrueck)
    make.SpendFactory(budget_line=civic, amount=Decimal("100.10"), status="estimated")
    make.SpendFactory(budget_line=civic, amount=Decimal("1234.56"), status="committed")
    make.SpendFactory(budget_line=civic, amount=Decimal("999.99"), status="paid")

    # Proposed 20,000.00: shown, not counted in the budget.
    line("TW200", "Toyota City exchange", "20000.00")

    # Budget 1,000.00; paid 800.00 then 450.00 committed beyond it, granted by Finance:
    # committed 1,250.00, over-committed; an officer's 300.00 awaiting Finance counts as
    # estimated. Remaining -250.00; variance -550.00.
    gifts = line("TW300", "Anniversary civic gifts", "1000.00", "Agreed.", relationship=osnabrueck)
    make.SpendFactory(budget_line=gifts, amount=Decimal("800.00"), status="paid")

    def committed_beyond_the_line(description: str, amount: str, day: int, by: Any, reason: str) -> Spend:
        values = {
            "description": description,
            "amount": Decimal(amount),
            "spent_on": datetime.date(2016, 6, day),
            "status": "committed",
        }
        return spend_record(
            budget_line=gifts, values=values, by=by, may_override=by == finance, override_reason=reason
        )

    granted = committed_beyond_the_line(
        "Engraved glass", "450.00", 1, finance, "The 70th anniversary gifts were agreed by the Leader."
    )
    assert granted.override_state == "granted"
    awaiting = committed_beyond_the_line(
        "Framed prints", "300.00", 2, officer, "Prints for the visiting councillors."
    )
    assert awaiting.override_state == "requested"

    # FCO money: budget 4,000.00; estimated 240.00 + 200.00 = 440.00; variance 3,560.00.
    fco = line(
        "TW900",
        "China trade mission (FCO)",
        "4000.00",
        "FCO grant letter received.",
        funding_source="fco",
        relationship=xian,
    )
    make.SpendFactory(budget_line=fco, amount=Decimal("240.00"))
    make.SpendFactory(budget_line=fco, amount=Decimal("200.00"))

    # Rejected partner money: shown with nothing counted.
    line(
        "TW800",
        "Hefei partner fund",
        "3000.00",
        "No partner letter.",
        funding_source="partner",
        rejected=True,
    )

    # Another year: in the lines export, never in 2016–17's figures.
    next_year = make.FinancialYearFactory(start_year=2017)
    other = line("TW100", "Civic visits", "777.77", "Rolled forward.", financial_year=next_year)
    make.SpendFactory(budget_line=other, amount=Decimal("111.11"), status="paid")
    return year


# Budget, proposed, estimated, committed, paid, remaining, variance.
EXPECTED_YEAR = [
    ["TW100", "Civic visits", "Council revenue", "Approved", "Osnabrück", money("5000.00", "0.00", "100.10", "2234.55", "999.99", "2765.45", "2665.35"), "No"],
    ["TW200", "Toyota City exchange", "Council revenue", "Proposed", "", money("0.00", "20000.00", "0.00", "0.00", "0.00", "0.00", "0.00"), "No"],
    ["TW300", "Anniversary civic gifts", "Council revenue", "Approved", "Osnabrück", money("1000.00", "0.00", "300.00", "1250.00", "800.00", "-250.00", "-550.00"), "Yes"],
    ["Subtotal", "The council's own money", "", "", "", money("6000.00", "20000.00", "400.10", "3484.55", "1799.99", "2515.45", "2115.35"), ""],
    ["TW900", "China trade mission (FCO)", "Foreign and Commonwealth Office", "Approved", "Xi'an", money("4000.00", "0.00", "440.00", "0.00", "0.00", "4000.00", "3560.00"), "No"],
    ["TW800", "Hefei partner fund", "Partner", "Rejected", "", money("0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"), "No"],
    ["Subtotal", "Funded by others (FCO, partners, other)", "", "", "", money("4000.00", "0.00", "440.00", "0.00", "0.00", "4000.00", "3560.00"), ""],
    ["Total", "All lines, 2016–17", "", "", "", money("10000.00", "20000.00", "840.10", "3484.55", "1799.99", "6515.45", "5675.35"), ""],
]  # fmt: skip
GRAND_TOTAL = EXPECTED_YEAR[-1][5]


def test_urls() -> None:
    assert year_url("csv") == "/budgets/years/2016/export.csv"
    assert year_url("xlsx") == "/budgets/years/2016/export.xlsx"
    assert lines_url("csv") == "/budgets/lines/export.csv"
    assert lines_url("xlsx") == "/budgets/lines/export.xlsx"


def test_year_csv_has_every_line_grouped_with_subtotals_and_total_to_the_penny(
    finance_client: Client, year_2016: FinancialYear
) -> None:
    response = finance_client.get(year_url("csv"))

    rows = csv_rows(response, YEAR_HEADER)
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="twinning-budget-2016-17-{today}.csv"'
    expected = [
        dict(zip(YEAR_HEADER, [*cells, *as_text(figures), over], strict=True))
        for *cells, figures, over in EXPECTED_YEAR
    ]
    assert rows == expected


def test_year_xlsx_has_numbers_formatted_as_pounds_and_totals_written_as_numbers(
    finance_client: Client, year_2016: FinancialYear
) -> None:
    response = finance_client.get(year_url("xlsx"))

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="twinning-budget-2016-17-{today}.xlsx"'
    rows = xlsx_rows(response, YEAR_HEADER, YEAR_MONEY)
    expected = [
        dict(zip(YEAR_HEADER, [*(c or None for c in cells), *figures, over or None], strict=True))
        for *cells, figures, over in EXPECTED_YEAR
    ]
    assert rows == expected


def test_year_xlsx_layout(finance_client: Client, year_2016: FinancialYear) -> None:
    sheet = load_sheet(finance_client.get(year_url("xlsx")))

    assert sheet.title == "2016-17"
    today = timezone.localdate()
    assert sheet["A1"].value == f"Twinning budget 2016–17, as at {today.day} {today:%B %Y}"
    header = header_row_number(sheet, "Cost centre")
    assert header == 2
    assert sheet.freeze_panes == "A3"
    assert all(cell.font.b for cell in sheet[header])
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet.column_dimensions["F"].width >= 12
    for row in sheet.iter_rows(min_row=header + 1):
        for cell in row[5:12]:
            assert cell.data_type == "n"
            assert cell.number_format == "£#,##0.00"
        is_total = row[0].value in ("Subtotal", "Total")
        assert bool(row[0].font.b) == is_total
    # Every cell holds a value, none a formula a changed cell could recalculate.
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_year_xlsx_totals_match_the_year_figures_the_page_shows(
    finance_client: Client, year_2016: FinancialYear
) -> None:
    rows = xlsx_rows(finance_client.get(year_url("xlsx")), YEAR_HEADER, YEAR_MONEY)
    summary = year_summary(year_2016)

    total = rows[-1]
    assert total["Cost centre"] == "Total"
    assert [total[name] for name in YEAR_MONEY] == [getattr(summary.total, f) for f in FIGURES]
    assert [total[name] for name in YEAR_MONEY] == GRAND_TOTAL
    subtotals = [row for row in rows if row["Cost centre"] == "Subtotal"]
    assert [row["Line"] for row in subtotals] == [group.title for group in summary.groups]
    for row, group in zip(subtotals, summary.groups, strict=True):
        assert [row[name] for name in YEAR_MONEY] == [getattr(group.total, f) for f in FIGURES]
    over = {row["Line"] for row in rows if row["Over-committed"] == "Yes"}
    assert over == {line.title for line in summary.over_committed_lines} == {"Anniversary civic gifts"}


def cells_text(fragment: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)
    ]


def test_year_xlsx_totals_are_what_the_year_page_shows(
    finance_client: Client, year_2016: FinancialYear
) -> None:
    page = finance_client.get(reverse("budgets:year-detail", args=[2016])).content.decode()
    rows = xlsx_rows(finance_client.get(year_url("xlsx")), YEAR_HEADER, YEAR_MONEY)

    group_totals = [cells_text(foot) for foot in re.findall(r"<tfoot>(.*?)</tfoot>", page, re.S)]
    year_total = re.search(r'aria-labelledby="year-total".*?<tbody>(.*?)</tbody>', page, re.S)
    assert year_total, "no year total on the page"
    on_page = [*group_totals, cells_text(year_total.group(1))]
    in_file = [
        [gbp(row[name]) for name in YEAR_MONEY] for row in rows if row["Cost centre"] in ("Subtotal", "Total")
    ]
    assert on_page == in_file
    assert on_page[-1] == [
        "£10,000",
        "£20,000",
        "£840.10",
        "£3,484.55",
        "£1,799.99",
        "£6,515.45",
        "£5,675.35",
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_year_with_no_lines_still_has_its_subtotals_and_total(
    finance_client: Client, db: Any, kind: str
) -> None:
    make.FinancialYearFactory(start_year=2020)
    response = finance_client.get(year_url(kind, 2020))
    if kind == "csv":
        rows = csv_rows(response, YEAR_HEADER)
    else:
        rows = xlsx_rows(response, YEAR_HEADER, YEAR_MONEY)
        assert load_sheet(response).title == "2020-21"
    assert [row["Cost centre"] for row in rows] == ["Subtotal", "Subtotal", "Total"]
    zero = "0.00" if kind == "csv" else Decimal("0")
    assert [row[name] for row in rows for name in YEAR_MONEY] == [zero] * 21


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_unknown_year_is_not_found(finance_client: Client, year_2016: FinancialYear, kind: str) -> None:
    assert finance_client.get(year_url(kind, 2019)).status_code == 404


# --- The budget lines ----------------------------------------------------------------

# Amount, estimated, committed, paid, remaining (as the year view counts it).
EXPECTED_LINES = [
    ["2016–17", "TW100", "Civic visits", "Council revenue", "Approved", "Fred Finance", DECIDED,
     "Within the Cabinet envelope.", "Osnabrück", money("5000.00", "100.10", "2234.55", "999.99", "2765.45")],
    ["2016–17", "TW200", "Toyota City exchange", "Council revenue", "Proposed", "", None, "", "",
     money("20000.00", "0.00", "0.00", "0.00", "0.00")],
    ["2016–17", "TW300", "Anniversary civic gifts", "Council revenue", "Approved", "Fred Finance", DECIDED,
     "Agreed.", "Osnabrück", money("1000.00", "300.00", "1250.00", "800.00", "-250.00")],
    ["2016–17", "TW800", "Hefei partner fund", "Partner", "Rejected", "Fred Finance", DECIDED,
     "No partner letter.", "", money("3000.00", "0.00", "0.00", "0.00", "0.00")],
    ["2016–17", "TW900", "China trade mission (FCO)", "Foreign and Commonwealth Office", "Approved",
     "Fred Finance", DECIDED, "FCO grant letter received.", "Xi'an",
     money("4000.00", "440.00", "0.00", "0.00", "4000.00")],
    ["2017–18", "TW100", "Civic visits", "Council revenue", "Approved", "Fred Finance", DECIDED,
     "Rolled forward.", "", money("777.77", "0.00", "111.11", "111.11", "666.66")],
]  # fmt: skip


def test_lines_csv_streams_every_line_of_every_year_to_the_penny(
    finance_client: Client, year_2016: FinancialYear
) -> None:
    response = finance_client.get(lines_url("csv"))

    assert response.streaming
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="budget-lines-{today}.csv"'
    # Decided on the day it was in London, not in UTC.
    expected = [
        dict(
            zip(
                LINES_HEADER,
                [
                    year,
                    cc,
                    title,
                    source,
                    status,
                    by,
                    "2016-04-12" if on else "",
                    comment,
                    place,
                    *as_text(figures),
                ],
                strict=True,
            )
        )
        for year, cc, title, source, status, by, on, comment, place, figures in EXPECTED_LINES
    ]
    assert csv_rows(response, LINES_HEADER) == expected


def test_lines_xlsx_has_every_line_with_numbers_and_dates(
    finance_client: Client, year_2016: FinancialYear
) -> None:
    response = finance_client.get(lines_url("xlsx"))

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="budget-lines-{today}.xlsx"'
    sheet = load_sheet(response)
    assert sheet.title == "Budget lines"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert all(cell.number_format == "£#,##0.00" for cell in sheet[2][9:14])
    expected = [
        dict(
            zip(
                LINES_HEADER,
                [
                    *(year, cc, title, source, status, by or None),
                    on and datetime.datetime(2016, 4, 12),
                    *(comment or None, place or None, *figures),
                ],
                strict=True,
            )
        )
        for year, cc, title, source, status, by, on, comment, place, figures in EXPECTED_LINES
    ]
    assert xlsx_rows(response, LINES_HEADER, LINES_MONEY) == expected


def row_titles(client: Client, kind: str, query: dict[str, str]) -> list[tuple[str, str]]:
    response = client.get(lines_url(kind), query)
    if kind == "csv":
        rows = csv_rows(response, LINES_HEADER)
    else:
        rows = xlsx_rows(response, LINES_HEADER, LINES_MONEY)
    return [(row["Year"], row["Cost centre"]) for row in rows]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_lines_export_honours_the_list_filters(
    finance_client: Client, year_2016: FinancialYear, kind: str
) -> None:
    every = [("2016–17", cc) for cc in ("TW100", "TW200", "TW300", "TW800", "TW900")] + [("2017–18", "TW100")]
    assert row_titles(finance_client, kind, {}) == every
    # A blank choice means "any", as the list's form submits it.
    assert row_titles(finance_client, kind, {"year": "", "status": "", "funding_source": ""}) == every
    assert row_titles(finance_client, kind, {"year": "2017"}) == [("2017–18", "TW100")]
    assert row_titles(finance_client, kind, {"status": "proposed"}) == [("2016–17", "TW200")]
    assert row_titles(finance_client, kind, {"funding_source": "fco"}) == [("2016–17", "TW900")]
    assert row_titles(finance_client, kind, {"year": "2016", "status": "approved"}) == [
        ("2016–17", "TW100"),
        ("2016–17", "TW300"),
        ("2016–17", "TW900"),
    ]
    assert row_titles(
        finance_client, kind, {"year": "2016", "status": "approved", "funding_source": "council"}
    ) == [("2016–17", "TW100"), ("2016–17", "TW300")]
    # The list's search and sort too; its page number is not a filter.
    assert row_titles(finance_client, kind, {"q": "civic"}) == [
        ("2016–17", "TW100"),
        ("2016–17", "TW300"),
        ("2017–18", "TW100"),
    ]
    assert row_titles(finance_client, kind, {"q": "Osnabrück", "ordering": "-amount"}) == [
        ("2016–17", "TW100"),
        ("2016–17", "TW300"),
    ]
    assert row_titles(finance_client, kind, {"year": "2016", "ordering": "-amount", "page": "2"}) == [
        ("2016–17", "TW200"),
        ("2016–17", "TW100"),
        ("2016–17", "TW900"),
        ("2016–17", "TW800"),
        ("2016–17", "TW300"),
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_list_pages_download_link_exports_the_lines_it_shows(
    finance_client: Client, year_2016: FinancialYear, kind: str
) -> None:
    page = finance_client.get(
        reverse("budgets:line-list"), {"funding_source": "council", "ordering": "-amount"}
    )
    shown = [(line.financial_year.label, line.cost_centre) for line in page.context["object_list"]]
    link = re.search(rf'href="({lines_url(kind)}[^"]*)"', page.content.decode())
    assert link, "no download link on the list page"

    response = finance_client.get(html.unescape(link.group(1)))

    rows = (
        csv_rows(response, LINES_HEADER) if kind == "csv" else xlsx_rows(response, LINES_HEADER, LINES_MONEY)
    )
    assert [(row["Year"], row["Cost centre"]) for row in rows] == shown
    assert shown == [("2016–17", "TW200"), ("2016–17", "TW100"), ("2016–17", "TW300"), ("2017–18", "TW100")]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "query",
    [
        {"year": "last"},
        {"year": "2030"},  # a year the register does not have
        {"status": "spent"},
        {"funding_source": "lottery"},
        {"ordering": "supplier"},
    ],
)
def test_lines_export_refuses_a_filter_it_does_not_know_rather_than_export_everything(
    finance_client: Client, year_2016: FinancialYear, kind: str, query: dict[str, str]
) -> None:
    response = finance_client.get(lines_url(kind), query)
    assert response.status_code == 400
    assert next(iter(query)) in response.content.decode()


# --- Spreadsheet safety ---------------------------------------------------------------

DANGEROUS = {
    "cost_centre": "+44",
    "title": '=HYPERLINK("http://x")',
    "place": "-1",
    "decision_comment": "@SUM(A1)",
}


@pytest.fixture
def dangerous_line(db: Any, finance: Any) -> BudgetLine:
    """Text that a spreadsheet would run as a formula, on a line whose figures go negative."""
    line = make.BudgetLineFactory(
        financial_year=make.FinancialYearFactory(start_year=2018),
        cost_centre=DANGEROUS["cost_centre"],
        title=DANGEROUS["title"],
        relationship=make.RelationshipFactory(place=make.PlaceFactory(name=DANGEROUS["place"])),
        amount=Decimal("100.00"),
        approved=True,
        decided_by=finance,
        decided_at=DECIDED,
        decision_comment=DANGEROUS["decision_comment"],
    )
    make.SpendFactory(
        budget_line=line, amount=Decimal("150.25"), status="committed", override_state="granted"
    )
    return line


# The dangerous line's text as an export must write it: a spreadsheet takes none of it for a formula.
ESCAPED = {"Cost centre": "'+44", "Line": '\'=HYPERLINK("http://x")', "Relationship": "'-1"}


def test_year_csv_escapes_formulas_in_text_and_leaves_numbers_alone(
    finance_client: Client, dangerous_line: BudgetLine
) -> None:
    row = csv_rows(finance_client.get(year_url("csv", 2018)), YEAR_HEADER)[0]

    assert {column: row[column] for column in ESCAPED} == ESCAPED
    assert (row["Remaining"], row["Variance"], row["Committed"]) == ("-50.25", "-50.25", "150.25")


def test_year_xlsx_stores_formula_like_text_as_text_and_numbers_as_numbers(
    finance_client: Client, dangerous_line: BudgetLine
) -> None:
    sheet = load_sheet(finance_client.get(year_url("xlsx", 2018)))
    header = header_row_number(sheet, "Cost centre")
    cells = sheet[header + 1]

    assert [(c.value, c.data_type) for c in cells[:5]] == [
        ("'+44", "s"),
        ('\'=HYPERLINK("http://x")', "s"),
        ("Council revenue", "s"),
        ("Approved", "s"),
        ("'-1", "s"),
    ]
    remaining, variance = cells[10], cells[11]
    assert remaining.data_type == variance.data_type == "n"
    assert Decimal(str(remaining.value)) == Decimal(str(variance.value)) == Decimal("-50.25")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_lines_export_escapes_formulas_in_text_and_leaves_numbers_alone(
    finance_client: Client, dangerous_line: BudgetLine, kind: str
) -> None:
    response = finance_client.get(lines_url(kind))
    if kind == "csv":
        (row,) = csv_rows(response, LINES_HEADER)
        assert row["Remaining"] == "-50.25"
    else:
        (row,) = xlsx_rows(response, LINES_HEADER, LINES_MONEY)
        assert row["Remaining"] == Decimal("-50.25")

    escaped = {**ESCAPED, "Decision comment": "'@SUM(A1)"}
    assert {column: row[column] for column in escaped} == escaped


def test_xlsx_keeps_text_that_looks_like_an_error_and_drops_characters_excel_refuses(
    finance_client: Client, db: Any
) -> None:
    make.BudgetLineFactory(
        financial_year=make.FinancialYearFactory(start_year=2018),
        cost_centre="#N/A",
        title="Gifts\x0bfor guests",
    )
    sheet = load_sheet(finance_client.get(year_url("xlsx", 2018)))
    row = sheet[header_row_number(sheet, "Cost centre") + 1]

    assert (row[0].value, row[0].data_type) == ("#N/A", "s")
    assert row[1].value == "Giftsfor guests"


# --- Who may export -------------------------------------------------------------------

EXPORTS = [
    ("budgets:year-export-csv", [2016]),
    ("budgets:year-export-xlsx", [2016]),
    ("budgets:lines-export-csv", []),
    ("budgets:lines-export-xlsx", []),
]


@pytest.mark.parametrize(("name", "args"), EXPORTS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("finance", 200), ("officer", 200), ("leader", 200), ("administrator", 200), ("outsider", 403)],
)
def test_every_role_may_export_and_no_one_else(
    personas: dict[str, Any], year_2016: FinancialYear, name: str, args: list[int], persona: str, status: int
) -> None:
    client = Client()
    client.force_login(personas[persona])
    response = client.get(reverse(name, args=args))

    assert response.status_code == status
    if status == 403:
        assert b"Civic visits" not in body_of(response)


@pytest.mark.parametrize(("name", "args"), EXPORTS)
def test_anonymous_is_sent_to_log_in(db: Any, name: str, args: list[int]) -> None:
    make.FinancialYearFactory(start_year=2016)
    url = reverse(name, args=args)
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


# --- Query counts ---------------------------------------------------------------------


def add_lines(year: FinancialYear, count: int, decided_by: Any) -> None:
    """Lines with estimated, committed and paid spend, decided by someone, on a relationship."""
    relationship = make.RelationshipFactory()
    lines = BudgetLine.objects.bulk_create(
        BudgetLine(
            financial_year=year,
            cost_centre=f"CC{n:04d}",
            title=f"Line {n}",
            amount=Decimal("1000.00"),
            funding_source="council" if n % 2 else "fco",
            relationship=relationship,
            status="approved",
            decided_at=DECIDED,
            decided_by=decided_by,
        )
        for n in range(count)
    )
    Spend.objects.bulk_create(
        Spend(
            budget_line=line,
            description=status,
            amount=Decimal("10.01"),
            spent_on=year.starts_on,
            status=status,
        )
        for line in lines
        for status in ("estimated", "committed", "paid")
    )


def rows_in(url: str, body: bytes) -> int:
    """How many rows of lines an export holds."""
    if url.endswith(".csv"):
        return body.count(b"\r\n") - 1
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    return sheet.max_row - header_row_number(sheet, "Cost centre" if "/years/" in url else "Year")


@pytest.mark.parametrize(("name", "args"), EXPORTS)
def test_query_count_does_not_grow_with_lines(
    finance_client: Client, finance: Any, db: Any, name: str, args: list[int]
) -> None:
    year = make.FinancialYearFactory(start_year=2016)
    url = reverse(name, args=args)
    add_lines(year, 3, finance)
    few = rows_in(url, body_of(finance_client.get(url)))
    many = rows_in(
        url, assert_queries_do_not_grow(finance_client, url, lambda: add_lines(year, 297, finance))[url]
    )

    # The year export adds two subtotals and a total.
    extra = 3 if name.startswith("budgets:year") else 0
    assert (few, many) == (3 + extra, 300 + extra)


@pytest.mark.django_db(transaction=True)
def test_lines_csv_reads_every_line_outside_a_transaction(finance_client: Client, finance: Any) -> None:
    """A download only reads, so no transaction is open while the file is streamed.

    Outside the test's own transaction, as in production, the streamed CSV
    still reads every line.
    """
    # More than two of the pieces the stream is sent in (500 rows each).
    add_lines(make.FinancialYearFactory(start_year=2016), 1001, finance)

    response = finance_client.get(lines_url("csv"))

    assert [row["Cost centre"] for row in csv_rows(response, LINES_HEADER)] == [
        f"CC{n:04d}" for n in range(1001)
    ]
