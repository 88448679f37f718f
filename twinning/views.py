from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView, UpdateView

from partners import selectors as partner_selectors
from partners.models import Relationship

from . import dashboards, evidence, health, search
from .editing import PageMixin
from .models import UserSettings
from .roles import RoleRequiredMixin, role_names


@login_not_required
@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming what failed."""
    db_ok, db_detail = health.database_ok()
    broker_ok, broker_detail = health.broker_ok()
    healthy = db_ok and broker_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if db_ok else f"failed: {db_detail}",
        "broker": broker_detail if broker_ok else f"failed: {broker_detail}",
    }
    return JsonResponse(body, status=200 if healthy else 503)


class SearchView(PageMixin, TemplateView):
    """One search across the register; each kind of record only for those who may see it."""

    template_name = "twinning/search.html"
    title = "Search"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        context["query"] = context["search_query"] = query.strip()[: search.MAX_QUERY_LENGTH]
        context["results"] = search.search(query, self.request.user) if query.strip() else None
        if context["query"]:
            context["title"] = f"Search: {context['query']}"
        context["breadcrumbs"] = [("Search", None)]
        return context


class RelationshipHealthListView(RoleRequiredMixin, PageMixin, TemplateView):
    """Every relationship's health at once: the evidence for keeping, reviving or ending links."""

    permission_required = "partners.view_relationship"
    template_name = "twinning/relationship_health_list.html"
    title = "Relationship health"
    breadcrumbs = [("Relationships", reverse_lazy("partners:relationship-list")), ("Health", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        include_ended = self.request.GET.get("ended") == "1"
        context["rows"] = evidence.overview(include_ended=include_ended)
        context["include_ended"] = include_ended
        context["window_days"] = evidence.WINDOW_DAYS
        return context


class RelationshipHealthView(RoleRequiredMixin, PageMixin, TemplateView):
    """One relationship's health and its last twelve months in full."""

    permission_required = "partners.view_relationship"
    template_name = "twinning/relationship_health.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        relationship = get_object_or_404(Relationship.objects.select_related("place"), pk=self.kwargs["pk"])
        context["relationship"] = relationship
        context["evidence"] = evidence.evidence_for(relationship)
        context["title"] = f"Health of the {relationship} relationship"
        context["breadcrumbs"] = [
            ("Relationships", reverse("partners:relationship-list")),
            (str(relationship), relationship.get_absolute_url()),
            ("Health and evidence", None),
        ]
        return context


class DigestSettingsForm(forms.ModelForm):
    class Meta:
        model = UserSettings
        fields = ["daily_digest"]


class DigestSettingsView(PageMixin, UpdateView):
    """Each person turns their own daily digest on or off."""

    form_class = DigestSettingsForm
    template_name = "components/form_page.html"
    title = "Daily digest email"
    breadcrumbs = [("Daily digest email", None)]

    def get_object(self, queryset: Any = None) -> UserSettings:
        return UserSettings.objects.get_or_create(user=self.request.user)[0]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["submit_label"] = "Save"
        context["cancel_url"] = reverse("dashboard")
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        form.save()
        on = form.cleaned_data["daily_digest"]
        messages.success(
            self.request,
            "The daily digest is on." if on else "The daily digest is off: no more digest emails.",
        )
        return redirect("digest-settings")


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Autofocus would skip keyboard and screen-reader users past the skip
        # link and the page heading (WCAG 2.4.3 focus order).
        self.fields["username"].widget.attrs.pop("autofocus", None)
        # AuthenticationForm sets max_length after building the field, so no validator holds it.
        self.fields["username"].validators.append(
            MaxLengthValidator(self.fields["username"].max_length or 150)
        )


class TwinningLoginView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class DashboardView(TemplateView):
    """Home page: what the signed-in user's role can see at a glance."""

    template_name = "twinning/dashboard.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        roles = role_names(user)
        context["roles"] = roles
        if user.has_perm("partners.view_relationship"):
            context.update(partner_selectors.dashboard_summary())
        context["panels"] = dashboards.for_user(user)
        return context
