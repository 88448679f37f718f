"""Pages of the twinning register. Thin: a selector or service does the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views import View

from core.roles import RoleRequiredMixin
from core.versioning import StaleEditError
from core.views import (
    ConcurrencySafeUpdateView,
    HistoryView,
    RegisterCreateView,
    RegisterDetailView,
    RegisterListView,
    rebind_with_current_version,
)

from . import extensions, filters, forms, selectors, services
from .models import (
    Action,
    Approach,
    ApproachScore,
    Contact,
    Exchange,
    Organisation,
    Place,
    Relationship,
    Stakeholder,
)


def _crumbs(list_name: str, list_label: str, *rest: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(list_label, reverse(f"partners:{list_name}")), *rest]


# --- Places -------------------------------------------------------------------


class PlaceListView(RegisterListView):
    permission_required = "partners.view_place"
    filterset_class = filters.PlaceFilter
    template_name = "partners/place_list.html"
    title = "Places"

    def get_queryset(self) -> Any:
        return selectors.place_list()


class PlaceDetailView(RegisterDetailView):
    permission_required = "partners.view_place"
    template_name = "partners/place_detail.html"

    def get_queryset(self) -> Any:
        return selectors.place_detail()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs("place-list", "Places", (self.object.name, None))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timeline"] = selectors.place_timeline(self.object)
        context.update(selectors.place_related(self.object))
        context["extra_sections"] = extensions.sections_for(
            extensions.place_sections, self.object, self.request.user
        )
        return context


class PlaceCreateView(RegisterCreateView):
    permission_required = "partners.add_place"
    form_class = forms.PlaceForm
    title = "Add a place"
    breadcrumbs = [("Places", reverse_lazy("partners:place-list")), ("Add", None)]


class PlaceUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_place"
    model = Place
    form_class = forms.PlaceForm

    def get_title(self) -> str:
        return f"Edit {self.object.name}"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs(
            "place-list", "Places", (self.object.name, self.object.get_absolute_url()), ("Edit", None)
        )


class PlaceHistoryView(HistoryView):
    permission_required = "partners.view_place"
    model = Place

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs(
            "place-list", "Places", (self.object.name, self.object.get_absolute_url()), ("History", None)
        )


# --- Relationships ----------------------------------------------------------------


class RelationshipListView(RegisterListView):
    permission_required = "partners.view_relationship"
    filterset_class = filters.RelationshipFilter
    template_name = "partners/relationship_list.html"
    title = "Relationships"

    def get_queryset(self) -> Any:
        return selectors.relationship_list()


class RelationshipDetailView(RegisterDetailView):
    permission_required = "partners.view_relationship"
    template_name = "partners/relationship_detail.html"

    def get_queryset(self) -> Any:
        return selectors.relationship_detail()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs(
            "relationship-list",
            "Relationships",
            (self.object.place.name, self.object.place.get_absolute_url()),
            (self.object.get_kind_display(), None),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("status_form", forms.RelationshipStatusForm(relationship=self.object))
        context.setdefault("stakeholder_form", forms.StakeholderForm(relationship=self.object))
        context["extra_sections"] = extensions.sections_for(
            extensions.relationship_sections, self.object, self.request.user
        )
        context["extra_links"] = extensions.links_for(self.object, self.request.user)
        return context


class RelationshipCreateView(RegisterCreateView):
    permission_required = "partners.add_relationship"
    form_class = forms.RelationshipForm
    title = "Add a relationship"
    breadcrumbs = [("Relationships", reverse_lazy("partners:relationship-list")), ("Add", None)]

    prefill_from_query = ("place",)

    def save(self, form: Any) -> Relationship:
        return services.relationship_create(
            relationship=form.save(commit=False),
            councils=form.cleaned_data.get("councils"),
            by=self.request.user,
        )


class RelationshipUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_relationship"
    model = Relationship
    form_class = forms.RelationshipForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class RelationshipHistoryView(HistoryView):
    permission_required = "partners.view_relationship"
    model = Relationship


class RelationshipStatusView(RoleRequiredMixin, View):
    """Moves a relationship to a new status along an allowed transition."""

    permission_required = "partners.change_relationship"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        relationship = get_object_or_404(selectors.relationship_detail(), pk=pk)
        form = forms.RelationshipStatusForm(request.POST, relationship=relationship)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.relationship_change_status(
                        relationship=relationship,
                        to_status=form.cleaned_data["to_status"],
                        note=form.cleaned_data["note"],
                        by=request.user,
                        expected_version=form.cleaned_data["version"],
                    )
            except StaleEditError:
                relationship = get_object_or_404(selectors.relationship_detail(), pk=pk)
                form = rebind_with_current_version(
                    form, forms.RelationshipStatusForm, relationship=relationship
                )
                form.add_error(
                    None,
                    "Someone else changed this relationship after you opened it. "
                    "Its status is now as shown below; choose the new status again.",
                )
            except services.TransitionNotAllowed as refusal:
                form.add_error("to_status", str(refusal))
            else:
                messages.success(request, f"{relationship} is now {relationship.get_status_display()}.")
                return redirect(relationship)
        view = RelationshipDetailView()
        view.setup(request, pk=pk)
        view.object = get_object_or_404(selectors.relationship_detail(), pk=pk)
        context = view.get_context_data(status_form=form)
        return render(request, view.template_name, context, status=400)


class StakeholderCreateView(RoleRequiredMixin, View):
    permission_required = "partners.add_stakeholder"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        relationship = get_object_or_404(Relationship, pk=pk)
        form = forms.StakeholderForm(request.POST, relationship=relationship)
        if form.is_valid():
            stakeholder = form.save()
            messages.success(request, f"{stakeholder.organisation} was linked to {relationship}.")
            return redirect(relationship)
        view = RelationshipDetailView()
        view.setup(request, pk=pk)
        view.object = get_object_or_404(selectors.relationship_detail(), pk=pk)
        context = view.get_context_data(stakeholder_form=form)
        return render(request, view.template_name, context, status=400)


class StakeholderDeleteView(RoleRequiredMixin, View):
    permission_required = "partners.delete_stakeholder"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        stakeholder = get_object_or_404(
            Stakeholder.objects.select_related("relationship", "organisation"), pk=pk
        )
        relationship = stakeholder.relationship
        stakeholder.delete()
        messages.success(request, f"{stakeholder.organisation} is no longer linked to {relationship}.")
        return redirect(relationship)


# --- Approaches ------------------------------------------------------------------


class ApproachListView(RegisterListView):
    permission_required = "partners.view_approach"
    filterset_class = filters.ApproachFilter
    template_name = "partners/approach_list.html"
    title = "Approaches"

    def get_queryset(self) -> Any:
        # Newest first unless sorted; "Triage score" ranks them by their weighted totals.
        return selectors.approaches_ranked().order_by(*Approach._meta.ordering)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["triage_maximum"] = selectors.triage_maximum()
        return context


class ApproachDetailView(RegisterDetailView):
    permission_required = "partners.view_approach"
    template_name = "partners/approach_detail.html"

    def get_queryset(self) -> Any:
        return selectors.approach_list()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs("approach-list", "Approaches", (str(self.object), None))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["triage"] = selectors.approach_triage(self.object)
        return context


def _scored_as(approach: Approach) -> str:
    """The approach's scores as they stand, to notice a colleague's scoring in between."""
    rows = (
        ApproachScore.objects.filter(approach=approach)
        .order_by("criterion_id")
        .values_list("criterion_id", "version")
    )
    return ",".join(f"{criterion}:{version}" for criterion, version in rows)


class ApproachTriageView(RoleRequiredMixin, View):
    """Score an approach against the council's criteria, each with its reason."""

    permission_required = "partners.add_approachscore"
    template_name = "partners/approach_triage.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.approach = selectors.approach_list().filter(pk=kwargs["pk"]).first()
        self.criteria = selectors.active_criteria()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The role first: someone refused learns nothing of which approaches exist.
        if not self.has_permission():
            return self.handle_no_permission()
        if self.approach is None:
            raise Http404("No such approach.")
        return super().dispatch(request, *args, **kwargs)

    def form(self, data: Any = None) -> forms.ApproachTriageForm:
        current = {row.criterion_id: row for row in ApproachScore.objects.filter(approach=self.approach)}
        form = forms.ApproachTriageForm(data, criteria=self.criteria, current=current)
        if data is None:
            form.initial["scored_as"] = _scored_as(self.approach)
        return form

    def render(self, form: Any) -> HttpResponse:
        context = {
            "form": form,
            "approach": self.approach,
            "title": f"Score the {self.approach}",
            "breadcrumbs": _crumbs(
                "approach-list",
                "Approaches",
                (str(self.approach), self.approach.get_absolute_url()),
                ("Score", None),
            ),
            "maximum": selectors.triage_maximum(self.criteria),
        }
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render(form)
        with transaction.atomic():
            Approach.objects.select_for_update().filter(pk=self.approach.pk).first()
            if form.cleaned_data["scored_as"] != _scored_as(self.approach):
                messages.error(
                    request,
                    "Someone else scored this approach while you had this page open. Their scores are "
                    "shown on the approach; yours are below, not saved. Check them and save again.",
                )
                fresh = self.form(request.POST)
                fresh.is_valid()
                fresh.data = fresh.data.copy()
                fresh.data["scored_as"] = _scored_as(self.approach)
                return self.render(fresh)
            try:
                services.approach_score(
                    approach=self.approach,
                    scores=[services.ScoreGiven(c, score, reason) for c, score, reason in form.given()],
                    by=request.user,
                )
            except ValidationError as refused:
                by_name = {c.name: c.pk for c in self.criteria}
                for name, problems in refused.message_dict.items():
                    form.add_error(f"score_{by_name[name]}" if name in by_name else None, problems)
                return self.render(form)
        messages.success(request, f"The scores of the {self.approach} were saved.")
        return redirect(self.approach)


