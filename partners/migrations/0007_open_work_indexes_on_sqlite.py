"""Indexes for the officer's home page on SQLite: actions by due date and
approaches by respond-by date, undated last.

PostgreSQL has partial indexes of open work for these (0005). SQLite cannot
use a partial index for a query whose condition arrives as bound parameters,
as Django's do, but it reads a whole-table index in the asked order, NULLs
last included, and stops after the panel's ten rows.
"""

from django.db import migrations

INDEXES = {
    "partners_action_by_due": "ON partners_action (due_on, id)",
    "partners_approach_by_respond_by": "ON partners_approach (respond_by, id DESC)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_review_due_and_approaches_newest_first")]

    operations = [migrations.RunPython(create, drop)]
