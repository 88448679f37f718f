"""CSV and XLSX exports of the year view and the budget lines.

Both formats are written from the same rows, whose cells are typed: text
(typed by people, so made spreadsheet-safe), money (Decimal, written as a
number: 2 decimals in the CSV, a number cell formatted in pounds in the
workbook) and dates. Subtotals and totals are the selector's own sums written
as numbers, never spreadsheet formulas: the file says exactly what the page
says, and editing one cell cannot quietly change a total.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.exports import spreadsheet_safe
from core.text import long_date
from core.views import RoleRequired

from .filters import BudgetLineFilter
from .models import BudgetLine, FinancialYear
from .selectors import Figures, YearSummary, budget_line_list, line_figures, year_summary

VIEW_BUDGETS = "budgets.view_budgetline"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "£#,##0.00"
DATE_FORMAT = "d mmmm yyyy"
BOLD = Font(bold=True)
# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")

Cell = str | Decimal | date | None


@dataclass(frozen=True)
class Column:
    heading: str
    width: float


@dataclass(frozen=True)
class ExportRow:
    cells: Sequence[Cell]
    is_total: bool = False


def _person(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user else None


def _place_name(line: BudgetLine) -> str | None:
    return line.relationship.place.name if line.relationship else None


# --- The two formats ----------------------------------------------------------------


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(value)


class _Echo:
    """csv.writer writes to this and gets each line back."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(columns: Sequence[Column], rows: Iterable[ExportRow]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    # The byte order mark makes Excel read UTF-8 (Chinese and Japanese place names).
    yield "\ufeff" + writer.writerow([column.heading for column in columns])
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row.cells])


def _in_batches(lines: Iterator[str], size: int = 500) -> Iterator[str]:
    """Lines joined into larger pieces, so a long stream is not sent a row at a time."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> Any:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        # openpyxl would store "=..." as a formula and "#N/A" as an error, and
        # refuses control characters: people's text is always stored as text.
        text = ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_safe(value))
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
    if bold:
        cell.font = BOLD
    return cell


def sheet_title(text: str) -> str:
    return SHEET_TITLE_FORBIDDEN.sub("-", text)[:31] or "Sheet"


def _workbook(
    *, sheet_name: str, columns: Sequence[Column], rows: Iterable[ExportRow], title: str | None = None
) -> bytes:
    """A workbook written row by row (write-only mode), its header bold and frozen."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(sheet_name))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 2 if title else 1
    sheet.freeze_panes = f"A{header_row + 1}"
    if title:
        sheet.append([_xlsx_cell(sheet, title, bold=True)])
    sheet.append([_xlsx_cell(sheet, column.heading, bold=True) for column in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, bold=row.is_total) for value in row.cells])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_response(body: bytes, filename: str) -> HttpResponse:
    return _attachment(HttpResponse(body, content_type=XLSX_CONTENT_TYPE), filename)


# --- The year view ------------------------------------------------------------------

YEAR_COLUMNS = (
    Column("Cost centre", 14),
    Column("Line", 44),
    Column("Funding source", 30),
    Column("Status", 11),
    Column("Relationship", 22),
    Column("Budget", 14),
    Column("Proposed (not yet approved)", 16),
    Column("Estimated", 14),
    Column("Committed", 14),
    Column("Paid", 14),
    Column("Remaining", 14),
    Column("Variance", 14),
    Column("Over-committed", 10),
)


def _figures(figures: Figures) -> list[Cell]:
    return [
        figures.budget,
        figures.proposed,
        figures.estimated,
        figures.committed,
        figures.paid,
        figures.remaining,
        figures.variance,
    ]


def year_rows(summary: YearSummary) -> Iterator[ExportRow]:
    """The year page as rows: each group's lines then its subtotal, and the year's total last."""
    for group in summary.groups:
        for line, figures in group.rows:
            yield ExportRow(
                [
                    line.cost_centre,
                    line.title,
                    line.get_funding_source_display(),
                    line.get_status_display(),
                    _place_name(line),
                    *_figures(figures),
                    "Yes" if figures.is_over_committed else "No",
                ]
            )
        yield ExportRow(
            ["Subtotal", group.title, None, None, None, *_figures(group.total), None], is_total=True
        )
    yield ExportRow(
        ["Total", f"All lines, {summary.year.label}", None, None, None, *_figures(summary.total), None],
        is_total=True,
    )


def sheet_title_for_year(year: FinancialYear) -> str:
    """2016-17: the label with a plain hyphen, safe in a sheet name and a filename."""
    return f"{year.start_year}-{(year.start_year + 1) % 100:02d}"


