"""Health of the services the app depends on, for /healthz."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not answering"
        return False, type(exc).__name__
    return True, "ok"


def broker_ok() -> tuple[bool, str]:
    """Pings Redis when it is the broker; the embedded mode has no broker to fail."""
    if not settings.REDIS_URL:
        return True, "embedded (tasks run in-process)"
    import redis

    timeout = settings.HEALTHZ_TIMEOUT_SECONDS
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"
