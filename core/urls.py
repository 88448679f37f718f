"""Signing in and out, one's password, and the health check: pages every app shares."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from . import auth, health, sso, two_factor
from .views import SIGNED_IN, role_required

signed_in = role_required(*SIGNED_IN)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/sso/start/", sso.start, name="sso-start"),
    path("accounts/sso/callback/", sso.callback, name="sso-callback"),
    path("accounts/no-role/", sso.no_role, name="no-role"),
    path("accounts/two-factor/", two_factor.manage, name="two-factor"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        signed_in(auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html")),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        signed_in(
            auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html")
        ),
        name="password_change_done",
    ),
]
