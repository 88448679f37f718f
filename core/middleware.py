"""Request middleware of the project's own."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare

SEEN_KEY = "_seen"
# Set by core.sso when someone signs in through the identity provider (seconds since the epoch).
SSO_SIGNED_IN_AT = "sso_signed_in_at"
USED_SALT = "core.middleware.SessionInactivityMiddleware"


class ResponseHeadersMiddleware:
    """Headers every response carries, and those of responses to a signed-in person.

    Permissions-Policy refuses the browser features the app never uses, on every
    response (static files too: it runs before WhiteNoise). A response to a
    signed-in person (pages, htmx fragments, PDFs, exports) is marked
    ``private, no-store``, so neither a shared cache nor the browser's keeps a
    copy of the register after the person has gone; a view that asked for
    no-store already keeps its own header. Public responses (the sign-in page,
    /healthz, static files) keep theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        # request.user is there once AuthenticationMiddleware has run (not for static files).
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and "no-store" not in response.get("Cache-Control", "").lower():
            patch_cache_control(response, private=True, no_store=True)
        return response


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
    """Ends a signed-in session SESSION_COOKIE_AGE seconds after it was last used,
    writing it rarely.

    Saving the session on every request (Django's SESSION_SAVE_EVERY_REQUEST)
    would cost a database write and commit on every page. Instead:

    - the session is saved again only once it was last saved
      SESSION_REFRESH_SECONDS ago or more, and each save makes it last
      SESSION_COOKIE_AGE + SESSION_REFRESH_SECONDS: any use that did not save
      it came less than SESSION_REFRESH_SECONDS after the save, so the stored
      expiry never falls before the limit counted from the last use;
    - every response to a signed-in person carries a signed cookie with the
      time of that use, and a request whose last use was longer ago than
      SESSION_COOKIE_AGE ends the session before anything reads it.

    So a session used within the limit never ends early, and one left idle past
    it is ended; a client that drops the cookie is signed out by the stored
    expiry, at most SESSION_REFRESH_SECONDS late.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        stamp = request.COOKIES.get(seen_cookie_name())
        if session is not None and stamp is not None and session.session_key:
            used_at = last_used(stamp, session.session_key)
            if used_at is not None and time.time() - used_at > settings.SESSION_COOKIE_AGE:
                session.flush()  # idle past the limit: signed out before the page is made
        if session is not None and session.session_key:
            signed_in_at = session.get(SSO_SIGNED_IN_AT)
            if (
                isinstance(signed_in_at, int)
                and time.time() - signed_in_at > settings.OIDC_SESSION_MAX_SECONDS
            ):
                # A single sign-on session, however busy, lasts this long: the provider is asked
                # again (a disabled account is refused there, groups are read afresh).
                session.flush()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if session is None:
            return response
        if user is None or not user.is_authenticated or session.is_empty():
            if stamp is not None:
                response.delete_cookie(
                    seen_cookie_name(),
                    path=settings.SESSION_COOKIE_PATH,
                    domain=settings.SESSION_COOKIE_DOMAIN,
                    samesite=settings.SESSION_COOKIE_SAMESITE,
                )
            return response
        now = int(time.time())
        seen = session.get(SEEN_KEY)
        if not isinstance(seen, int) or now - seen >= settings.SESSION_REFRESH_SECONDS:
            mark_used(session, now)  # marks it modified: SessionMiddleware saves it and its cookie
        if session.session_key:
            response.set_cookie(
                seen_cookie_name(),
                used_stamp(session.session_key, now),
                max_age=settings.SESSION_COOKIE_AGE + settings.SESSION_REFRESH_SECONDS,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        return response


def mark_used(session: SessionBase, now: int) -> None:
    session[SEEN_KEY] = now
    session.set_expiry(settings.SESSION_COOKIE_AGE + settings.SESSION_REFRESH_SECONDS)


def seen_cookie_name() -> str:
    return f"{settings.SESSION_COOKIE_NAME}_used"


def used_stamp(session_key: str, at: int) -> str:
    """The signed record that the session ``session_key`` was used at ``at`` (Unix time)."""
    return signing.Signer(salt=USED_SALT).sign(f"{_session_digest(session_key)}:{at}")


def last_used(stamp: str, session_key: str) -> int | None:
    """When the session ``session_key`` was last used, by its stamp; None for a stamp
    that is not the app's or is another session's."""
    try:
        value = signing.Signer(salt=USED_SALT).unsign(stamp)
    except signing.BadSignature:
        return None
    digest, _, at = value.rpartition(":")
    if not constant_time_compare(digest, _session_digest(session_key)) or not at.isdigit():
        return None
    return int(at)


def _session_digest(session_key: str) -> str:
    # The stamp names its session without repeating the session's key.
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def mark_session_seen(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Signing in counts as use: the new session starts with its stamp, so the
    first page after signing in does not save it again."""
    session = getattr(request, "session", None)
    if session is not None:
        mark_used(session, int(time.time()))
