"""CSV and XLSX exports of the year view and the budget lines."""

from __future__ import annotations

urlpatterns: list = []
