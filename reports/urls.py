from __future__ import annotations

from . import views

app_name = "reports"

urlpatterns = views.urlpatterns
