"""Housekeeping tasks run by Celery beat."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.core import management
from django.utils import timezone


@shared_task(name="twinning.tasks.heartbeat")
def heartbeat() -> str:
    """Proves a worker is consuming: returns the time it ran."""
    return timezone.now().isoformat()


@shared_task(name="twinning.tasks.send_daily_digests")
def send_daily_digests() -> dict[str, int]:
    """Each morning: everyone's digest of what needs them (see twinning/digest.py)."""
    from .digest import send_daily_digests as send

    return send()


@shared_task(name="twinning.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Nightly: expired sessions, and the day-old receipts of sent create forms."""
    from .models import FormSubmission

    management.call_command("clearsessions")
    FormSubmission.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
