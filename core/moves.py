"""Moving a model into another app without copying its table.

A model that moves app keeps its table (``Meta.db_table``). The new app's
migration declares the model in its state only; these operations then make
the database agree whichever way it was built: a database made before the
move already has the table (and its content type is renamed to the new app,
keeping any permissions on it), a new database gets the table here.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def adopt_tables(app_label: str, model_names: tuple[str, ...], *, moved_from: str) -> migrations.RunPython:
    """Creates each model's table unless it exists, and renames its content type."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        existing = set(schema_editor.connection.introspection.table_names())
        ContentType = apps.get_model("contenttypes", "ContentType")
        for name in model_names:
            model = apps.get_model(app_label, name)
            if model._meta.db_table not in existing:
                schema_editor.create_model(model)
            old = ContentType.objects.filter(app_label=moved_from, model=name.lower())
            if ContentType.objects.filter(app_label=app_label, model=name.lower()).exists():
                old.delete()
            else:
                old.update(app_label=app_label)

    # Going back leaves the tables as they are: they may hold data made before the move.
    return migrations.RunPython(forwards, migrations.RunPython.noop)
