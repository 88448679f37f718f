"""Sign-ins are kept once, as the register's own sign-in records with their retention period:
the copy django-axes kept of every successful sign-in (username, address, browser), for ever,
is deleted, and no longer made (AXES_DISABLE_ACCESS_LOG)."""

from django.db import migrations


def forget_the_access_log(apps, schema_editor):
    apps.get_model("axes", "AccessLog").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_document"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget_the_access_log, migrations.RunPython.noop)]
