"""Backups of the whole database, and restoring one.

On PostgreSQL a backup is ``pg_dump``'s custom format (``-Fc``), restored by
``pg_restore --clean --if-exists --no-owner`` in one transaction. On SQLite it
is SQLite's online backup of the database file, exact to the byte (stored
PDFs, migrations, users and permissions included), restored the same way.
The documents kept with records live outside the database (core/documents.py):
a backup of a register that keeps any writes them beside the database's file,
as ``<backup>.documents.tar`` (each file under the name the register stores
it by), and a restore puts them back into the documents storage, a folder or
a bucket, once the database is back.
A backup holds password hashes and session keys, so its file is readable by
its owner alone (0600), in a folder only its owner may open (0700). The
connection details come from ``settings.DATABASES``; a password is handed to
the PostgreSQL tools in their environment (PGPASSWORD), never on their
command line, and is never printed.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

from . import kept

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
EXTENSIONS = {POSTGRESQL: "dump", SQLITE: "sqlite3"}
# The first bytes of each kind of backup file.
SIGNATURES = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
NAMES = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
ARTICLES = {POSTGRESQL: "a", SQLITE: "an"}

# What a summary names, in this order, in the models' own words but where the
# council says it otherwise; every other table counts in the total.
SUMMARY = [
    "partners.Place",
    "partners.Relationship",
    "partners.Approach",
    "partners.Organisation",
    "partners.Contact",
    "delegations.Visit",
    "delegations.Gift",
    "budgets.BudgetLine",
    "budgets.Spend",
    "reports.Report",
    "reports.Rendering",
    "auth.User",
]
SUMMARY_WORDS = {"budgets.Spend": ("spend entry", "spend entries"), "reports.Rendering": ("PDF", "PDFs")}
FILE_MODE = 0o600
FOLDER_MODE = 0o700

# Apps whose rows are the council's data; the rest (permissions, the role
# groups, content types) a migrated database has anyway.
DATA_APPS = {"partners", "delegations", "budgets", "reports", "twinning"}


class BackupError(Exception):
    """Why a backup or restore could not be done, in words for the operator."""


def _words(label: str) -> tuple[str, str]:
    """A table's rows in words, one and several: ("budget line", "budget lines")."""
    if label in SUMMARY_WORDS:
        return SUMMARY_WORDS[label]
    meta = apps.get_model(label)._meta
    return str(meta.verbose_name), str(meta.verbose_name_plural)


@dataclass(frozen=True)
class Contents:
    """Rows per table of a database, by model label ("partners.Place")."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def holds_data(self) -> bool:
        return any(
            count
            for label, count in self.rows.items()
            if label.split(".")[0] in DATA_APPS or label == "auth.User"
        )

    def summary(self) -> str:
        named = [
            f"{count} {_words(label)[count != 1]}" for label in SUMMARY if (count := self.rows.get(label, 0))
        ]
        tables = sum(1 for count in self.rows.values() if count)
        rows = (
            f"{self.total} row{'s' if self.total != 1 else ''} in {tables} table{'s' if tables != 1 else ''}"
        )
        return f"{', '.join(named)} ({rows})" if named else rows


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    contents: Contents
    documents: int = 0
    documents_path: Path | None = None


def documents_path(path: Path) -> Path:
    """Where the documents of the backup at ``path`` are, beside it."""
    return path.with_name(path.name + ".documents.tar")


def backend(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in EXTENSIONS:
        raise BackupError(f"Backups are made of PostgreSQL or SQLite databases, not {vendor}.")
    return vendor


def describe(using: str = "default") -> str:
    """The database in words, without its password: 'the PostgreSQL database "twinning"'."""
    kind = backend(using)
    name = str(connections[using].settings_dict["NAME"])
    return f'the {NAMES[kind]} database "{Path(name).name if kind == SQLITE else name}"'


def default_folder() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups"


def default_path(
    using: str = "default", *, directory: Path | None = None, now: datetime | None = None
) -> Path:
    """var/backups/twinning-<backend>-<UTC timestamp>.<ext>, or that name in ``directory``."""
    kind = backend(using)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = directory if directory is not None else default_folder()
    return folder / f"twinning-{kind}-{stamp}.{EXTENSIONS[kind]}"


def _private_folder(folder: Path, *, always: bool) -> None:
    """A folder only its owner may open: made so when it is new, and made so again
    when ``always`` (the default folder, which older versions made readable by all).
    A folder the operator named and made keeps the modes they gave it."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        always = True
    if always:
        folder.chmod(FOLDER_MODE)


