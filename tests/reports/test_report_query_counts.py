"""Every report page makes as many SQL queries with hundreds of rows as with a
handful, and none of them reads the stored PDFs' bytes, which only the
download needs.

Each page is asked for once with a few rows of every kind, then again after
many more, made in bulk so the suite stays fast: 200 more reports (drafts,
approved and published, each with its author, approver and renderings), 300
more paragraphs over the body and the appendix of the report shown, and 50
more renderings of it, each asked for by someone different and most of them
ready with a PDF of their own. The two counts must be equal and below a
bound, so a lazy load per row (an N+1) fails here whichever table it hits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core import roles
from reports import models
from tests.factories import UserFactory
from tests.support.pages import Page
from tests.support.queries import assert_queries_do_not_grow, count_queries
from tests.support.register import client_for
from tests.support.reports import draft, editor_paragraphs, preview_paragraphs

FEW = 3
MORE_REPORTS = 200
MORE_PARAGRAPHS = 300
MORE_RENDERINGS = 50
# A page that needs more than this is doing too much, whatever the rows.
MAX_QUERIES = 20
# The stored PDF column, in any query (Django quotes names the same way on SQLite and PostgreSQL).
PDF_COLUMN = re.compile(r'"reports_rendering"\."pdf"')


def fake_pdf(i: int) -> bytes:
    """A PDF-sized payload, different for each rendering, that no page should ever read."""
    return b"%PDF-1.7\n" + os.urandom(2048) + f"\n% rendering {i}\n%%EOF\n".encode()


@dataclass
class Subject:
    officer: Any
    report: models.Report
    rendering: models.Rendering
    paragraphs: int = 0
    renderings: int = 0
    reports: int = 0
    people: list[Any] = field(default_factory=list)


@pytest.fixture
def subject(officer: Any) -> Subject:
    report = draft(officer, title="Opportunities for Overseas Economic Twinning")
    models.SignOff.objects.filter(report=report, is_required=True).update(
        officer_name="Janie Berry", cleared_on=date(2015, 8, 28)
    )
    rendering = models.Rendering.objects.create(
        report=report,
        report_version=report.version,
        status=models.RenderingStatus.READY,
        requested_by=officer,
        pdf=fake_pdf(0),
        sha256="a" * 64,
        size_bytes=2100,
        page_count=7,
    )
    return Subject(officer=officer, report=report, rendering=rendering)


def people(s: Subject, n: int) -> list[Any]:
    """Users who ask for PDFs and approve reports, so each row may name someone different."""
    while len(s.people) < n:
        s.people.append(UserFactory(username=f"person{len(s.people)}", roles=[roles.OFFICER]))
    return s.people[:n]


def add_paragraphs(s: Subject, n: int) -> None:
    start, s.paragraphs = s.paragraphs, s.paragraphs + n
    models.Paragraph.objects.bulk_create(
        models.Paragraph(
            report=s.report,
            part=(models.Part.BODY, models.Part.IMPLICATIONS)[i % 2],
            section=1 + i % (5 if i % 2 == 0 else len(models.IMPLICATION_HEADINGS)),
            position=i,
            text=f"Paragraph {i:04d} of the report, about Xi'an (西安市) and Hefei (合肥市).",
        )
        for i in range(start, start + n)
    )


def add_renderings(s: Subject, n: int) -> None:
    start, s.renderings = s.renderings, s.renderings + n
    askers = people(s, 12)
    statuses = (
        models.RenderingStatus.READY,
        models.RenderingStatus.READY,
        models.RenderingStatus.FAILED,
        models.RenderingStatus.QUEUED,
    )
    rows = []
    for i in range(start, start + n):
        status = statuses[i % 4]
        ready = status == models.RenderingStatus.READY
        rows.append(
            models.Rendering(
                report=s.report,
                report_version=1 + i % 5,
                status=status,
                requested_by=askers[i % len(askers)],
                pdf=fake_pdf(i) if ready else None,
                sha256=f"{i:064x}" if ready else "",
                size_bytes=2100 if ready else None,
                page_count=7 if ready else None,
                error="OSError: the worker ran out of memory"
                if status == models.RenderingStatus.FAILED
                else "",
            )
        )
    models.Rendering.objects.bulk_create(rows)


def add_reports(s: Subject, n: int) -> None:
    start, s.reports = s.reports, s.reports + n
    deciders = people(s, 12)
    statuses = (models.ReportStatus.DRAFT, models.ReportStatus.APPROVED, models.ReportStatus.PUBLISHED)
    reports = models.Report.objects.bulk_create(
        models.Report(
            meeting_date=date(2015, 1, 7) + timedelta(days=7 * i),
            title=f"Report {i:04d} on overseas links",
            report_of="the Strategic Director for Neighbourhoods",
            status=statuses[i % 3],
            is_exempt=i % 5 == 0,
            exempt_paragraph=3 if i % 5 == 0 else None,
            public_interest_reasoning="Commercial terms under negotiation." if i % 5 == 0 else "",
            approved_by=deciders[i % len(deciders)] if i % 3 else None,
            approved_at=datetime(2015, 9, 9, 18, tzinfo=UTC) if i % 3 else None,
            created_by=deciders[(i + 1) % len(deciders)],
            revision=1 + i % 2,
        )
        for i in range(start, start + n)
    )
    models.SignOff.objects.bulk_create(
        models.SignOff(report=report, role=role, is_required=True)
        for report in reports
        for role in models.SignOffRole.values[:3]
    )
    models.Rendering.objects.bulk_create(
        models.Rendering(
            report=report,
            report_version=1,
            status=models.RenderingStatus.READY,
            requested_by=deciders[k % len(deciders)],
            pdf=fake_pdf(k),
            sha256=f"{k:064x}",
            size_bytes=2100,
            page_count=7,
        )
        for k, report in enumerate(reports)
        if k % 2 == 0
    )


def add_rows(s: Subject, n_reports: int, n_paragraphs: int, n_renderings: int) -> None:
    add_reports(s, n_reports)
    add_paragraphs(s, n_paragraphs)
    add_renderings(s, n_renderings)


def _report(s: Subject) -> list[int]:
    return [s.report.pk]


def _rendering(s: Subject) -> list[int]:
    return [s.rendering.pk]


def _paragraph(s: Subject) -> list[int]:
    return [
        models.Paragraph.objects.filter(report=s.report).order_by("pk").values_list("pk", flat=True).first()
    ]


PAGES: dict[str, tuple[str, Callable[[Subject], list[int]] | None, str, dict[str, str]]] = {
    # id: (url name, args, query string, headers)
    "report list": ("reports:report-list", None, "", {}),
    "report list, filtered and sorted": (
        "reports:report-list",
        None,
        "?q=report&status=approved&ordering=-title",
        {},
    ),
    "report list, page 2": ("reports:report-list", None, "?ordering=status&page=2", {}),
    "report detail": ("reports:report-detail", _report, "", {}),
    "report preview": ("reports:report-preview", _report, "", {}),
    "report edit form": ("reports:report-update", _report, "", {}),
    "sign-off page": ("reports:sign-offs", _report, "", {}),
    "paragraph edit form": ("reports:paragraph-update", _paragraph, "", {}),
    "rendering detail": ("reports:rendering-detail", _rendering, "", {}),
    "rendering status (htmx)": ("reports:rendering-detail", _rendering, "", {"HTTP_HX_REQUEST": "true"}),
}


def url_of(s: Subject, page: str) -> tuple[str, dict[str, str]]:
    name, args, query, headers = PAGES[page]
    return reverse(name, args=args(s) if args else None) + query, headers


@pytest.mark.parametrize("page", list(PAGES), ids=list(PAGES))
def test_query_count_does_not_grow_with_rows(officer_client: Client, subject: Subject, page: str) -> None:
    # A second page needs more than a page of rows to exist at all.
    add_rows(subject, settings.PAGE_SIZE * 2 + FEW if "page=" in PAGES[page][2] else FEW, FEW, FEW)
    url, headers = url_of(subject, page)
    assert_queries_do_not_grow(
        officer_client,
        url,
        lambda: add_rows(subject, MORE_REPORTS, MORE_PARAGRAPHS, MORE_RENDERINGS),
        at_most=MAX_QUERIES,
        **headers,
    )


@pytest.mark.parametrize("persona", ["finance", "leader"])
def test_the_report_page_for_other_roles_does_not_grow(
    persona: str, subject: Subject, personas: dict[str, Any]
) -> None:
    """The Leader's Office sees the approval form, Finance neither it nor the editor."""
    add_rows(subject, FEW, FEW, FEW)
    assert_queries_do_not_grow(
        client_for(personas[persona]),
        subject.report.get_absolute_url(),
        lambda: add_rows(subject, MORE_REPORTS, MORE_PARAGRAPHS, MORE_RENDERINGS),
    )


