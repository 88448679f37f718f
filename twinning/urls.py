from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

admin.site.site_header = "Twinning administration"
admin.site.site_title = "Twinning administration"

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links to; the icon itself is a static
    # file, its address (hashed in production) worked out when first asked for, and not
    # remembered by browsers for good (a 302): a new icon gets a new address.
    path(
        "favicon.ico",
        login_not_required(
            RedirectView.as_view(
                url=lazy(static, str)("favicon.ico"), permanent=False, http_method_names=["get", "head"]
            )
        ),
        name="favicon",
    ),
    path("", include("core.urls")),
    path("", include("overview.urls")),
    path("partners/", include("partners.urls")),
    path("delegations/", include("delegations.urls")),
    path("budgets/", include("budgets.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
