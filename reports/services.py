"""Writes to reports and their renderings, each one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Rendering, RenderingStatus, Report

log = logging.getLogger(__name__)


class ReportRuleBroken(Exception):
    """What a report rule forbids, in the council's words; ``field`` says where to show it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@transaction.atomic
def rendering_request(*, report: Report, by: Any) -> Rendering:
    """Queues a PDF of the report as it stands; the worker is told after commit.

    Asking again while one is queued or rendering for the same version
    returns that one instead of making a second.
    """
    pending = (
        Rendering.objects.filter(
            report=report,
            report_version=report.version,
            status__in=[RenderingStatus.QUEUED, RenderingStatus.RENDERING],
        )
        .only("id", "status")
        .first()
    )
    if pending is not None:
        return pending
    rendering = Rendering.objects.create(report=report, report_version=report.version, requested_by=by)
    _enqueue_after_commit(rendering)
    return rendering


@transaction.atomic
def rendering_retry(*, rendering: Rendering, by: Any) -> Rendering:
    """Puts a failed rendering back in the queue."""
    claimed = Rendering.objects.filter(pk=rendering.pk, status=RenderingStatus.FAILED).update(
        status=RenderingStatus.QUEUED, error="", requested_by=by, finished_at=None
    )
    if not claimed:
        raise ReportRuleBroken("Only a failed PDF can be tried again.")
    rendering.refresh_from_db(fields=["status", "error"])
    _enqueue_after_commit(rendering)
    return rendering


def _enqueue_after_commit(rendering: Rendering) -> None:
    from .tasks import render_report_pdf

    # The worker must never look for a row that is not committed yet.
    transaction.on_commit(lambda: render_report_pdf.delay(rendering.pk))


def rendering_run(*, rendering_id: int) -> str:
    """Renders one queued PDF. Safe to run twice: only one run claims the row.

    A row left "rendering" by a worker that died is claimed again once it is
    older than the task time limit (its task is then being redelivered).
    """
    from .rendering import report_pdf

    stale_before = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    with transaction.atomic():
        claimed = (
            Rendering.objects.filter(pk=rendering_id)
            .filter(
                status=RenderingStatus.QUEUED,
            )
            .update(status=RenderingStatus.RENDERING, started_at=timezone.now())
        ) or Rendering.objects.filter(
            pk=rendering_id, status=RenderingStatus.RENDERING, started_at__lt=stale_before
        ).update(started_at=timezone.now())
    if not claimed:
        status = Rendering.objects.filter(pk=rendering_id).values_list("status", flat=True).first()
        log.info("Rendering %s not claimed (status %s): nothing to do", rendering_id, status)
        return status or "missing"

    rendering = Rendering.objects.select_related("report").get(pk=rendering_id)
    Rendering.objects.filter(pk=rendering_id).update(attempts=rendering.attempts + 1)
    try:
        report = Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=rendering.report_id)
        pdf = report_pdf(report)
    except Exception as exc:  # any failure is the officer's to see and retry
        log.exception("Rendering %s failed", rendering_id)
        Rendering.objects.filter(pk=rendering_id, status=RenderingStatus.RENDERING).update(
            status=RenderingStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return RenderingStatus.FAILED
    with transaction.atomic():
        Rendering.objects.filter(pk=rendering_id, status=RenderingStatus.RENDERING).update(
            status=RenderingStatus.READY,
            pdf=pdf.content,
            sha256=pdf.sha256,
            page_count=pdf.page_count,
            size_bytes=pdf.size,
            finished_at=timezone.now(),
            error="",
        )
    return RenderingStatus.READY
