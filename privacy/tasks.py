"""The nightly retention check."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="privacy.tasks.list_records_past_retention")
def list_records_past_retention() -> int:
    """Each night: lists what has passed its retention date for someone to decide on (see
    privacy/services.py). Deletes nothing."""
    from .services import list_due

    return list_due()
