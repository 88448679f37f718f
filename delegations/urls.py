from __future__ import annotations

from . import feeds, views

app_name = "delegations"

urlpatterns = [*views.urlpatterns, *feeds.urlpatterns]
