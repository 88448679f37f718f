from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from .roles import sync_groups

    sync_groups()


class TwinningConfig(AppConfig):
    name = "twinning"
    verbose_name = "Twinning"

    def ready(self) -> None:
        # After every migrate, so permissions of models added later reach
        # the roles that roles.py grants them to.
        post_migrate.connect(_sync_roles, dispatch_uid="twinning.sync_roles")
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_seen
        from .search import connect_signals

        connect_signals()
        user_logged_in.connect(mark_session_seen, dispatch_uid="twinning.session_seen")
