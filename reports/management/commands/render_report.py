"""Renders a report's PDF without the web or a worker, for operations and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reports.models import Report
from reports.rendering import report_pdf


class Command(BaseCommand):
    help = "Render report ID to a PDF file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("report_id", type=int)
        parser.add_argument("--output", "-o", required=True, help="Where to write the PDF.")

    def handle(self, *args: Any, report_id: int, output: str, **options: Any) -> None:
        try:
            report = Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report_id)
        except Report.DoesNotExist:
            raise CommandError(f"There is no report {report_id}.") from None
        pdf = report_pdf(report)
        Path(output).write_bytes(pdf.content)
        self.stdout.write(
            f"Wrote {output}: {pdf.page_count} page{'s' if pdf.page_count != 1 else ''}, "
            f"{pdf.size:,} bytes, SHA-256 {pdf.sha256}"
        )
