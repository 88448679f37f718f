"""The shared layer's own records, moved here from the project package.

Their tables were made by the ``twinning`` app's migrations 0002 and 0003 and
keep their names; a database made before the move keeps its rows, a new one
gets the tables here.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.moves import adopt_tables


def create_gin_index(apps, schema_editor):
    """The full-text index exists on PostgreSQL only; SQLite searches the folded text."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS twinning_searchentry_vector_gin "
            "ON twinning_searchentry USING gin (vector)"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FormSubmission",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("token", models.CharField(max_length=64, unique=True)),
                        ("path", models.CharField(max_length=500)),
                        ("redirect_to", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"verbose_name": "form submission", "db_table": "twinning_formsubmission"},
                ),
                migrations.CreateModel(
                    name="SearchEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(max_length=20)),
                        ("object_id", models.PositiveBigIntegerField()),
                        ("title", models.CharField(max_length=300)),
                        (
                            "heading",
                            models.CharField(
                                help_text="The title, folded as the search compares it.", max_length=300
                            ),
                        ),
                        ("summary", models.CharField(blank=True, max_length=300)),
                        ("url", models.CharField(max_length=300)),
                        (
                            "fields",
                            models.JSONField(
                                default=list, help_text="[label, value] pairs the search may match."
                            ),
                        ),
                        ("text", models.TextField(help_text="Every field's value, folded.")),
                        (
                            "vector",
                            django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                        ),
                    ],
                    options={
                        "verbose_name": "search entry",
                        "verbose_name_plural": "search entries",
                        "db_table": "twinning_searchentry",
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "object_id"), name="search_entry_once")
                        ],
                    },
                ),
            ]
        ),
        adopt_tables("core", ("FormSubmission", "SearchEntry"), moved_from="twinning"),
        migrations.RunPython(create_gin_index, migrations.RunPython.noop),
    ]
