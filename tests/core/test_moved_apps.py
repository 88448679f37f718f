"""A database made before the shared layer left the project package migrates with its data.

The ``twinning`` package once was an app holding the form-submission
receipts, the search index and the digest records. They now belong to
``core`` and ``overview``, whose first migrations take over the same tables.
This builds a database with the code as it stood before the move (the demo
register, a person's digest choice, a digest sent, a receipt), then migrates
it with today's code and compares every table.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from scripts.benchlib import database_url_with_name, server_connection_kwargs
from tests.support.services import run

ROOT = Path(__file__).resolve().parents[2]
# The last commit with the shared layer inside the project package.
BEFORE_THE_MOVE = "fe96c881606b64fc34a92bc7bf618b265b47fb2c"
MOVED_TABLES = (
    "twinning_formsubmission",
    "twinning_searchentry",
    "twinning_usersettings",
    "twinning_digestsent",
)

# Run by each tree's own manage.py shell: every table's rows, as JSON on stdout.
SNAPSHOT = """
import json
from django.db import connection
quote = connection.ops.quote_name
tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        if table.startswith(("django_migrations", "django_session")):
            continue
        cursor.execute(f"SELECT * FROM {quote(table)}")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, (str(value) for value in row))) for row in cursor.fetchall()]
        tables[table] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
print(json.dumps(tables))
"""

# Made with the old code: a digest choice, a digest sent and a form receipt beside the demo.
OLD_RECORDS = """
from datetime import date
from django.contrib.auth import get_user_model
from twinning.models import DigestSent, FormSubmission, UserSettings
officer = get_user_model().objects.get(username="officer")
UserSettings.objects.create(user=officer, daily_digest=False)
DigestSent.objects.create(user=officer, day=date(2026, 11, 30), items=3)
FormSubmission.objects.create(token="a" * 32, user=officer, path="/partners/places/new/", redirect_to="/")
"""

# Run with today's code after migrating: the moved records read through their new apps.
STILL_WORKS = """
import json
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from core.models import FormSubmission
from core.search import search
from overview.models import DigestSent, UserSettings
officer = get_user_model().objects.get(username="officer")
print(json.dumps({
    "digest": UserSettings.objects.get(user=officer).daily_digest,
    "sent": list(DigestSent.objects.values_list("items", flat=True)),
    "receipt": FormSubmission.objects.get().path,
    "found": [hit.title for group in search("xian", officer).groups for hit in group.hits],
    "apps": sorted({ct.app_label for ct in ContentType.objects.filter(
        model__in=["formsubmission", "searchentry", "usersettings", "digestsent"])}),
}))
"""


def _old_tree(tmp_path: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE_THE_MOVE],
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"The commit before the move ({BEFORE_THE_MOVE[:7]}) must be in this clone: {archive.stderr.decode()}"
    )
    tree = tmp_path / "before-the-move"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _manage(tree: Path, database_url: str, *arguments: str) -> str:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DATABASE_URL=database_url, DJANGO_DEBUG="true", PYTHONPATH=str(tree))
    done = run(["manage.py", *arguments], env=environment, cwd=tree, timeout=600)
    assert done.returncode == 0, f"{' '.join(arguments)} failed in {tree}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def scratch_database(tmp_path: Path):
    """An empty database of the kind the suite runs on, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        yield f"sqlite:///{tmp_path / 'moved.sqlite3'}"
        return
    import psycopg

    # One a test process, where the suite runs in several (pytest-xdist's worker: gw0, gw1 …).
    name = f"twinning_before_the_move_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(**server_connection_kwargs(url)) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url_with_name(url, name)
    finally:
        with psycopg.connect(**server_connection_kwargs(url)) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_made_before_the_move_migrates_with_every_row(
    tmp_path: Path, scratch_database: str
) -> None:
    old = _old_tree(tmp_path)
    _manage(old, scratch_database, "migrate", "--no-input", "-v0")
    _manage(old, scratch_database, "load_demo")
    _manage(old, scratch_database, "shell", "-v0", "-c", OLD_RECORDS)
    before = json.loads(_manage(old, scratch_database, "shell", "-v0", "-c", SNAPSHOT).splitlines()[-1])
    assert all(before[table] for table in MOVED_TABLES), (
        "the old database must hold rows in every moved table"
    )

    _manage(ROOT, scratch_database, "migrate", "--no-input", "-v0")
    after = json.loads(_manage(ROOT, scratch_database, "shell", "-v0", "-c", SNAPSHOT).splitlines()[-1])

    # Nothing copied, nothing lost: every table made before the move holds what it held.
    # Content types and permissions may only grow (models added since; roles granted them),
    # and the moved models' content types are renamed to their new apps.
    growing = {"django_content_type", "auth_permission", "auth_group_permissions"}
    for table, rows in before.items():
        if table not in growing:
            # Columns added by later migrations are left out: the rows must hold what they held.
            old_columns = set(rows[0]) if rows else set()
            kept = sorted(
                ({k: v for k, v in row.items() if k in old_columns} for row in after[table]),
                key=lambda row: json.dumps(row, sort_keys=True),
            )
            assert kept == rows, f"{table} changed in the move"
    for table in ("auth_permission", "auth_group_permissions"):
        missing = [row for row in before[table] if row not in after[table]]
        assert missing == [], f"{table} lost rows in the move"
    moved_models = {"formsubmission", "searchentry", "usersettings", "digestsent"}
    moved = {
        row["model"]: row["app_label"] for row in after["django_content_type"] if row["model"] in moved_models
    }
    assert moved == {
        "formsubmission": "core",
        "searchentry": "core",
        "usersettings": "overview",
        "digestsent": "overview",
    }
    assert len(after["django_content_type"]) >= len(before["django_content_type"])

    works = json.loads(_manage(ROOT, scratch_database, "shell", "-v0", "-c", STILL_WORKS).splitlines()[-1])
    found = works.pop("found")
    assert works == {
        "digest": False,
        "sent": [3],
        "receipt": "/partners/places/new/",
        "apps": ["core", "overview"],
    }
    # The search index came across too: Xi'an is found by its folded name.
    assert any(title.startswith("Xi'an") for title in found), found


def test_a_new_database_gets_the_moved_tables(tmp_path: Path, scratch_database: str) -> None:
    _manage(ROOT, scratch_database, "migrate", "--no-input", "-v0")
    after = json.loads(_manage(ROOT, scratch_database, "shell", "-v0", "-c", SNAPSHOT).splitlines()[-1])
    assert set(MOVED_TABLES) <= set(after)
