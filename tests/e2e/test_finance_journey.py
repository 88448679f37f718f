"""Browser test (Playwright, Debian Chromium): Finance approves a budget line
and downloads the year's XLSX, whose total budget is the page's.

Fred (Finance) signs in, goes Budgets → 2016–17 → the proposed Toyota City
line, chooses Approve, writes why and records the decision; the line reads
Approved. Back on the year page the total budget now counts it; the workbook
downloaded from "Download XLSX" says the same total, to the penny.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from budgets.models import BudgetLine, LineStatus
from tests.factories import BudgetLineFactory, FinancialYearFactory
from tests.support.browser import sign_in
from tests.support.pages import money

SCREENSHOT = "/tmp/e2e-finance.png"  # for a person to look at; not asserted


def test_finance_approves_a_line_and_downloads_the_years_xlsx(page: Page, finance, officer) -> None:
    year = FinancialYearFactory(start_year=2016)
    BudgetLineFactory(
        financial_year=year,
        title="Hefei trade visit",
        amount=Decimal("1500.50"),
        approved=True,
        decided_by=finance,
    )
    line = BudgetLineFactory(
        financial_year=year,
        title="Toyota City civic visit",
        amount=Decimal("4000.00"),
        proposed_by=officer,
    )

    sign_in(page, finance.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Budgets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgets by financial year")
    page.get_by_role("table", name="Budget and spend per financial year").get_by_role(
        "link", name="2016–17"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budget 2016–17")
    year_total = page.get_by_role("table", name="Totals for 2016–17")
    expect(year_total.get_by_role("cell").first).to_have_text("£1,500.50")

    page.get_by_role("link", name="Toyota City civic visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Toyota City civic visit")
    decision = page.get_by_role("region", name="Finance decision")
    decision.get_by_label("Approve").check()
    decision.get_by_label("Comment").fill("Within the £10,000 twinning budget agreed by Cabinet.")
    decision.get_by_role("button", name="Record decision").click()

    expect(page.get_by_role("status")).to_contain_text("“Toyota City civic visit” was approved.")
    today = timezone.localdate()
    expect(page.get_by_text("Approved by Fred Finance on", exact=False)).to_have_text(
        f"Approved by Fred Finance on {today.day} {today:%B %Y}"
    )
    expect(page.get_by_role("region", name="Finance decision")).to_have_count(0)
    stored = BudgetLine.objects.get(pk=line.pk)
    assert (stored.status, stored.decided_by, stored.decision_comment) == (
        LineStatus.APPROVED,
        finance,
        "Within the £10,000 twinning budget agreed by Cabinet.",
    )

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="2016–17").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budget 2016–17")
    year_total = page.get_by_role("table", name="Totals for 2016–17")
    budget_cell = year_total.get_by_role("cell").first
    expect(budget_cell).to_have_text("£5,500.50")
    page_total = money(budget_cell.inner_text())
    page.screenshot(path=SCREENSHOT, full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    # Playwright saves it without an extension, which openpyxl would refuse by name.
    workbook = load_workbook(BytesIO(Path(download.path()).read_bytes()), read_only=True, data_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    header = next(row for row in rows if "Budget" in row)
    total = next(row for row in rows if row and row[0] == "Total")
    file_total = Decimal(str(total[header.index("Budget")])).quantize(Decimal("0.01"))
    assert file_total == page_total == Decimal("5500.50")
