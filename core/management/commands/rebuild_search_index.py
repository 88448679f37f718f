"""Rebuilds every search entry (after a bulk load or a restore)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core import search


class Command(BaseCommand):
    help = "Rebuild the search entry of every record the apps add to the search."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = search.rebuild()
        summary = ", ".join(
            f"{count} {search.KINDS_BY_KEY[key].label.lower()}" for key, count in counts.items()
        )
        self.stdout.write(f"Search index rebuilt: {summary}.")
