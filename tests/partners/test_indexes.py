"""The indexes made by hand in migrations (those a model cannot declare: NULLs last,
partial, full-text, or on one database only) are still there once every migration has
run. SQLite makes a table afresh for some changes and keeps only the indexes the models
declare, so a later migration can lose one without a word."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

# Table and index, on each database.
BOTH = [
    ("partners_approach", "partners_approach_newest_first"),
    ("delegations_visit", "delegations_visit_newest_first"),
]
HAND_MADE = {
    "sqlite": [
        *BOTH,
        ("partners_action", "partners_action_by_due"),
        ("partners_approach", "partners_approach_by_respond_by"),
    ],
    "postgresql": [
        *BOTH,
        ("partners_action", "partners_action_open_by_due"),
        ("partners_approach", "partners_approach_open_by_respond_by"),
        ("twinning_searchentry", "twinning_searchentry_vector_gin"),
    ],
}


@pytest.mark.parametrize(("table", "name"), HAND_MADE[connection.vendor])
def test_a_hand_made_index_outlives_later_migrations(db: Any, table: str, name: str) -> None:
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, table)
    assert name in indexes
