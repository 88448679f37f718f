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


def test_asking_again_for_a_version_already_made_returns_that_pdf_and_a_changed_report_makes_a_new_one() -> (
    None
):
    from reports.services import rendering_request

    report = ReportFactory()
    ParagraphFactory(report=report, text="Osnabrück has been twinned with Derby since 1976.")
    made = Rendering.objects.create(report=report, report_version=report.version)
    rendering_run(rendering_id=made.pk)
    assert Rendering.objects.get(pk=made.pk).status == RenderingStatus.READY

    assert rendering_request(report=report, by=None).pk == made.pk
    assert Rendering.objects.filter(report=report).count() == 1

    report.title = "Osnabrück: fifty years"
    report.save()
    report.refresh_from_db()
    assert rendering_request(report=report, by=None).pk != made.pk
