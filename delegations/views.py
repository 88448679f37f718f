"""Pages for visits, participants, meetings, costs, follow-ups and gifts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse_lazy
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

from . import filters, forms, selectors, services
from .models import CostItem, Gift, Meeting, Participant, Visit

# --- Visits -------------------------------------------------------------------------


class VisitListView(RegisterListView):
    permission_required = "delegations.view_visit"
    filterset_class = filters.VisitFilter
    template_name = "delegations/visit_list.html"
    title = "Visits"

    def get_queryset(self) -> Any:
        return selectors.visit_list()


def visit_page_context(request: HttpRequest, visit: Visit, **forms_given: Any) -> dict[str, Any]:
    """What the visit page shows, with any bound forms that came back with errors."""
    context: dict[str, Any] = {
        "object": visit,
        "visit": visit,
        "title": str(visit),
        "breadcrumbs": [
            ("Visits", reverse_lazy("delegations:visit-list")),
            (str(visit), None),
        ],
        "estimate": selectors.visit_estimate(visit),
        "status_form": forms.VisitStatusForm(visit=visit),
        "participant_form": forms.ParticipantForm(visit=visit),
        "meeting_form": forms.MeetingForm(visit=visit),
        "cost_item_form": forms.CostItemForm(visit=visit),
        "estimate_form": forms.QuickEstimateForm(visit=visit),
        "follow_up_form": forms.FollowUpForm(),
    }
    context.update(forms_given)
    return context


class VisitDetailView(RegisterDetailView):
    permission_required = "delegations.view_visit"
    template_name = "delegations/visit_detail.html"

    def get_queryset(self) -> Any:
        return selectors.visit_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(visit_page_context(self.request, self.object))
        return context


class VisitCreateView(RegisterCreateView):
    permission_required = "delegations.add_visit"
    form_class = forms.VisitForm
    title = "Plan or record a visit"
    breadcrumbs = [("Visits", reverse_lazy("delegations:visit-list")), ("Add", None)]

    prefill_from_query = ("relationship",)

    def save(self, form: Any) -> Visit:
        return services.visit_create(visit=form.save(commit=False), by=self.request.user)


class VisitUpdateView(ConcurrencySafeUpdateView):
    permission_required = "delegations.change_visit"
    model = Visit
    form_class = forms.VisitForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class VisitHistoryView(HistoryView):
    permission_required = "delegations.view_visit"
    model = Visit


class VisitPartView(RoleRequiredMixin, View):
    """A POST to the visit page that changes one part of it.

    On success it redirects back to the visit (or, for htmx, returns the
    section re-rendered); on bad input it shows the visit page again with the
    form's errors beside its fields and status 400, having saved nothing.
    """

    http_method_names = ["post"]
    section_template = ""

    def get_visit(self, pk: int) -> Visit:
        return get_object_or_404(selectors.visit_detail(), pk=pk)

    def done(self, request: HttpRequest, visit: Visit, message: str) -> HttpResponse:
        if request.htmx and self.section_template:
            fresh = self.get_visit(visit.pk)
            context = visit_page_context(request, fresh, section_message=message)
            return render(request, self.section_template, context)
        messages.success(request, message)
        return redirect(visit)

    def refused(self, request: HttpRequest, visit: Visit, **bound_forms: Any) -> HttpResponse:
        context = visit_page_context(request, visit, **bound_forms)
        if request.htmx and self.section_template:
            # htmx swaps only successful responses: the errors travel as a 200.
            return render(request, self.section_template, context)
        return render(request, "delegations/visit_detail.html", context, status=400)


class VisitStatusView(VisitPartView):
    permission_required = "delegations.change_visit"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit(pk)
        form = forms.VisitStatusForm(request.POST, visit=visit)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.visit_change_status(
                        visit=visit,
                        to_status=form.cleaned_data["to_status"],
                        note=form.cleaned_data["note"],
                        by=request.user,
                        expected_version=form.cleaned_data["version"],
                    )
            except StaleEditError:
                visit = self.get_visit(pk)
                form = rebind_with_current_version(form, forms.VisitStatusForm, visit=visit)
                form.add_error(
                    None,
                    "Someone else changed this visit after you opened it. "
                    "Its status is now as shown; choose the new status again.",
                )
            except services.VisitRuleBroken as refusal:
                form.add_error("to_status", str(refusal))
            else:
                return self.done(request, visit, f"{visit} is now {visit.get_status_display().lower()}.")
        return self.refused(request, visit, status_form=form)


class ParticipantAddView(VisitPartView):
    permission_required = "delegations.add_participant"
    section_template = "delegations/_participants.html"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit(pk)
        form = forms.ParticipantForm(request.POST, visit=visit)
        if form.is_valid():
            participant = form.save()
            return self.done(request, visit, f"{participant} was added to the participants.")
        return self.refused(request, visit, participant_form=form)


class ParticipantRemoveView(VisitPartView):
    permission_required = "delegations.delete_participant"
    section_template = "delegations/_participants.html"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        participant = get_object_or_404(Participant.objects.select_related("visit"), pk=pk)
        visit = participant.visit
        participant.delete()
        return self.done(request, visit, f"{participant} was removed from the participants.")


class MeetingAddView(VisitPartView):
    permission_required = "delegations.add_meeting"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit(pk)
        form = forms.MeetingForm(request.POST, visit=visit)
        if form.is_valid():
            meeting = form.save()
            return self.done(request, visit, f"The {meeting.__str__().lower()} was recorded.")
        return self.refused(request, visit, meeting_form=form)


class MeetingRemoveView(VisitPartView):
    permission_required = "delegations.delete_meeting"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = get_object_or_404(Meeting.objects.select_related("visit", "organisation"), pk=pk)
        meeting.delete()
        return self.done(request, meeting.visit, f"The {meeting.__str__().lower()} was removed.")


class CostItemAddView(VisitPartView):
    permission_required = "delegations.add_costitem"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit(pk)
        form = forms.CostItemForm(request.POST, visit=visit)
        if form.is_valid():
            item = form.save()
            return self.done(request, visit, f"{item} was added to the estimate.")
        return self.refused(request, visit, cost_item_form=form)


class CostItemRemoveView(VisitPartView):
    permission_required = "delegations.delete_costitem"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(CostItem.objects.select_related("visit"), pk=pk)
        item.delete()
        return self.done(request, item.visit, f"{item} was removed from the estimate.")


class EstimateAddView(VisitPartView):
    permission_required = "delegations.add_costitem"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit(pk)
        form = forms.QuickEstimateForm(request.POST, visit=visit)
        if form.is_valid():
            items = services.visit_add_estimate(visit=visit, estimate=form.estimate())
            return self.done(request, visit, f"{len(items)} cost items were added from the quick estimate.")
        return self.refused(request, visit, estimate_form=form)


class FollowUpAddView(VisitPartView):
    permission_required = "partners.add_action"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit(pk)
        form = forms.FollowUpForm(request.POST)
        if form.is_valid():
            action = services.visit_add_follow_up(visit=visit, action=form.save(commit=False))
            return self.done(request, visit, f"The follow-up “{action}” was added.")
        return self.refused(request, visit, follow_up_form=form)

    def has_permission(self) -> bool:
        return super().has_permission() and self.request.user.has_perm("delegations.add_visitfollowup")


# --- Gifts and hospitality -----------------------------------------------------------------


class GiftListView(RegisterListView):
    permission_required = "delegations.view_gift"
    filterset_class = filters.GiftFilter
    template_name = "delegations/gift_list.html"
    title = "Gifts and hospitality register"

    def get_queryset(self) -> Any:
        return selectors.gift_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["outstanding"] = list(selectors.outstanding_gifts()[:50])
        context["threshold"] = settings.GIFT_DECLARATION_THRESHOLD
        context["declaration_days"] = settings.GIFT_DECLARATION_DAYS
        return context


class GiftDetailView(RegisterDetailView):
    permission_required = "delegations.view_gift"
    template_name = "delegations/gift_detail.html"

    def get_queryset(self) -> Any:
        return selectors.gift_list()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [("Gifts and hospitality", reverse_lazy("delegations:gift-list")), (str(self.object), None)]


class GiftCreateView(RegisterCreateView):
    permission_required = "delegations.add_gift"
    form_class = forms.GiftForm
    title = "Record a gift or hospitality"
    breadcrumbs = [("Gifts and hospitality", reverse_lazy("delegations:gift-list")), ("Record", None)]
    success_message = "“{object}” was entered in the register."

    prefill_from_query = ("visit",)


class GiftUpdateView(ConcurrencySafeUpdateView):
    permission_required = "delegations.change_gift"
    model = Gift
    form_class = forms.GiftForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class GiftHistoryView(HistoryView):
    permission_required = "delegations.view_gift"
    model = Gift


urlpatterns = [
    path("visits/", VisitListView.as_view(), name="visit-list"),
    path("visits/new/", VisitCreateView.as_view(), name="visit-create"),
    path("visits/<int:pk>/", VisitDetailView.as_view(), name="visit-detail"),
    path("visits/<int:pk>/edit/", VisitUpdateView.as_view(), name="visit-update"),
    path("visits/<int:pk>/history/", VisitHistoryView.as_view(), name="visit-history"),
    path("visits/<int:pk>/status/", VisitStatusView.as_view(), name="visit-status"),
    path("visits/<int:pk>/participants/", ParticipantAddView.as_view(), name="participant-add"),
    path("participants/<int:pk>/remove/", ParticipantRemoveView.as_view(), name="participant-remove"),
    path("visits/<int:pk>/meetings/", MeetingAddView.as_view(), name="meeting-add"),
    path("meetings/<int:pk>/remove/", MeetingRemoveView.as_view(), name="meeting-remove"),
    path("visits/<int:pk>/costs/", CostItemAddView.as_view(), name="cost-item-add"),
    path("costs/<int:pk>/remove/", CostItemRemoveView.as_view(), name="cost-item-remove"),
    path("visits/<int:pk>/estimate/", EstimateAddView.as_view(), name="estimate-add"),
    path("visits/<int:pk>/follow-ups/", FollowUpAddView.as_view(), name="follow-up-add"),
    path("gifts/", GiftListView.as_view(), name="gift-list"),
    path("gifts/new/", GiftCreateView.as_view(), name="gift-create"),
    path("gifts/<int:pk>/", GiftDetailView.as_view(), name="gift-detail"),
    path("gifts/<int:pk>/edit/", GiftUpdateView.as_view(), name="gift-update"),
    path("gifts/<int:pk>/history/", GiftHistoryView.as_view(), name="gift-history"),
]
