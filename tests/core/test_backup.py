"""``manage.py backup`` and ``manage.py restore`` give back the demo register
exactly: every table's rows (compared by count and a checksum of the rows in
key order) and the stored PDFs byte for byte.

On SQLite (the embedded run) the test database is backed up, changed and
restored in place. On PostgreSQL (the services run) the backup is restored by
``manage.py restore`` in a subprocess into a scratch database beside the
test database, compared with it, changed, and restored again; the scratch
database is dropped afterwards."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from core import documents
from core.files import check_upload
from core.models import Document, DocumentKind
from delegations.models import Visit
from demo.register import DEFAULT_DEMO_PASSWORD, load_demo
from partners.models import Place, Relationship
from reports.models import Rendering, RenderingStatus
from tests.factories import UserFactory
from tests.support.documents import pdf_bytes
from tests.support.services import conninfo, run


def _tables() -> list[tuple[str, list[str], str]]:
    """Every table the app's models use, with its columns and primary key, and the migrations table."""
    tables = [("django_migrations", ["id", "app", "name"], "id")]
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            tables.append((meta.db_table, [field.column for field in meta.concrete_fields], meta.pk.column))
    return sorted(tables)


def _demo(settings) -> None:
    settings.DEBUG = True  # demo logins too: users, groups and their permissions go round as well
    load_demo(with_users=True, password=DEFAULT_DEMO_PASSWORD)
    assert Rendering.objects.filter(status=RenderingStatus.READY).count() == 1


def _keep_documents() -> dict[str, bytes]:
    """Two documents kept with the demo's records, as uploaded; their stored names and bytes."""
    kept = {}
    for record, name, content in (
        (Relationship.objects.order_by("pk").first(), "agreement.pdf", pdf_bytes("Signed in 1976")),
        (Visit.objects.order_by("pk").first(), "itinerary.txt", "Day 1: Toyota City Hall, 市役所\n".encode()),
    ):
        checked = check_upload(BytesIO(content), name)
        document = documents.attach(
            record=record,
            title=name,
            kind=DocumentKind.OTHER,
            dated=date(2015, 9, 1),
            checked=checked,
            by=None,
        )
        kept[document.stored_as] = content
    return kept


