from __future__ import annotations

from django.urls import path

from . import views

app_name = "overview"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("accounts/digest/", views.DigestSettingsView.as_view(), name="digest-settings"),
    path(
        "partners/relationships/health/",
        views.RelationshipHealthListView.as_view(),
        name="relationship-health-list",
    ),
    path(
        "partners/relationships/<int:pk>/health/",
        views.RelationshipHealthView.as_view(),
        name="relationship-health",
    ),
    path("partners/discovery/", views.PartnerDiscoveryView.as_view(), name="discovery"),
]
