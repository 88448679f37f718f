"""The calendar feed and the overseas travel transparency export."""

from __future__ import annotations

urlpatterns: list = []