class ApproachCreateView(RegisterCreateView):
    permission_required = "partners.add_approach"
    form_class = forms.ApproachCreateForm
    template_name = "partners/approach_form.html"
    title = "Record an approach"
    breadcrumbs = [("Approaches", reverse_lazy("partners:approach-list")), ("Record", None)]
    success_message = "{object} was recorded."

    prefill_from_query = ("place",)

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)
        except ValidationError as error:
            # The new place failed a check that only the database could make.
            form.add_error("new_place_name", error.messages[0])
            return self.form_invalid(form)

    def save(self, form: Any) -> Approach:
        with transaction.atomic():
            return services.approach_record(
                approach=form.save(commit=False),
                new_place=form.new_place(),
                relationship_kind=form.cleaned_data["relationship_kind"],
                by=self.request.user,
            )


class ApproachUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_approach"
    model = Approach
    form_class = forms.ApproachForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class ApproachHistoryView(HistoryView):
    permission_required = "partners.view_approach"
    model = Approach


# --- Organisations, contacts, actions, exchanges -----------------------------------


class OrganisationListView(RegisterListView):
    permission_required = "partners.view_organisation"
    filterset_class = filters.OrganisationFilter
    template_name = "partners/organisation_list.html"
    title = "Organisations"

    def get_queryset(self) -> Any:
        return selectors.organisation_list()


