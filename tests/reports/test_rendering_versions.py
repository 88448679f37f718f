"""A PDF says which version of the report it shows, and only its own run may finish it."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from reports.models import Rendering, RenderingStatus
from reports.services import rendering_run
from tests.factories import ParagraphFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_a_draft_changed_after_the_request_is_labelled_with_the_version_rendered() -> None:
    report = ParagraphFactory(report=ReportFactory(title="First title")).report
    rendering = Rendering.objects.create(report=report, report_version=report.version)
    report.title = "Second title"
    report.save()

    assert rendering_run(rendering_id=rendering.pk) == RenderingStatus.READY

    rendering.refresh_from_db()
    assert rendering.report_version == report.version
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(bytes(rendering.pdf))).pages)
    assert "Second title" in text and "First title" not in text


def test_each_run_counts_one_attempt() -> None:
    report = ParagraphFactory().report
    rendering = Rendering.objects.create(report=report, report_version=report.version)

    rendering_run(rendering_id=rendering.pk)
    rendering_run(rendering_id=rendering.pk)

    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.READY
    assert rendering.attempts == 1
