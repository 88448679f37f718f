from __future__ import annotations

from . import exports, views

app_name = "budgets"

urlpatterns = [*views.urlpatterns, *exports.urlpatterns]