def contents(using: str = "default") -> Contents:
    """Rows in each model's table (tables not there yet count as none)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.db_table in existing and meta.managed and not meta.proxy:
            rows[meta.label] = model._base_manager.using(using).count()
    return Contents(rows)


def backup(path: Path, using: str = "default") -> Written:
    """Writes a backup of the database to ``path`` (a new file; finished files only)."""
    kind = backend(using)
    found = contents(using)
    if not found.rows:
        raise BackupError(
            f"{describe(using)[0].upper()}{describe(using)[1:]} has no tables yet: run migrate first."
        )
    _private_folder(path.parent, always=path.parent.resolve() == default_folder().resolve())
    partial = path.with_name(path.name + ".partial")
    try:
        # Made the owner's alone before a byte is written, and kept so: the tools write into it.
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        partial.chmod(FILE_MODE)
        if kind == POSTGRESQL:
            _pg_dump(partial, using)
        else:
            _sqlite_backup(partial, using)
        partial.chmod(FILE_MODE)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    kept = backup_documents(documents_path(path), using)
    return Written(
        path=path,
        size=path.stat().st_size,
        contents=found,
        documents=kept,
        documents_path=documents_path(path) if kept else None,
    )


def backup_documents(archive: Path, using: str = "default") -> int:
    """Writes every document the database names, from the documents storage, into ``archive``
    (a tar file only its owner may read); how many. None kept: no archive."""
    from .documents import storage
    from .models import Document

    names = list(Document.objects.using(using).order_by("pk").values_list("stored_as", flat=True))
    if not names:
        return 0
    store = storage()
    partial = archive.with_name(archive.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    try:
        with tarfile.open(partial, "w") as tar:
            for name in names:
                try:
                    with store.open(name, "rb") as file:
                        content = file.read()
                except FileNotFoundError as missing:
                    raise BackupError(
                        f"The document {name} is named by the database but missing from the documents storage."
                    ) from missing
                member = tarfile.TarInfo(name)
                member.size, member.mode = len(content), FILE_MODE
                tar.addfile(member, io.BytesIO(content))
        partial.chmod(FILE_MODE)
        partial.replace(archive)
    finally:
        partial.unlink(missing_ok=True)
    return len(names)


def restore_documents(path: Path) -> int:
    """Puts the documents of the backup at ``path`` back into the documents storage, each under
    the name the restored database knows it by; how many (none when the backup kept none)."""
    from .documents import storage

    archive = documents_path(path)
    if not archive.is_file():
        return 0
    store = storage()
    count = 0
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            if not member.isfile() or member.name.startswith("/") or ".." in Path(member.name).parts:
                raise BackupError(
                    f"{archive} holds {member.name!r}, which is not a document: nothing more was restored."
                )
            content = tar.extractfile(member).read()  # type: ignore[union-attr]
            store.delete(member.name)
            saved = store.save(member.name, io.BytesIO(content))
            if saved != member.name:
                raise BackupError(f"The documents storage kept {member.name} as {saved}.")
            count += 1
    return count


def check_file(path: Path, using: str = "default") -> None:
    """Refuses a file that is missing or is not a backup for this kind of database."""
    kind = backend(using)
    if not path.is_file():
        raise BackupError(f"There is no backup file {path}.")
    with path.open("rb") as file:
        start = file.read(16)
    for other, signature in SIGNATURES.items():
        if start.startswith(signature):
            if other != kind:
                raise BackupError(f"{path} is a {NAMES[other]} backup; {describe(using)} is {NAMES[kind]}.")
            return
    raise BackupError(f"{path} is not a Twinning backup (neither pg_dump's custom format nor SQLite).")


def restore(path: Path, using: str = "default") -> Contents:
    """Replaces the database's contents with the backup's; returns what it then holds."""
    check_file(path, using)
    if backend(using) == POSTGRESQL:
        _pg_restore(path, using)
    else:
        _sqlite_restore(path, using)
    connections[using].close()
    # Nothing kept from the database before it was replaced may be shown after.
    kept.move_all_on()
    return contents(using)


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (postgresql-client)."
        )
    return tool


def _pg_connection(using: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, and their environment (the password is there)."""
    settings_dict = connections[using].settings_dict
    arguments = []
    if settings_dict.get("HOST"):
        arguments += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", str(settings_dict["USER"])]
    arguments += ["--dbname", str(settings_dict["NAME"])]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            environment[variable] = str(options[option])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    finished = subprocess.run(  # noqa: S603 - the tool's path and fixed arguments
        command, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout).strip()
        raise BackupError(
            f"{what} failed ({Path(command[0]).name} exited with {finished.returncode}): {detail}"
        )


def _pg_dump(path: Path, using: str) -> None:
    arguments, environment = _pg_connection(using)
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-password", "--file", str(path), *arguments]
    _run(command, environment, f"Backing up {describe(using)}")


def _pg_restore(path: Path, using: str) -> None:
    arguments, environment = _pg_connection(using)
    # Django's own connection would otherwise wait on the tables being replaced.
    connections[using].close()
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        *arguments,
        str(path),
    ]
    _run(command, environment, f"Restoring {path.name} into {describe(using)}")


# --- SQLite ----------------------------------------------------------------------------------


def _live_sqlite(using: str) -> sqlite3.Connection:
    """Django's own connection: it also reaches an in-memory database."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("A backup or restore cannot run inside a transaction.")
    connection.ensure_connection()
    return connection.connection


def _sqlite_backup(path: Path, using: str) -> None:
    target = sqlite3.connect(path)
    try:
        _live_sqlite(using).backup(target)
    finally:
        target.close()


def _sqlite_restore(path: Path, using: str) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "django_migrations" not in tables:
            raise BackupError(f"{path} is an SQLite database but not a Twinning backup.")
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite's check failed): it was not restored.")
        source.backup(_live_sqlite(using))
    finally:
        source.close()
