"""Health of the services the app depends on: /healthz."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming what failed."""
    db_ok, db_detail = database_ok()
    broker_up, broker_detail = broker_ok()
    healthy = db_ok and broker_up
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if db_ok else f"failed: {db_detail}",
        "broker": broker_detail if broker_up else f"failed: {broker_detail}",
    }
    return JsonResponse(body, status=200 if healthy else 503)
