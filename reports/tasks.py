"""Background work for reports: PDFs are rendered by a Celery worker."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reports.render_report_pdf", acks_late=True, reject_on_worker_lost=True)
def render_report_pdf(rendering_id: int) -> str:
    """Takes the rendering's primary key; a redelivered task finds it claimed and does nothing."""
    return services.rendering_run(rendering_id=rendering_id)