def _year_file_stem(year: FinancialYear) -> str:
    return f"twinning-budget-{sheet_title_for_year(year)}-{timezone.localdate().isoformat()}"


class _YearExportView(RoleRequired, View):
    permission_required = VIEW_BUDGETS

    def summary(self) -> YearSummary:
        year = get_object_or_404(FinancialYear, start_year=self.kwargs["start_year"])
        return year_summary(year)


class YearCsvExportView(_YearExportView):
    """The year view as CSV: the lines by group, a subtotal per group and the year's total."""

    def get(self, request: HttpRequest, start_year: int) -> HttpResponse:
        summary = self.summary()
        body = "".join(_csv_lines(YEAR_COLUMNS, year_rows(summary)))
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        return _attachment(response, f"{_year_file_stem(summary.year)}.csv")


class YearXlsxExportView(_YearExportView):
    """The year view as a workbook of one sheet named for the year (2016-17)."""

    def get(self, request: HttpRequest, start_year: int) -> HttpResponse:
        summary = self.summary()
        body = _workbook(
            sheet_name=sheet_title_for_year(summary.year),
            title=f"Twinning budget {summary.year.label}, as at {long_date(timezone.localdate())}",
            columns=YEAR_COLUMNS,
            rows=year_rows(summary),
        )
        return _xlsx_response(body, f"{_year_file_stem(summary.year)}.xlsx")


# --- The budget lines ----------------------------------------------------------------

LINE_COLUMNS = (
    Column("Year", 9),
    Column("Cost centre", 14),
    Column("Line", 44),
    Column("Funding source", 30),
    Column("Status", 11),
    Column("Decided by", 20),
    Column("Decided on", 17),
    Column("Decision comment", 40),
    Column("Relationship", 22),
    Column("Amount", 14),
    Column("Estimated", 14),
    Column("Committed", 14),
    Column("Paid", 14),
    Column("Remaining", 14),
)


def line_row(line: BudgetLine) -> ExportRow:
    """One line annotated by ``budget_line_list``; remaining is as the year view counts it."""
    figures = line_figures(line)
    return ExportRow(
        [
            line.financial_year.label,
            line.cost_centre,
            line.title,
            line.get_funding_source_display(),
            line.get_status_display(),
            _person(line.decided_by),
            timezone.localdate(line.decided_at) if line.decided_at else None,
            line.decision_comment or None,
            _place_name(line),
            line.amount,
            figures.estimated,
            figures.committed,
            figures.paid,
            figures.remaining,
        ]
    )


class _LinesExportView(RoleRequired, View):
    permission_required = VIEW_BUDGETS

    def get(self, request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
        # The list page's own filters, search and sort, so the file holds what the list showed.
        chosen = BudgetLineFilter(request.GET, queryset=budget_line_list())
        if not chosen.is_valid():
            # The list shows such errors over an unfiltered list; a file cannot,
            # and the whole register sent as if filtered would mislead.
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in chosen.errors.items())
            return HttpResponseBadRequest(
                f"The filters are not valid ({problems}).", content_type="text/plain; charset=utf-8"
            )
        # One query, read in chunks: 5,000 lines never sit in memory as models at once.
        lines = chosen.qs.iterator(chunk_size=2000)
        return self.render(line_row(line) for line in lines)

    def filename(self, extension: str) -> str:
        return f"budget-lines-{timezone.localdate().isoformat()}.{extension}"

    def render(self, rows: Iterator[ExportRow]) -> HttpResponse | StreamingHttpResponse:
        raise NotImplementedError


class LinesCsvExportView(_LinesExportView):
    """Every budget line of every year (or those filtered), streamed as CSV."""

    def render(self, rows: Iterator[ExportRow]) -> StreamingHttpResponse:
        response = StreamingHttpResponse(
            _in_batches(_csv_lines(LINE_COLUMNS, rows)), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, self.filename("csv"))


class LinesXlsxExportView(_LinesExportView):
    """Every budget line of every year (or those filtered) as a workbook."""

    def render(self, rows: Iterator[ExportRow]) -> HttpResponse:
        body = _workbook(sheet_name="Budget lines", columns=LINE_COLUMNS, rows=rows)
        return _xlsx_response(body, self.filename("xlsx"))


urlpatterns: list = [
    path("years/<int:start_year>/export.csv", YearCsvExportView.as_view(), name="year-export-csv"),
    path("years/<int:start_year>/export.xlsx", YearXlsxExportView.as_view(), name="year-export-xlsx"),
    path("lines/export.csv", LinesCsvExportView.as_view(), name="lines-export-csv"),
    path("lines/export.xlsx", LinesXlsxExportView.as_view(), name="lines-export-xlsx"),
]
