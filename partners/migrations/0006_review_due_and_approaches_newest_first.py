"""Indexes for two orders read on every visit: relationship reviews due, soonest
first (the officer's home page), and approaches newest first, undated last (the
approaches list).

PostgreSQL puts NULLs first in a descending index unless told; SQLite puts them
last already and cannot say NULLS LAST in an index, so the approaches' index is
written for each.
"""

from django.db import migrations, models


def create_approaches_newest_first(apps, schema_editor):
    nulls_last = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        "CREATE INDEX partners_approach_newest_first "
        f"ON partners_approach (received_on DESC{nulls_last}, id DESC)"
    )


def drop_approaches_newest_first(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS partners_approach_newest_first")


class Migration(migrations.Migration):
    dependencies = [("partners", "0005_open_work_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="relationship",
            index=models.Index(
                condition=models.Q(("status", "ended"), _negated=True),
                fields=["next_review_on", "id"],
                name="relationship_review_due",
            ),
        ),
        migrations.RunPython(create_approaches_newest_first, drop_approaches_newest_first),
    ]
