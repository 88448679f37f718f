"""Pages for visits, participants, meetings, costs, follow-ups and gifts."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from core.forms import StatusChangeForm
from core.tables import NONE, Column, badge, day, due, link, money, record_link
from core.text import long_date
from core.views import PartAddView, PartRemoveView, RecordPages, StatusChangeView

from . import filters, forms, selectors, services
from .models import CostItem, Gift, Meeting, Participant, Visit


def people(visit: Visit) -> Any:
    if visit.participant_count:
        return visit.participant_count
    return f"{visit.party_size} expected" if visit.party_size else NONE


def described(gift: Gift) -> Any:
    if gift.was_refused:
        return format_html(
            "{} {}", link(gift.get_absolute_url(), gift.description), badge("text-bg-secondary", "Refused")
        )
    return link(gift.get_absolute_url(), gift.description)


def declaration(gift: Gift) -> Any:
    """Whether a gift had to be declared, and whether it was, in time."""
    if not gift.needs_declaration:
        return "Not needed"
    if gift.declared_on:
        return f"Declared {long_date(gift.declared_on)}"
    return due(gift.declare_by, gift.is_declaration_overdue, "Due by ")


MOVED = "{record} is now {status_lower}."


class VisitPages(RecordPages):
    model = Visit
    url_prefix = "visits"
    create_title = "Plan or record a visit"
    filterset_class = filters.VisitFilter
    form_class = forms.VisitForm
    empty_text = "No visits match."
    columns = (
        Column("Visit", lambda v: link(v.get_absolute_url(), v.title), sort="title"),
        Column("Place", lambda v: v.relationship.place.name, sort="place"),
        Column("Direction", lambda v: v.get_direction_display(), sort="direction"),
        Column("Purpose", lambda v: v.get_purpose_display()),
        Column("Dates", attrgetter("dates_text"), sort="starts"),
        Column("Status", lambda v: v.get_status_display(), sort="status"),
        Column("Who pays", lambda v: selectors.who_pays_text(v)),
        Column("People", lambda v: people(v), numeric=True),
        Column("Estimate", lambda v: money(v.estimate) if v.estimate else NONE, numeric=True),
    )
    prefill_from_query = ("relationship",)
    list_selector = selectors.visit_list_page
    detail_selector = selectors.visit_detail

    def detail_context(self, request: HttpRequest, record: Visit) -> dict[str, Any]:
        estimate = selectors.visit_estimate(record)
        return {
            "estimate": estimate,
            "who_pays": selectors.who_pays(record, estimate),
            "status_form": StatusChangeForm(record=record),
            "participant_form": forms.ParticipantForm(visit=record),
            "meeting_form": forms.MeetingForm(visit=record),
            "costitem_form": forms.CostItemForm(visit=record),
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
    columns = (
        Column("Date", lambda g: day(g.on), sort="date"),
        Column("Description", lambda g: described(g), sort="description"),
        Column("Given or received", lambda g: g.get_direction_display()),
        Column("From or to", attrgetter("counterparty")),
        Column("Value", lambda g: money(g.value), sort="value", numeric=True),
        Column("Visit", lambda g: record_link(g.visit)),
        Column("Declaration", lambda g: declaration(g)),
    )
    prefill_from_query = ("visit",)
    list_selector = selectors.gift_list

    def detail_context(self, request: HttpRequest, record: Gift) -> dict[str, Any]:
        return {"declaration": declaration(record)}

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "outstanding": [
                (gift, gift.is_declaration_overdue_on(today)) for gift in selectors.outstanding_gifts()[:50]
            ],
            "threshold": settings.GIFT_DECLARATION_THRESHOLD,
            "declaration_days": settings.GIFT_DECLARATION_DAYS,
        }


visits = VisitPages()
gifts = GiftPages()


class ParticipantAddView(PartAddView):
    record_pages = visits
    form_class = forms.ParticipantForm
    section_template = "delegations/_participants.html"
    added = "{part} was added to the participants."


class MeetingAddView(PartAddView):
    record_pages = visits
    form_class = forms.MeetingForm
    added = "The {part_lower} was recorded."


class CostItemAddView(PartAddView):
    record_pages = visits
    form_class = forms.CostItemForm
    added = "{part} was added to the estimate."


class EstimateAddView(PartAddView):
    permission_required = "delegations.add_costitem"
    record_pages = visits
    form_class = forms.QuickEstimateForm
    form_name = "estimate_form"

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        items = services.visit_add_estimate(visit=record, estimate=form.estimate())
        return f"{len(items)} cost items were added from the quick estimate."


class FollowUpAddView(PartAddView):
    """A follow-up action is made under the visit's relationship and linked to the visit."""

    permission_required = ("partners.add_action", "delegations.add_visitfollowup")
    record_pages = visits
    form_class = forms.FollowUpForm
    form_name = "follow_up_form"

    def form_kwargs(self, record: Visit) -> dict[str, Any]:
        return {}

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        action = services.visit_add_follow_up(visit=record, values=form.values())
        return f"The follow-up “{action}” was added."


class ParticipantRemoveView(PartRemoveView):
    part_model, record_pages = Participant, visits
    section_template = "delegations/_participants.html"
    removed = "{part} was removed from the participants."


class MeetingRemoveView(PartRemoveView):
    part_model, record_pages = Meeting, visits
    removed = "The {part_lower} was removed."


class CostItemRemoveView(PartRemoveView):
    part_model, record_pages = CostItem, visits
    removed = "{part} was removed from the estimate."


urlpatterns = [
    *visits.urls(),
    path(
        "visits/<int:pk>/status/",
        StatusChangeView.as_view(record_pages=visits, move=services.visit_change_status, done=MOVED),
        name="visit-status",
    ),
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
