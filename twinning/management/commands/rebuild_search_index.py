"""Rebuilds every search entry (after a bulk load or a restore)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from twinning import search


class Command(BaseCommand):
    help = "Rebuild the search entries of places, organisations, contacts, relationships, approaches, visits and reports."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = search.rebuild()
        summary = ", ".join(
            f"{count} {search.KINDS_BY_KEY[key].label.lower()}" for key, count in counts.items()
        )
        self.stdout.write(f"Search index rebuilt: {summary}.")
