from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Twinning administration"
admin.site.site_title = "Twinning administration"

urlpatterns = [
    path("", include("core.urls")),
    path("", include("overview.urls")),
    path("partners/", include("partners.urls")),
    path("delegations/", include("delegations.urls")),
    path("budgets/", include("budgets.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
