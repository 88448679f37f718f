"""The retention schedule's starting periods; the Administrator changes them in the admin."""

from django.db import migrations

DEFAULTS = [
    (
        "contact",
        72,
        "Six years after the last change: the council's schedule for partnership correspondence.",
    ),
    ("participant", 72, "Six years after the visit: travel and expenses are financial records (six years)."),
    (
        "gift",
        72,
        "Six years after the gift: the register of gifts and hospitality is kept as financial records.",
    ),
    ("sign-in", 12, "A year: long enough to look into a security incident, no longer."),
]


def add_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for kind, months, basis in DEFAULTS:
        RetentionRule.objects.get_or_create(kind=kind, defaults={"keep_for_months": months, "basis": basis})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
