"""``manage.py list_past_retention [--on DATE]``: the nightly retention check, run now."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.services import list_due


class Command(BaseCommand):
    help = (
        "Lists the personal records past their retention date for someone to decide on (the nightly "
        "check, run now). Deletes nothing. --on DATE checks as of that day, to try a schedule out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="Check as of this day (YYYY-MM-DD) rather than today.")

    def handle(self, *args: Any, on: str | None = None, **options: Any) -> None:
        try:
            today = date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"--on wants a date such as 2030-01-31, not {on!r}.") from None
        added = list_due(today)
        self.stdout.write(f"{added} record{'s' if added != 1 else ''} newly listed past the retention date.")
