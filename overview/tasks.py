"""The overview's scheduled work."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="overview.tasks.send_daily_digests")
def send_daily_digests() -> dict[str, int]:
    """Each morning: everyone's digest of what needs them (see overview/digest.py)."""
    from .digest import send_daily_digests as send

    return send()
