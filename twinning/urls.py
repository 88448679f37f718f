from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Twinning administration"
admin.site.site_title = "Twinning administration"


class SiteIcon(RedirectView):
    """/favicon.ico, which browsers ask for whatever a page links to, sent on to the static
    file: its address (hashed in production) worked out when asked for, and the redirect
    not remembered for good (a 302), so a new icon gets a new address."""

    http_method_names = ["get", "head"]
    permanent = False

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("favicon.ico")


urlpatterns = [
    path("favicon.ico", login_not_required(SiteIcon.as_view()), name="favicon"),
    path("", include("core.urls")),
    path("", include("overview.urls")),
    path("partners/", include("partners.urls")),
    path("delegations/", include("delegations.urls")),
    path("budgets/", include("budgets.urls")),
    path("reports/", include("reports.urls")),
    path("public/", include("public.urls")),
    path("privacy/", include("privacy.urls")),
    path("admin/", admin.site.urls),
]
