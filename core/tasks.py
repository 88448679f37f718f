"""Housekeeping tasks run by Celery beat."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.core import management
from django.utils import timezone


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> str:
    """Proves a worker is consuming: returns the time it ran."""
    return timezone.now().isoformat()


@shared_task(name="core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Nightly: expired sessions, and the day-old receipts of sent create forms."""
    from .models import FormSubmission

    management.call_command("clearsessions")
    FormSubmission.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
