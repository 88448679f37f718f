"""Replaces the database's contents with a backup made by manage.py backup (pg_restore --clean
on PostgreSQL, SQLite's online backup on SQLite). Stop the web and the workers first. When
the database already holds data it asks first, or refuses unless --yes is given."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core import backups
from core.management.backup_command import BackupCommand, documents


class Command(BackupCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="The backup file.")
        parser.add_argument(
            "--yes", action="store_true", help="Replace the data the database holds without asking."
        )
        super().add_arguments(parser)

    def handle(
        self, *args: Any, backup: str, yes: bool = False, database: str = "default", **options: Any
    ) -> None:
        path = Path(backup)
        backups.check_file(path, database)
        target = backups.describe(database)
        before = backups.contents(database)
        if before.holds_data and not yes and not self._confirmed(target, before):
            raise CommandError(
                f"{target[0].upper()}{target[1:]} already holds {before.summary()}: nothing was restored. "
                "Run again with --yes to replace it with the backup."
            )
        after = backups.restore(path, database)
        restored = backups.restore_documents(path)
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {target}."))
        if before.holds_data:
            self.stdout.write(f"It replaced {before.summary()}.")
        self.stdout.write(f"It now holds {after.summary()}.")
        if restored:
            self.stdout.write(f"{documents(restored)} went back into the documents storage.")

    def _confirmed(self, target: str, before: backups.Contents) -> bool:
        """Asks at a terminal; anywhere else (a script, a pipe) the answer is no."""
        if not sys.stdin.isatty():
            return False
        self.stdout.write(f"{target[0].upper()}{target[1:]} holds {before.summary()}.")
        answer = input("Replace all of it with the backup? Type 'yes' to go on: ")
        return answer.strip().lower() == "yes"
