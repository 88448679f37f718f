"""Pages of the twinning register, declared with core's toolkit; a selector or service does the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.views import Crumbs, PartAddView, PartRemoveView, RecordPages, RoleRequired, StatusChangeView

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


class PlacePages(RecordPages):
    model = Place
    url_prefix = "places"
    create_title = "Add a place"
    filterset_class = filters.PlaceFilter
    form_class = forms.PlaceForm
    list_selector = selectors.place_list
    detail_selector = selectors.place_detail

    def record_crumbs(self, record: Place) -> Crumbs:
        return [(self.list_crumb, self.url("list")), (record.name, record.get_absolute_url())]

    def detail_context(self, request: HttpRequest, record: Place) -> dict[str, Any]:
        return {
            "timeline": selectors.place_timeline(record),
            **selectors.place_related(record),
            "extra_sections": extensions.sections_for(extensions.place_sections, record, request.user),
        }


class RelationshipPages(RecordPages):
    model = Relationship
    url_prefix = "relationships"
    create_title = "Add a relationship"
    filterset_class = filters.RelationshipFilter
    form_class = forms.RelationshipForm
    prefill_from_query = ("place",)
    list_selector = selectors.relationship_list
    detail_selector = selectors.relationship_detail

    def record_crumbs(self, record: Relationship) -> Crumbs:
        return [
            (self.list_crumb, self.url("list")),
            (record.place.name, record.place.get_absolute_url()),
            (record.get_kind_display(), record.get_absolute_url()),
        ]

    def detail_context(self, request: HttpRequest, record: Relationship) -> dict[str, Any]:
        return {
            "status_form": forms.RelationshipStatusForm(record=record),
            "stakeholder_form": forms.StakeholderForm(relationship=record),
            "extra_sections": extensions.sections_for(extensions.relationship_sections, record, request.user),
            "extra_links": extensions.links_for(record, request.user),
        }

    def create(self, request: HttpRequest, form: Any) -> Relationship:
        return services.relationship_create(values=form.values(), by=request.user)


class ApproachPages(RecordPages):
    model = Approach
    url_prefix = "approaches"
    create_title = "Record an approach"
    create_crumb = "Record"
    create_template = "partners/approach_form.html"
    created_message = "{record} was recorded."
    filterset_class = filters.ApproachFilter
    form_class = forms.ApproachForm
    create_form_class = forms.ApproachCreateForm
    prefill_from_query = ("place",)

    def list_queryset(self) -> QuerySet:
        # Newest first unless sorted; "Triage score" ranks them by their weighted totals.
        return selectors.approaches_ranked().order_by(*Approach._meta.ordering)

    detail_selector = selectors.approach_list

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"triage_maximum": selectors.triage_maximum()}

    def detail_context(self, request: HttpRequest, record: Approach) -> dict[str, Any]:
        return {"triage": selectors.approach_triage(record)}

    def create(self, request: HttpRequest, form: Any) -> Approach:
        return services.approach_record(
            values=form.values(),
            new_place=form.new_place(),
            relationship_kind=form.cleaned_data["relationship_kind"],
            by=request.user,
        )


class OrganisationPages(RecordPages):
    model = Organisation
    url_prefix = "organisations"
    create_title = "Add an organisation"
    filterset_class = filters.OrganisationFilter
    form_class = forms.OrganisationForm
    list_selector = selectors.organisation_list
    detail_selector = selectors.organisation_detail


class ContactPages(RecordPages):
    model = Contact
    url_prefix = "contacts"
    create_title = "Add a contact"
    filterset_class = filters.ContactFilter
    form_class = forms.ContactForm
    prefill_from_query = ("organisation",)
    list_selector = selectors.contact_list
    detail_selector = selectors.contact_detail


class ActionPages(RecordPages):
    model = Action
    url_prefix = "actions"
    create_title = "Add an action"
    filterset_class = filters.ActionFilter
    form_class = forms.ActionForm
    prefill_from_query = ("relationship",)
    list_selector = selectors.action_list


class ExchangePages(RecordPages):
    model = Exchange
    url_prefix = "exchanges"
    list_title = "Exchanges and secondments"
    list_crumb = "Exchanges"
    create_title = "Add an exchange or secondment"
    filterset_class = filters.ExchangeFilter
    form_class = forms.ExchangeForm
    prefill_from_query = ("relationship",)
    list_selector = selectors.exchange_list


places = PlacePages()
relationships = RelationshipPages()
approaches = ApproachPages()
organisations = OrganisationPages()
contacts = ContactPages()
actions = ActionPages()
exchanges = ExchangePages()


class RelationshipStatusView(StatusChangeView):
    """Moves a relationship to a new status along an allowed move."""

    permission_required = "partners.change_relationship"
    record_pages = relationships
    form_class = forms.RelationshipStatusForm
    move = services.relationship_change_status
    stale_message = (
        "Someone else changed this relationship after you opened it. "
        "Its status is now as shown below; choose the new status again."
    )

    def done_message(self, record: Relationship) -> str:
        return f"{record} is now {record.get_status_display()}."


class StakeholderAddView(PartAddView):
    """Links an organisation to a relationship, with the part it plays."""

    permission_required = "partners.add_stakeholder"
    record_pages = relationships
    form_class = forms.StakeholderForm
    form_name = "stakeholder_form"
    parent_field = "relationship"
    added = "{part.organisation} was linked to {record}."


class StakeholderRemoveView(PartRemoveView):
    permission_required = "partners.delete_stakeholder"
    part_model = Stakeholder
    parent_field = "relationship"
    record_pages = relationships
    removed = "{part.organisation} is no longer linked to {record}."


def _scored_as(approach: Approach) -> str:
    """The approach's scores as they stand, to notice a colleague's scoring in between."""
    rows = (
        ApproachScore.objects.filter(approach=approach)
        .order_by("criterion_id")
        .values_list("criterion_id", "version")
    )
    return ",".join(f"{criterion}:{version}" for criterion, version in rows)


class ApproachTriageView(RoleRequired, View):
    """Score an approach against the council's criteria, each with its reason."""

    permission_required = "partners.add_approachscore"
    template_name = "partners/approach_triage.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.approach = get_object_or_404(selectors.approach_list(), pk=kwargs["pk"])
        self.criteria = selectors.active_criteria()

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
            "breadcrumbs": [*approaches.record_crumbs(self.approach), ("Score", None)],
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
