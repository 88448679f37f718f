"""HTML and PDF of a report, from one template.

The PDF is made by WeasyPrint with the report's own print stylesheet (not
Bootstrap: WeasyPrint's time grows with the CSS it cascades), tagged as
PDF/UA-1 so screen readers can follow it. Nothing is fetched from outside:
the stylesheet and fonts are local.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from .document import build_document, local_names
from .models import Report
from .pdf_tags import report_tagging

REPORT_TEMPLATE = "reports/report_document.html"
REPORT_STYLESHEET = "css/report.css"


def report_html(report: Report, *, preview: bool = False) -> str:
    """The report as one HTML document; ``preview`` links the stylesheet for a browser."""
    return render_to_string(
        REPORT_TEMPLATE,
        {
            "document": build_document(report),
            "report": report,
            "preview": preview,
            "now": timezone.now(),
            # Rendered without a request (in the worker): the council's name from settings here too.
            "council_name": settings.COUNCIL_NAME,
            "local_names": local_names(),
        },
    )


def _refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing.

    A report has nothing to fetch; refusing keeps anything a report's HTML
    references (an image, a stylesheet, a font) from making the worker reach
    out to the network or read local files. WeasyPrint (from version 70) takes
    a ``URLFetcher``, whose errors it turns into a warning and skips the
    resource; a plain function is no longer accepted.
    """
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"Reports load no external resources ({url[:200]!r}).")

    return RefusingFetcher(allowed_protocols=(), allow_redirects=False)


@dataclass(frozen=True)
class Pdf:
    content: bytes
    page_count: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


def render_pdf(html: str) -> Pdf:
    from weasyprint import CSS, HTML  # imported here: only workers and the command need it

    fetcher = _refusing_fetcher()
    # Read here rather than by WeasyPrint, whose fetcher refuses every file.
    stylesheet = CSS(
        string=Path(finders.find(REPORT_STYLESHEET)).read_text(encoding="utf-8"), url_fetcher=fetcher
    )
    document = HTML(string=html, url_fetcher=fetcher).render(stylesheets=[stylesheet])
    with report_tagging(document):
        content = document.write_pdf(pdf_variant="pdf/ua-1")
    return Pdf(content=content, page_count=len(document.pages))


def report_pdf(report: Report) -> Pdf:
    return render_pdf(report_html(report))
