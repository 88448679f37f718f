from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

admin.site.site_header = "Twinning administration"
admin.site.site_title = "Twinning administration"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("accounts/digest/", views.DigestSettingsView.as_view(), name="digest-settings"),
    path("accounts/login/", views.TwinningLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html",
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html",
        ),
        name="password_change_done",
    ),
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
    path("partners/", include("partners.urls")),
    path("delegations/", include("delegations.urls")),
    path("budgets/", include("budgets.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
