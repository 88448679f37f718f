"""Request middleware of the project's own."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SEEN_KEY = "_seen"


class CleanHeadersMiddleware:
    """Drops NUL characters from the request headers that get stored (the
    sign-in throttle records the User-Agent): PostgreSQL refuses them in text."""

    STORED = ("HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in self.STORED:
            value = request.META.get(name)
            if value and "\x00" in value:
                request.META[name] = value.replace("\x00", "")
        return self.get_response(request)


class SessionInactivityMiddleware:
    """Keeps a signed-in session alive while it is used, writing it rarely.

    The session ends SESSION_COOKIE_AGE seconds after it was last saved. Saving
    it on every request (Django's SESSION_SAVE_EVERY_REQUEST) would cost a
    database write and commit on every page; instead the session is saved again
    only when it was last saved more than SESSION_REFRESH_SECONDS ago, so the
    inactivity limit is kept to within that many seconds.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or session.is_empty():
            return response
        now = int(time.time())
        seen = session.get(SEEN_KEY)
        if not isinstance(seen, int) or now - seen >= settings.SESSION_REFRESH_SECONDS:
            session[SEEN_KEY] = now  # marks it modified: SessionMiddleware saves it and the cookie
        return response


def mark_session_seen(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Signing in counts as use: the new session starts with its stamp, so the
    first page after signing in does not save it again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN_KEY] = int(time.time())