@pytest.mark.parametrize(
    "page", ["report list", "report detail", "report preview", "rendering detail", "rendering status (htmx)"]
)
def test_no_page_but_the_download_reads_the_pdf_bytes(
    officer_client: Client, subject: Subject, page: str
) -> None:
    add_rows(subject, FEW, FEW, MORE_RENDERINGS)
    url, headers = url_of(subject, page)
    sql = count_queries(officer_client, url, **headers).sql
    reading = [q for q in sql if PDF_COLUMN.search(q.split(" FROM ")[0])]
    assert not reading, f"{url} selects the PDF bytes:\n" + "\n".join(reading)

    # The check can fail: the download does read them.
    sql = count_queries(
        officer_client, reverse("reports:rendering-download", args=[subject.rendering.pk])
    ).sql
    assert any(PDF_COLUMN.search(q.split(" FROM ")[0]) for q in sql)


def test_the_pages_really_hold_the_rows(officer_client: Client, subject: Subject) -> None:
    """The counts above are only worth something if the rows are on the pages."""
    add_rows(subject, MORE_REPORTS, MORE_PARAGRAPHS, MORE_RENDERINGS)
    reports = models.Report.objects.count()
    assert reports > MORE_REPORTS

    listed = Page(officer_client.get(reverse("reports:report-list")))
    assert f"Showing 1–{settings.PAGE_SIZE} of {reports}" in listed.text
    assert len(listed.column("Title")) == settings.PAGE_SIZE
    assert {"Draft", "Approved", "Published"} <= set(listed.column("Status"))
    assert set(listed.column("Ready PDFs")) >= {"0", "1"}
    approved = Page(officer_client.get(reverse("reports:report-list") + "?status=approved"))
    assert set(approved.column("Status")) == {"Approved"}

    detail = Page(officer_client.get(subject.report.get_absolute_url()))
    numbered = editor_paragraphs(detail)
    assert len(numbered) == MORE_PARAGRAPHS
    assert ("1.30", "Paragraph 0290 of the report, about Xi'an (西安市) and Hefei (合肥市).") in numbered
    pdfs = detail.section("PDFs")
    assert len(pdfs.find_all("tr")) == 1 + 1 + MORE_RENDERINGS
    assert pdfs.text.count("Download") >= MORE_RENDERINGS / 2

    preview = Page(officer_client.get(reverse("reports:report-preview", args=[subject.report.pk])))
    assert len(preview_paragraphs(preview)) == MORE_PARAGRAPHS / 2
