from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from .roles import sync_groups

    sync_groups()


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # After every migrate (and every flush of a test database), so each role's
        # group exists and holds exactly the permissions roles.py grants it,
        # including those of models added since.
        post_migrate.connect(_sync_roles, dispatch_uid="core.sync_roles")
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_seen

        user_logged_in.connect(mark_session_seen, dispatch_uid="core.session_seen")
        from django.db.models.signals import post_delete

        from . import documents, sign_in_events, two_factor
        from .models import Document

        post_delete.connect(documents.erase_stored_file, sender=Document, dispatch_uid="core.document_file")

        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission

        from . import kept

        # The signed-in person with their roles (core/auth.py), and people offered by name.
        kept.follow(get_user_model(), Group, Permission)
        sign_in_events.connect()
        two_factor.connect()
