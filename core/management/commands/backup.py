"""Backs up the whole database: pg_dump's custom format on PostgreSQL, SQLite's online backup
on SQLite. Writes var/backups/twinning-<backend>-<UTC timestamp>.<dump|sqlite3> unless
--output names a file (or a folder to write that name in). Restore it with manage.py restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from core import backups
from core.management.backup_command import BackupCommand, documents


class Command(BackupCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="The file to write, or a folder to write it in.")
        super().add_arguments(parser)

    def handle(
        self, *args: Any, output: str | None = None, database: str = "default", **options: Any
    ) -> None:
        if output is None:
            path = backups.default_path(database)
        elif Path(output).is_dir():
            path = backups.default_path(database, directory=Path(output))
        else:
            path = Path(output)
        if path.exists():
            raise backups.BackupError(f"{path} exists already: a backup never overwrites a file.")
        written = backups.backup(path, database)
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {backups.describe(database)} to {written.path}")
            + f" ({_size(written.size)})."
        )
        self.stdout.write(f"It holds {written.contents.summary()}.")
        if written.documents_path is not None:
            self.stdout.write(
                f"The {documents(written.documents)} kept with records "
                f"went to {written.documents_path}: keep it beside the backup."
            )


def _size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}, {size:,} bytes"
    return f"{size:,} bytes"
