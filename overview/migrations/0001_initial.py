"""Each person's digest choice and the digests sent, moved here from the project package.

Their tables were made by the ``twinning`` app's migration 0004 and keep
their names; a database made before the move keeps its rows, a new one gets
the tables here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.moves import adopt_tables


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
                    name="UserSettings",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "daily_digest",
                            models.BooleanField(
                                default=True,
                                help_text="Each morning, an email of what needs you: approaches due, your "
                                "overdue actions, reviews, gifts to declare and lines awaiting Finance. "
                                "Never sent when nothing does.",
                                verbose_name="email me a daily digest",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="twinning_settings",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "user settings",
                        "verbose_name_plural": "user settings",
                        "db_table": "twinning_usersettings",
                    },
                ),
                migrations.CreateModel(
                    name="DigestSent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField()),
                        ("sent_at", models.DateTimeField(auto_now_add=True)),
                        ("items", models.PositiveIntegerField(help_text="How many things the digest named.")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "digest sent",
                        "verbose_name_plural": "digests sent",
                        "db_table": "twinning_digestsent",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "day"), name="digest_once_a_day")
                        ],
                    },
                ),
            ]
        ),
        adopt_tables("overview", ("UserSettings", "DigestSent"), moved_from="twinning"),
    ]
