"""What ``manage.py backup`` and ``manage.py restore`` share: the database they act on
(``--database``), and a backup or restore refused said as the command's error."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import backups


class BackupCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error


def documents(count: int) -> str:
    return f"{count} document{'s' if count != 1 else ''}"
