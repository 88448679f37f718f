"""Housekeeping tasks run by Celery beat."""

from __future__ import annotations

from celery import shared_task
from django.core import management
from django.utils import timezone


@shared_task(name="twinning.tasks.heartbeat")
def heartbeat() -> str:
    """Proves a worker is consuming: returns the time it ran."""
    return timezone.now().isoformat()


@shared_task(name="twinning.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")
