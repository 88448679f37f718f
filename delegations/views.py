"""Pages for visits, participants, meetings, costs, follow-ups and gifts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path

from core.services import record_create
from core.views import PartAddView, PartRemoveView, RecordPages, StatusChangeView

from . import filters, forms, selectors, services
from .models import CostItem, Gift, Meeting, Participant, Visit


class VisitPages(RecordPages):
    model = Visit
    url_prefix = "visits"
    create_title = "Plan or record a visit"
    filterset_class = filters.VisitFilter
    form_class = forms.VisitForm
    prefill_from_query = ("relationship",)

    def list_queryset(self) -> QuerySet:
        return selectors.visit_list()

    def detail_queryset(self) -> QuerySet:
        return selectors.visit_detail()

    def detail_context(self, request: HttpRequest, record: Visit) -> dict[str, Any]:
        return {
            "estimate": selectors.visit_estimate(record),
            "status_form": forms.VisitStatusForm(record=record),
            "participant_form": forms.ParticipantForm(visit=record),
            "meeting_form": forms.MeetingForm(visit=record),
            "cost_item_form": forms.CostItemForm(visit=record),
            "estimate_form": forms.QuickEstimateForm(visit=record),
            "follow_up_form": forms.FollowUpForm(),
        }

    def create(self, request: HttpRequest, form: Any) -> Visit:
        return services.visit_create(values=form.values(), by=request.user)


class GiftPages(RecordPages):
    model = Gift
    url_prefix = "gifts"
    list_title = "Gifts and hospitality register"
    list_crumb = "Gifts and hospitality"
    create_title = "Record a gift or hospitality"
    create_crumb = "Record"
    created_message = "“{record}” was entered in the register."
    filterset_class = filters.GiftFilter
    form_class = forms.GiftForm
    prefill_from_query = ("visit",)

    def list_queryset(self) -> QuerySet:
        return selectors.gift_list()

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "outstanding": list(selectors.outstanding_gifts()[:50]),
            "threshold": settings.GIFT_DECLARATION_THRESHOLD,
            "declaration_days": settings.GIFT_DECLARATION_DAYS,
        }


visits = VisitPages()
gifts = GiftPages()


class VisitStatusView(StatusChangeView):
    permission_required = "delegations.change_visit"
    record_pages = visits
    form_class = forms.VisitStatusForm
    move = services.visit_change_status
    stale_message = (
        "Someone else changed this visit after you opened it. Its status is now as shown; "
        "choose the new status again."
    )


class VisitPartAddView(PartAddView):
    """A part added on the visit page: the form is made for the visit, the part saved with it."""

    record_pages = visits

    def form_kwargs(self, record: Visit) -> dict[str, Any]:
        return {"visit": record}

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        part = record_create(model=form._meta.model, values={**form.values(), "visit": record})
        return self.added_message(part)

    def added_message(self, part: Any) -> str:
        raise NotImplementedError


class ParticipantAddView(VisitPartAddView):
    permission_required = "delegations.add_participant"
    form_class = forms.ParticipantForm
    form_name = "participant_form"
    section_template = "delegations/_participants.html"

    def added_message(self, part: Participant) -> str:
        return f"{part} was added to the participants."


class MeetingAddView(VisitPartAddView):
    permission_required = "delegations.add_meeting"
    form_class = forms.MeetingForm
    form_name = "meeting_form"

    def added_message(self, part: Meeting) -> str:
        return f"The {str(part).lower()} was recorded."


class CostItemAddView(VisitPartAddView):
    permission_required = "delegations.add_costitem"
    form_class = forms.CostItemForm
    form_name = "cost_item_form"

    def added_message(self, part: CostItem) -> str:
        return f"{part} was added to the estimate."


class EstimateAddView(VisitPartAddView):
    permission_required = "delegations.add_costitem"
    form_class = forms.QuickEstimateForm
    form_name = "estimate_form"

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        items = services.visit_add_estimate(visit=record, estimate=form.estimate())
        return f"{len(items)} cost items were added from the quick estimate."


class FollowUpAddView(VisitPartAddView):
    permission_required = ("partners.add_action", "delegations.add_visitfollowup")
    form_class = forms.FollowUpForm
    form_name = "follow_up_form"

    def form_kwargs(self, record: Visit) -> dict[str, Any]:
        return {}

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        action = services.visit_add_follow_up(visit=record, values=form.values())
        return f"The follow-up “{action}” was added."


class VisitPartRemoveView(PartRemoveView):
    parent_field = "visit"
    record_pages = visits


class ParticipantRemoveView(VisitPartRemoveView):
    permission_required = "delegations.delete_participant"
    part_model = Participant
    section_template = "delegations/_participants.html"

    def remove(self, part: Participant) -> str:
        part.delete()
        return f"{part} was removed from the participants."


class MeetingRemoveView(VisitPartRemoveView):
    permission_required = "delegations.delete_meeting"
    part_model = Meeting

    def remove(self, part: Meeting) -> str:
        part.delete()
        return f"The {str(part).lower()} was removed."


class CostItemRemoveView(VisitPartRemoveView):
    permission_required = "delegations.delete_costitem"
    part_model = CostItem

    def remove(self, part: CostItem) -> str:
        part.delete()
        return f"{part} was removed from the estimate."


urlpatterns = [
    *visits.urls(),
    path("visits/<int:pk>/status/", VisitStatusView.as_view(), name="visit-status"),
    path("visits/<int:pk>/participants/", ParticipantAddView.as_view(), name="participant-add"),
    path("participants/<int:pk>/remove/", ParticipantRemoveView.as_view(), name="participant-remove"),
    path("visits/<int:pk>/meetings/", MeetingAddView.as_view(), name="meeting-add"),
    path("meetings/<int:pk>/remove/", MeetingRemoveView.as_view(), name="meeting-remove"),
    path("visits/<int:pk>/costs/", CostItemAddView.as_view(), name="cost-item-add"),
    path("costs/<int:pk>/remove/", CostItemRemoveView.as_view(), name="cost-item-remove"),
    path("visits/<int:pk>/estimate/", EstimateAddView.as_view(), name="estimate-add"),
    path("visits/<int:pk>/follow-ups/", FollowUpAddView.as_view(), name="follow-up-add"),
    *gifts.urls(),
]
