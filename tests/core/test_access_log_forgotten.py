"""A database from before sign-ins were kept only once: the copy django-axes kept of each
successful sign-in (username, address, browser) goes with the migration that stops it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("core", "0005_document"), ("axes", "0010_accessattemptexpiration")]
AFTER = [("core", "0006_no_access_log_kept")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_access_log_kept_before_is_deleted(latest) -> None:
    old = migrate(BEFORE)
    old.get_model("axes", "AccessLog").objects.create(
        username="olivia", ip_address="203.0.113.77", user_agent="Firefox", attempt_time=timezone.now()
    )

    new = migrate(AFTER)

    assert not new.get_model("axes", "AccessLog").objects.exists()