class OrganisationDetailView(RegisterDetailView):
    permission_required = "partners.view_organisation"
    template_name = "partners/organisation_detail.html"

    def get_queryset(self) -> Any:
        return selectors.organisation_detail()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs("organisation-list", "Organisations", (str(self.object), None))


class OrganisationCreateView(RegisterCreateView):
    permission_required = "partners.add_organisation"
    form_class = forms.OrganisationForm
    title = "Add an organisation"
    breadcrumbs = [("Organisations", reverse_lazy("partners:organisation-list")), ("Add", None)]


class OrganisationUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_organisation"
    model = Organisation
    form_class = forms.OrganisationForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class OrganisationHistoryView(HistoryView):
    permission_required = "partners.view_organisation"
    model = Organisation


class ContactListView(RegisterListView):
    permission_required = "partners.view_contact"
    filterset_class = filters.ContactFilter
    template_name = "partners/contact_list.html"
    title = "Contacts"

    def get_queryset(self) -> Any:
        return selectors.contact_list()


class ContactDetailView(RegisterDetailView):
    permission_required = "partners.view_contact"
    template_name = "partners/contact_detail.html"

    def get_queryset(self) -> Any:
        return selectors.contact_detail()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs("contact-list", "Contacts", (str(self.object), None))


class ContactCreateView(RegisterCreateView):
    permission_required = "partners.add_contact"
    form_class = forms.ContactForm
    title = "Add a contact"
    breadcrumbs = [("Contacts", reverse_lazy("partners:contact-list")), ("Add", None)]

    prefill_from_query = ("organisation",)


class ContactUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_contact"
    model = Contact
    form_class = forms.ContactForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class ContactHistoryView(HistoryView):
    permission_required = "partners.view_contact"
    model = Contact


class ActionListView(RegisterListView):
    permission_required = "partners.view_action"
    filterset_class = filters.ActionFilter
    template_name = "partners/action_list.html"
    title = "Actions"

    def get_queryset(self) -> Any:
        return selectors.action_list()


class ActionDetailView(RegisterDetailView):
    permission_required = "partners.view_action"
    template_name = "partners/action_detail.html"

    def get_queryset(self) -> Any:
        return selectors.action_list()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs("action-list", "Actions", (str(self.object), None))


class ActionCreateView(RegisterCreateView):
    permission_required = "partners.add_action"
    form_class = forms.ActionForm
    title = "Add an action"
    breadcrumbs = [("Actions", reverse_lazy("partners:action-list")), ("Add", None)]

    prefill_from_query = ("relationship",)


class ActionUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_action"
    model = Action
    form_class = forms.ActionForm

    def get_title(self) -> str:
        return f"Edit action: {self.object}"


class ActionHistoryView(HistoryView):
    permission_required = "partners.view_action"
    model = Action


class ExchangeListView(RegisterListView):
    permission_required = "partners.view_exchange"
    filterset_class = filters.ExchangeFilter
    template_name = "partners/exchange_list.html"
    title = "Exchanges and secondments"

    def get_queryset(self) -> Any:
        return selectors.exchange_list()


class ExchangeDetailView(RegisterDetailView):
    permission_required = "partners.view_exchange"
    template_name = "partners/exchange_detail.html"

    def get_queryset(self) -> Any:
        return selectors.exchange_list()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return _crumbs("exchange-list", "Exchanges", (str(self.object), None))


class ExchangeCreateView(RegisterCreateView):
    permission_required = "partners.add_exchange"
    form_class = forms.ExchangeForm
    title = "Add an exchange or secondment"
    breadcrumbs = [("Exchanges", reverse_lazy("partners:exchange-list")), ("Add", None)]

    prefill_from_query = ("relationship",)


class ExchangeUpdateView(ConcurrencySafeUpdateView):
    permission_required = "partners.change_exchange"
    model = Exchange
    form_class = forms.ExchangeForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class ExchangeHistoryView(HistoryView):
    permission_required = "partners.view_exchange"
    model = Exchange
