"""Pages for visits, participants, meetings, costs and gifts."""

from __future__ import annotations

urlpatterns: list = []
