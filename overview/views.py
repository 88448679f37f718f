"""Pages that read across the register: each role's home page, search, relationship health, discovery."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views import View

from core import search
from core.roles import role_names
from core.views import SIGNED_IN, Page, RoleRequired
from partners.models import Relationship
from reports.document import local_names, text_with_languages

from . import dashboards, discovery, evidence
from .models import UserSettings


class DashboardView(Page):
    """Home page: what the signed-in user's role can see at a glance."""

    permission_required = SIGNED_IN
    template_name = "overview/dashboard.html"

    def context(self) -> dict[str, Any]:
        user = self.request.user
        return {"roles": role_names(user), **dashboards.home(user)}


class SearchView(Page):
    """One search across the register; each kind of record only for those who may see it."""

    permission_required = SIGNED_IN
    template_name = "overview/search.html"
    title = "Search"
    breadcrumbs = [(title, None)]

    def context(self) -> dict[str, Any]:
        query = self.request.GET.get("q", "")
        shown = query.strip()[: search.MAX_QUERY_LENGTH]
        results = search.search(query, self.request.user) if query.strip() else None
        if results is not None and results.groups:
            _mark_languages(results)
        return {
            "query": shown,
            "search_query": shown,
            "results": results,
            **({"title": f"Search: {shown}"} if shown else {}),
        }


def _mark_languages(results: search.Results) -> None:
    """Names in local script in the results (豊田市) marked with their language, as pages print them."""
    names = local_names()
    if not names:
        return

    def mark(text: str) -> str:
        return text_with_languages(text, names, breaks=False)  # a line of a result, as unmarked ones are

    for group in results.groups:
        for hit in group.hits:
            hit.title = mark(hit.title)
            hit.summary = mark(hit.summary)
            hit.because = [(label, mark(excerpt)) for label, excerpt in hit.because]


class RelationshipHealthListView(Page):
    """Every relationship's health at once: the evidence for keeping, reviving or ending links."""

    permission_required = "partners.view_relationship"
    template_name = "overview/relationship_health_list.html"
    title = "Relationship health"
    breadcrumbs = [("Relationships", reverse_lazy("partners:relationship-list")), ("Health", None)]

    def context(self) -> dict[str, Any]:
        include_ended = self.request.GET.get("ended") == "1"
        return {
            "rows": evidence.overview(include_ended=include_ended),
            "include_ended": include_ended,
            "window_days": evidence.WINDOW_DAYS,
        }


class RelationshipHealthView(Page):
    """One relationship's health and its last twelve months in full."""

    permission_required = "partners.view_relationship"
    template_name = "overview/relationship_health.html"

    def context(self) -> dict[str, Any]:
        relationship = get_object_or_404(Relationship.objects.select_related("place"), pk=self.kwargs["pk"])
        return {
            "relationship": relationship,
            "evidence": evidence.evidence_for(relationship),
            "title": f"Health of the {relationship} relationship",
            "breadcrumbs": [
                ("Relationships", reverse("partners:relationship-list")),
                (str(relationship), relationship.get_absolute_url()),
                ("Health and evidence", None),
            ],
        }


class PartnerDiscoveryView(Page):
    """Places ranked by how closely their economies match the home council's."""

    permission_required = "partners.view_place"
    template_name = "overview/discovery.html"
    title = "Partner discovery"
    breadcrumbs = [("Places", reverse_lazy("partners:place-list")), (title, None)]

    def context(self) -> dict[str, Any]:
        show_all = self.request.GET.get("all") == "1"
        home, candidates = discovery.partner_discovery(include_unmatched=show_all)
        home_sectors = list(home.sectors.all()) if home else []
        return {"home": home, "candidates": candidates, "show_all": show_all, "home_sectors": home_sectors}


class DigestSettingsForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=UserSettings._meta.get_field("daily_digest").verbose_name.capitalize(),
        help_text=UserSettings._meta.get_field("daily_digest").help_text,
        required=False,
    )


class DigestSettingsView(RoleRequired, View):
    """Each person turns their own daily digest on or off."""

    permission_required = SIGNED_IN

    def show(self, form: DigestSettingsForm) -> HttpResponse:
        context = {
            "form": form,
            "title": "Daily digest email",
            "breadcrumbs": [("Daily digest email", None)],
            "submit_label": "Save",
            "cancel_url": reverse("overview:dashboard"),
        }
        return render(self.request, "components/form_page.html", context)

    def form(self, data: Any = None) -> DigestSettingsForm:
        chosen = (
            UserSettings.objects.filter(user=self.request.user).values_list("daily_digest", flat=True).first()
        )
        return DigestSettingsForm(data, initial={"daily_digest": True if chosen is None else chosen})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.show(self.form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(form)
        on = form.cleaned_data["daily_digest"]
        UserSettings.objects.update_or_create(user=request.user, defaults={"daily_digest": on})
        messages.success(
            request,
            "The daily digest is on." if on else "The daily digest is off: no more digest emails.",
        )
        return redirect("overview:digest-settings")
