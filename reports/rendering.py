"""HTML and PDF of a report, from one template.

The PDF is made by WeasyPrint with the report's own print stylesheet (not
Bootstrap: WeasyPrint's time grows with the CSS it cascades), tagged as
PDF/UA-1 so screen readers can follow it. Nothing is fetched from outside:
the stylesheet and fonts are local.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from .document import build_document
from .models import Report

REPORT_TEMPLATE = "reports/report_document.html"
REPORT_STYLESHEET = "css/report.css"


def report_html(report: Report, *, preview: bool = False) -> str:
    """The report as one HTML document; ``preview`` links the stylesheet for a browser."""
    return render_to_string(
        REPORT_TEMPLATE,
        {"document": build_document(report), "report": report, "preview": preview, "now": timezone.now()},
    )


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # A report has nothing to fetch; refusing keeps a crafted paragraph from
    # making the worker reach out to the network or read local files.
    raise ValueError(f"Reports load no external resources ({url!r}).")


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

    stylesheet = CSS(filename=finders.find(REPORT_STYLESHEET))
    document = HTML(string=html, url_fetcher=_no_fetching).render(stylesheets=[stylesheet])
    content = document.write_pdf(pdf_variant="pdf/ua-1")
    return Pdf(content=content, page_count=len(document.pages))


def report_pdf(report: Report) -> Pdf:
    return render_pdf(report_html(report))
