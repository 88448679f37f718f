"""What the overview keeps for itself: each person's digest choice and the digests sent.

Their tables keep the names they were created with (``twinning_*``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UserSettings(models.Model):
    """A person's own choices about the app."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="twinning_settings"
    )
    daily_digest = models.BooleanField(
        "email me a daily digest",
        default=True,
        help_text="Each morning, an email of what needs you: approaches due, your overdue actions, reviews, "
        "gifts to declare and lines awaiting Finance. Never sent when nothing does.",
    )

    class Meta:
        db_table = "twinning_usersettings"
        verbose_name = "user settings"
        verbose_name_plural = "user settings"

    def __str__(self) -> str:
        return f"Settings of {self.user}"


class DigestSent(models.Model):
    """The record that a user's digest for a day went out: never twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    items = models.PositiveIntegerField(help_text="How many things the digest named.")

    class Meta:
        db_table = "twinning_digestsent"
        verbose_name = "digest sent"
        verbose_name_plural = "digests sent"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"Digest for {self.user} on {self.day}"
