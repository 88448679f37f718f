"""What reports adds to the search: Cabinet reports, by their title, author and every paragraph."""

from __future__ import annotations

from core.search import Document, Kind, register

from .models import Report


def _report(report: Report) -> Document:
    paragraphs = " ".join(paragraph.text for paragraph in report.paragraphs.all())
    return Document(
        title=report.title,
        summary=f"{report.committee}, {report.meeting_date:%-d %B %Y}, {report.get_status_display()}",
        url=report.get_absolute_url(),
        fields=[("Title", report.title), ("Report of", report.report_of), ("Text", paragraphs)],
    )


def register_kinds() -> None:
    register(
        Kind(
            "report",
            "Reports",
            "reports.Report",
            "reports.view_report",
            _report,
            prefetch_related=("paragraphs",),
        ),
        parts={"reports.paragraph": "report_id"},
    )
