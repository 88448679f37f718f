from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.views.generic import TemplateView, UpdateView

from core import search
from core.roles import RoleRequiredMixin, role_names
from core.views import PageMixin
from partners.models import Relationship

from . import dashboards, discovery, evidence
from .models import UserSettings


class SearchView(PageMixin, TemplateView):
    """One search across the register; each kind of record only for those who may see it."""

    template_name = "overview/search.html"
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
    template_name = "overview/relationship_health_list.html"
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
    template_name = "overview/relationship_health.html"

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
        context["cancel_url"] = reverse("overview:dashboard")
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        form.save()
        on = form.cleaned_data["daily_digest"]
        messages.success(
            self.request,
            "The daily digest is on." if on else "The daily digest is off: no more digest emails.",
        )
        return redirect("overview:digest-settings")


class DashboardView(TemplateView):
    """Home page: what the signed-in user's role can see at a glance."""

    template_name = "overview/dashboard.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        roles = role_names(user)
        context["roles"] = roles
        if user.has_perm("partners.view_relationship"):
            context.update(dashboards.register_summary())
        context["panels"] = dashboards.for_user(user)
        return context


class PartnerDiscoveryView(RoleRequiredMixin, PageMixin, TemplateView):
    """Places ranked by how closely their economies match the home council's."""

    permission_required = "partners.view_place"
    template_name = "overview/discovery.html"
    title = "Partner discovery"
    breadcrumbs = [("Places", reverse_lazy("partners:place-list")), ("Partner discovery", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        show_all = self.request.GET.get("all") == "1"
        home, candidates = discovery.partner_discovery(include_unmatched=show_all)
        context.update(home=home, candidates=candidates, show_all=show_all)
        context["home_sectors"] = list(home.sectors.all()) if home else []
        return context
