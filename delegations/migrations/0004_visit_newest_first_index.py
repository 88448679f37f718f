"""The visits list's order (newest first, undated last) as an index.

PostgreSQL puts NULLs first in a descending index unless told; SQLite puts them
last already and cannot say NULLS LAST in an index. So each gets its own.
"""

from django.db import migrations


def create(apps, schema_editor):
    nulls_last = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX delegations_visit_newest_first ON delegations_visit (starts_on DESC{nulls_last}, id DESC)"
    )


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS delegations_visit_newest_first")


class Migration(migrations.Migration):
    dependencies = [("delegations", "0003_gift_newest_first_index")]

    operations = [migrations.RunPython(create, drop)]
