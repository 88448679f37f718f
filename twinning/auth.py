"""Authentication: the demo logins work only in the embedded (DEBUG) mode."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

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
