"""Indexes for what is still open, in the order the dashboard and lists show it:
open actions by due date and open approaches by respond-by date, undated last.

Partial indexes with NULLS LAST are PostgreSQL's; SQLite keeps these tables
small enough in practice and cannot say NULLS LAST in an index.
"""

from django.db import migrations

OPEN_ACTIONS = (
    "CREATE INDEX partners_action_open_by_due ON partners_action (due_on ASC NULLS LAST, id) "
    "WHERE status IN ('open', 'in_progress')"
)
OPEN_APPROACHES = (
    "CREATE INDEX partners_approach_open_by_respond_by ON partners_approach (respond_by ASC NULLS LAST, id DESC) "
    "WHERE outcome IN ('pending', 'exploring')"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OPEN_ACTIONS)
        schema_editor.execute(OPEN_APPROACHES)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS partners_action_open_by_due")
        schema_editor.execute("DROP INDEX IF EXISTS partners_approach_open_by_respond_by")


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_default_triage_criteria")]

    operations = [migrations.RunPython(create, drop)]