def _stored(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def _ready_pdfs(rows: list[tuple[str, bytes]]) -> list[str]:
    """The checksums of the ready PDFs, each checked against the checksum stored beside it."""
    for stored, content in rows:
        assert hashlib.sha256(bytes(content)).hexdigest() == stored
    return sorted(stored for stored, _ in rows)


# --- SQLite --------------------------------------------------------------------------------------


def _sqlite_checksums() -> dict[str, tuple[int, str]]:
    sums = {}
    with connection.cursor() as cursor:
        for table, columns, pk in _tables():
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(
                f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY {connection.ops.quote_name(pk)}"  # noqa: S608
            )
            rows = cursor.fetchall()
            sums[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return sums


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite's backup: the embedded run")
@pytest.mark.django_db(transaction=True)
def test_the_demo_register_backed_up_changed_and_restored_is_as_it_was_on_sqlite(
    tmp_path, settings, document_root
):
    assert connection.vendor == "sqlite"
    _demo(settings)
    kept = _keep_documents()
    before = _sqlite_checksums()
    pdfs = _ready_pdfs(Rendering.objects.filter(status="ready").values_list("sha256", "pdf"))

    said = StringIO()
    folder = tmp_path / "backups"
    folder.mkdir()
    call_command("backup", output=str(folder), stdout=said)

    backup, archive = sorted(folder.iterdir())
    assert backup.name.startswith("twinning-sqlite-") and backup.suffix == ".sqlite3"
    assert archive.name == backup.name + ".documents.tar"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert f"The 2 documents kept with records went to {archive}" in said.getvalue()
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")
    said = said.getvalue()
    assert f"to {backup} (" in said
    assert f"{backup.stat().st_size:,} bytes" in said
    assert f"{Place.objects.count()} places" in said and "1 PDF" in said

    # Changes made after the backup: a PDF gone, a place renamed, a user added, the documents gone.
    Rendering.objects.all().delete()
    for document in Document.objects.all():
        documents.remove(document)
        documents.storage().delete(document.stored_as)
    assert _stored(document_root) == {}
    Place.objects.filter(pk=Place.objects.order_by("pk").first().pk).update(name="Renamed after the backup")
    UserFactory(username="after-the-backup")
    changed = _sqlite_checksums()
    assert changed != before

    with pytest.raises(CommandError, match=r"already holds .*Run again with --yes"):
        call_command("restore", str(backup), stdout=StringIO())
    assert _sqlite_checksums() == changed

    said = StringIO()
    call_command("restore", str(backup), yes=True, stdout=said)

    assert _sqlite_checksums() == before
    assert _ready_pdfs(Rendering.objects.filter(status="ready").values_list("sha256", "pdf")) == pdfs
    assert _stored(document_root) == kept
    said = said.getvalue()
    assert "2 documents went back into the documents storage." in said
    assert f"Restored {backup} into" in said
    assert "It replaced " in said and "0 PDFs" not in said.split("It now holds")[1]


def test_a_file_that_is_not_a_backup_is_refused_with_nothing_changed(tmp_path, db):
    before = Place.objects.count()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup")

    with pytest.raises(CommandError, match=r"is not a Twinning backup"):
        call_command("restore", str(notes), yes=True)
    with pytest.raises(CommandError, match=r"There is no backup file"):
        call_command("restore", str(tmp_path / "missing.dump"), yes=True)

    assert Place.objects.count() == before


# --- Who may read a backup ---------------------------------------------------------------------------


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start with (files 0644, folders 0755), whatever this run has."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_its_owner_s_alone_in_a_folder_only_its_owner_opens(tmp_path, settings, usual_umask):
    """It holds password hashes and session keys."""
    settings.BASE_DIR = tmp_path
    UserFactory(username="has-a-password-hash")

    call_command("backup", stdout=StringIO())

    folder = tmp_path / "var" / "backups"
    (backup,) = folder.iterdir()
    assert (_mode(folder), _mode(backup)) == ("0o700", "0o600")


@pytest.mark.django_db(transaction=True)
def test_the_backups_folder_an_older_version_left_open_is_closed(tmp_path, settings, usual_umask):
    settings.BASE_DIR = tmp_path
    folder = tmp_path / "var" / "backups"
    folder.mkdir(parents=True, mode=0o755)
    assert _mode(folder) == "0o755"

    call_command("backup", stdout=StringIO())

    (backup,) = folder.iterdir()
    assert (_mode(folder), _mode(backup)) == ("0o700", "0o600")


@pytest.mark.django_db(transaction=True)
def test_the_backups_folder_is_closed_when_named_by_a_relative_path_too(
    tmp_path, settings, usual_umask, monkeypatch
):
    settings.BASE_DIR = tmp_path
    folder = tmp_path / "var" / "backups"
    folder.mkdir(parents=True, mode=0o755)
    monkeypatch.chdir(tmp_path)

    call_command("backup", output="var/backups/tonight.backup", stdout=StringIO())

    assert (_mode(folder), _mode(folder / "tonight.backup")) == ("0o700", "0o600")


@pytest.mark.django_db(transaction=True)
def test_a_backup_written_where_the_operator_says_is_its_owner_s_alone(tmp_path, usual_umask):
    new_folder = tmp_path / "offsite" / "twinning"
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)

    call_command("backup", output=str(new_folder / "tonight.backup"), stdout=StringIO())
    call_command("backup", output=str(shared), stdout=StringIO())

    (in_shared,) = shared.iterdir()
    assert _mode(new_folder) == "0o700"
    assert _mode(new_folder / "tonight.backup") == "0o600"
    # A folder the operator made keeps the modes they gave it; the file is theirs alone.
    assert (_mode(shared), _mode(in_shared)) == ("0o750", "0o600")


# --- make restore, unattended ---------------------------------------------------------------------

BASE_DIR = Path(__file__).resolve().parents[2]


def _sqlite_database(path: Path, *usernames: str) -> None:
    """An SQLite database as the restore command reads one: migrated (it has the
    migrations table), holding these users."""
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE django_migrations (id integer PRIMARY KEY, app text, name text)")
        database.execute("CREATE TABLE auth_user (id integer PRIMARY KEY, username text)")
        database.executemany("INSERT INTO auth_user (username) VALUES (?)", [(name,) for name in usernames])
    database.close()


def _usernames(path: Path) -> list[str]:
    with sqlite3.connect(path) as database:
        names = [name for (name,) in database.execute("SELECT username FROM auth_user ORDER BY id")]
    database.close()
    return names


def _make_restore(database: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    """``make restore`` as a script or cron job runs it: no terminal to answer at.
    Set-up counts as done (this run's Python is ready); the database is the given file."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "DJANGO_DEBUG": "true",
    }
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "-o",
            "static/vendor/.copied",
            f"PY={sys.executable}",
            "restore",
            *variables,
        ],
        cwd=BASE_DIR,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_restore_with_yes_replaces_the_data_without_asking(tmp_path):
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    _sqlite_database(live, "added-after-the-backup", "also-added")
    _sqlite_database(backup, "in-the-backup")

    refused = _make_restore(live, f"BACKUP={backup}")
    assert refused.returncode != 0
    assert "Run again with --yes" in refused.stderr
    assert _usernames(live) == ["added-after-the-backup", "also-added"]

    restored = _make_restore(live, f"BACKUP={backup}", "YES=1")

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"Restored {backup} into" in restored.stdout
    assert _usernames(live) == ["in-the-backup"]


def test_make_help_says_how_to_restore_unattended():
    helped = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )

    assert "make restore BACKUP=file [YES=1]" in helped.stdout
    assert "without asking" in helped.stdout


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_checksums(database: str) -> dict[str, tuple[int, str]]:
    sums = {}
    with psycopg.connect(**conninfo(database)) as reader:
        for table, columns, pk in _tables():
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.{pk}), '')) "
                "FROM (SELECT {columns} FROM {table}) AS t"
            ).format(
                pk=sql.Identifier(pk),
                columns=sql.SQL(", ").join(sql.Identifier(column) for column in columns),
                table=sql.Identifier(table),
            )
            sums[table] = reader.execute(query).fetchone()
    return sums


def _pg_ready_pdfs(database: str) -> list[str]:
    with psycopg.connect(**conninfo(database)) as reader:
        return _ready_pdfs(
            reader.execute("SELECT sha256, pdf FROM reports_rendering WHERE status = 'ready'").fetchall()
        )


def _restore_into(
    database: str, backup: Path, *options: str, documents_root: Path
) -> subprocess.CompletedProcess[str]:
    """``manage.py restore`` as on another machine: into ``database``, its documents into ``documents_root``."""
    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}"))
    environment = {**os.environ, "DATABASE_URL": url, "DOCUMENTS_ROOT": str(documents_root)}
    return run(["manage.py", "restore", str(backup), *options], env=environment, timeout=300)


@pytest.mark.services
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (the services run)")
@pytest.mark.django_db(transaction=True)
def test_the_demo_register_backed_up_and_restored_elsewhere_is_the_same_on_postgresql(
    tmp_path, settings, scratch_database, document_root
):
    _demo(settings)
    kept = _keep_documents()
    elsewhere = tmp_path / "documents-elsewhere"
    live = connection.settings_dict["NAME"]
    backup = tmp_path / "twinning.dump"

    said = StringIO()
    call_command("backup", output=str(backup), stdout=said)

    assert backup.read_bytes().startswith(b"PGDMP")
    said = said.getvalue()
    assert f'Backed up the PostgreSQL database "{live}" to {backup} (' in said
    assert f"{backup.stat().st_size:,} bytes" in said
    assert f"{Place.objects.count()} places" in said and "1 PDF" in said

    # Into the empty scratch database: nothing to replace, so no --yes needed.
    first = _restore_into(scratch_database, backup, documents_root=elsewhere)
    assert first.returncode == 0, first.stderr
    assert "It replaced" not in first.stdout
    assert "2 documents went back into the documents storage." in first.stdout
    assert _stored(elsewhere) == kept
    assert f"It now holds {Place.objects.count()} places" in first.stdout
    assert _pg_checksums(scratch_database) == _pg_checksums(live)
    assert _pg_ready_pdfs(scratch_database) == _pg_ready_pdfs(live)

    with psycopg.connect(**conninfo(scratch_database)) as scratch:
        scratch.execute("DELETE FROM reports_rendering")
        scratch.execute(
            "UPDATE partners_place SET name = 'Renamed after the backup' "
            "WHERE id = (SELECT min(id) FROM partners_place)"
        )
    changed = _pg_checksums(scratch_database)
    assert changed != _pg_checksums(live)

    # This test's own database holds the demo: restoring over it is refused without --yes.
    with pytest.raises(CommandError, match=r"already holds .*Run again with --yes"):
        call_command("restore", str(backup), stdout=StringIO())

    replaced = _restore_into(scratch_database, backup, "--yes", documents_root=elsewhere)
    assert replaced.returncode == 0, replaced.stderr
    # It says what it replaced (the changed copy, its PDF gone) and what is there now.
    replaced_part, now_part = replaced.stdout.split("It replaced ")[1].split("It now holds ")
    assert f"{Place.objects.count()} places" in replaced_part and "PDF" not in replaced_part
    assert "1 PDF" in now_part
    assert _pg_checksums(scratch_database) == _pg_checksums(live)
    assert _pg_ready_pdfs(scratch_database) == _pg_ready_pdfs(live)


def test_the_postgresql_password_goes_to_pg_dump_in_its_environment_never_on_its_command_line(monkeypatch):
    from core import backups

    secret = "s3cret-pass-word"
    for key, value in (("PASSWORD", secret), ("HOST", "db.internal"), ("PORT", "5433"), ("USER", "twinning")):
        monkeypatch.setitem(connection.settings_dict, key, value)

    arguments, environment = backups._pg_connection("default")

    assert environment["PGPASSWORD"] == secret
    assert not any(secret in argument for argument in arguments)
    assert arguments[:6] == ["--host", "db.internal", "--port", "5433", "--username", "twinning"]
