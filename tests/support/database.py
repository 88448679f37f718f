"""The database before and after a request: how many rows each table holds, the
rows themselves, and savepoints that undo what a test did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model

APP_LABELS = ("core", "partners", "delegations", "budgets", "reports", "overview", "privacy")


def app_models() -> list[type[Model]]:
    """Every table of the register, history tables included, and the users and groups; not the
    record of signing in, which a refused sign-in writes to, as it should (tests/core/test_sign_in_events.py)."""
    found = [
        model
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label != "core.SignInEvent"
    ]
    found += [apps.get_model("auth", "User"), apps.get_model("auth", "Group")]
    return found


def row_counts() -> dict[str, int]:
    """How many rows each table holds, in one query."""
    tables = sorted({model._meta.db_table for model in app_models()})
    quote = connection.ops.quote_name
    # Table names come from the models, quoted by the database's own rules.
    select = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        counts = cursor.fetchone()
    return dict(zip(tables, counts, strict=True))


def rows(*models: type[Model]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the given tables as stored."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models}


class unchanged:  # lower case: it reads as a sentence, ``with unchanged():``
    """Around a request that must save nothing: no row written or removed in any
    table, history included; and the rows of ``models`` exactly as they were."""

    def __init__(self, *models: type[Model]) -> None:
        self.models = models

    def __enter__(self) -> None:
        self.counts, self.rows = row_counts(), rows(*self.models)

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return
        after = row_counts()
        grown = {table: (n, after[table]) for table, n in self.counts.items() if after[table] != n}
        assert not grown, f"Rows were written or removed (before, after): {grown}"
        changed = [label for label, kept in rows(*self.models).items() if kept != self.rows[label]]
        assert not changed, f"Rows were changed in {changed}"


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever happens inside is undone, so each example starts from the same register."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def kept_for_the_module(django_db_blocker: Any) -> Iterator[None]:
    """Records made inside stay for every test of a module, then are rolled back.

    Building a register once per module rather than once per test keeps those
    tests quick; each test still runs in its own savepoint (the ``db``
    fixture), so none sees another's changes.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def tables_holding(*texts: str) -> dict[str, list[str]]:
    """Each text found anywhere in the database, by the tables that hold it: every table
    there is (Django's own, sessions and the admin's log included), every column as text."""
    found: dict[str, list[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            # Table names come from the database itself, quoted by its own rules.
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
            rows = " ".join(repr(row) for row in cursor.fetchall()).lower()
            for text in texts:
                if text.lower() in rows:
                    found.setdefault(text, []).append(table)
    return found
