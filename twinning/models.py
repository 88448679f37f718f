"""Records the shared layer keeps for itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """One create form, sent once.

    Every create form carries a one-off token. The first request that saves
    with it writes this row inside its own transaction; a second request with
    the same token (a double-click, a resent form after a slow response) finds
    the token taken, saves nothing and is sent to what the first one made. The
    unique index makes the second request wait for the first to commit, so the
    two cannot both pass.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    redirect_to = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "form submission"

    def __str__(self) -> str:
        return f"{self.path} by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
