"""Signing in: the sign-in page, throttling hooks, and the demo logins (embedded mode only)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpResponse
from django.shortcuts import render

DEMO_USERNAMES = ("officer", "finance", "leader", "admin")


DEMO_EMAIL_DOMAIN = "demo.invalid"


def is_demo_user(user: Any) -> bool:
    """Demo usernames are reserved: outside DEBUG they never sign in, whatever
    their email says, so an edited demo account cannot become a real login."""
    email = (getattr(user, "email", "") or "").lower()
    return getattr(user, "username", None) in DEMO_USERNAMES or email.endswith(f"@{DEMO_EMAIL_DOMAIN}")


class DemoAwareModelBackend(ModelBackend):
    """Refuses the demo accounts whenever DEBUG is off, whatever their password."""

    def user_can_authenticate(self, user: Any) -> bool:
        if is_demo_user(user) and not settings.DEBUG:
            return False
        return super().user_can_authenticate(user)


def client_ip_address(request: Any) -> str | None:
    """The address a sign-in attempt came from, for throttling.

    Outside DEBUG the app runs behind one reverse proxy (see docker-compose.yml),
    which appends the caller's address to X-Forwarded-For; the right-most entry
    is the one that proxy saw, so a client cannot choose its own by sending the
    header itself. Without the header it is the socket's address.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and not settings.DEBUG:
        candidate = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # not an address: not from the proxy, so not believed
    # None when there is no address at all (a session made in code, not by a request).
    return request.META.get("REMOTE_ADDR") or None


def attempted_username(request: Any, credentials: dict | None) -> str:
    """The username as the login form cleans it, so 'Officer ' and 'officer'
    count against the same account."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    # As long as a username can be, and without characters a database refuses.
    return str(raw or "").replace("\x00", "").strip().lower()[:150]


def lockout_response(
    request: Any, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The page shown while a username is paused from an address (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Autofocus would skip keyboard and screen-reader users past the skip
        # link and the page heading (WCAG 2.4.3 focus order).
        self.fields["username"].widget.attrs.pop("autofocus", None)
        # AuthenticationForm sets max_length after building the field, so no validator holds it.
        self.fields["username"].validators.append(
            MaxLengthValidator(self.fields["username"].max_length or 150)
        )


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
