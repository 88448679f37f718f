"""Two-step sign-in arrives: everyone is signed out once, so that each password sign-in after it
takes the second step its role now asks for (a session already open would otherwise go on without)."""

from django.db import migrations


def sign_everyone_out(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_sign_in_event"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(sign_everyone_out, migrations.RunPython.noop)]
