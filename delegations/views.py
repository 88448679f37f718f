"""Pages for visits, participants, meetings, costs, follow-ups and gifts."""

from __future__ import annotations

from datetime import date
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views import View

from core.forms import StatusChangeForm
from core.models import DocumentKind
from core.services import record_create, record_update
from core.tables import NONE, Column, badge, day, due, label_of, link, money, record_link, safe_format
from core.text import long_date
from core.versioning import StaleEditError
from core.views import (
    PartAddView,
    PartRemoveView,
    RecordPages,
    RecordSection,
    RoleRequired,
    StatusChangeView,
    typed_again,
)

from . import filters, forms, selectors, services
from .models import CostItem, Gift, Meeting, Participant, Visit


def people(visit: Visit) -> Any:
    if visit.participant_count:
        return visit.participant_count
    return f"{visit.party_size} expected" if visit.party_size else NONE


def awaiting_declaration(gift: Gift, today: date) -> SafeString:
    """A gift awaiting declaration as the gifts page lists it, written out here as the list's
    cells are (up to fifty on the page): "Tea set from Toyota City, £120.00 – declare by
    9 October 2015"."""
    return safe_format(
        "{} from {}, {} – {}",
        link(gift.get_absolute_url(), gift.description),
        gift.counterparty,
        money(gift.value),
        due(gift.declare_by, gift.is_declaration_overdue_on(today), "declare by "),
    )


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
    url_prefix = "visits"
    document_kinds = (
        DocumentKind.ITINERARY,
        DocumentKind.BRIEFING,
        DocumentKind.PHOTOGRAPH,
        DocumentKind.NOTES,
        DocumentKind.LETTER,
        DocumentKind.OTHER,
    )
    create_title = "Plan or record a visit"
    filterset_class = filters.VisitFilter
    form_class = forms.VisitForm
    empty_text = "No visits match."
    columns = (
        Column("Visit", lambda v: link(v.get_absolute_url(), v.title), sort="title"),
        Column("Place", lambda v: v.relationship.place.name, sort="place"),
        Column("Direction", label_of("direction"), sort="direction"),
        Column("Purpose", label_of("purpose")),
        Column("Dates", attrgetter("dates_text"), sort="starts"),
        Column("Status", label_of("status"), sort="status"),
        Column("Who pays", lambda v: selectors.who_pays_text(v)),
        Column("People", lambda v: people(v), numeric=True),
        Column(
            "Estimate",
            lambda v: money(total) if (total := selectors.visit_estimate(v).total) else NONE,
            numeric=True,
        ),
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
        Column("Given or received", label_of("direction")),
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
            "outstanding": [awaiting_declaration(gift, today) for gift in selectors.outstanding_gifts()[:50]],
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
    added = "The meeting with {part.organisation} was recorded."


class InTheEstimate:
    """A form on the visit's estimate: to htmx it answers with the estimate section again,
    the items and the totals together, and who pays (at the top of the page) out of band;
    without JavaScript, back to the visit page at the item (``anchor``)."""

    record_pages = visits
    section_template = "delegations/_estimate.html"
    anchor = "estimate"

    def section(self, request: HttpRequest, record: Any, **given: Any) -> HttpResponse | None:
        return super().section(request, record, oob=True, **given)  # type: ignore[misc]

    def done(self, request: HttpRequest, record: Any, message: str, *, refused: bool = False) -> HttpResponse:
        if (
            shown := self.section(request, record, section_message=message, section_refused=refused)
        ) is not None:
            return shown
        (messages.warning if refused else messages.success)(request, message)
        return redirect(f"{record.get_absolute_url()}#{self.anchor}")


class CostItemAddView(InTheEstimate, PartAddView):
    form_class = forms.CostItemForm

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        item = record_create(model=CostItem, values={**form.values(), "visit": record})
        self.anchor = f"cost-item-{item.pk}"
        return f"{item} was added to the estimate."


class EstimateAddView(InTheEstimate, PartAddView):
    permission_required = "delegations.add_costitem"
    form_class = forms.QuickEstimateForm
    form_name = "estimate_form"

    def add(self, request: HttpRequest, record: Visit, form: Any) -> str:
        items = services.visit_add_estimate(visit=record, estimate=form.estimate())
        return f"{len(items)} cost items were added from the quick estimate."


class CostItemChangeView(InTheEstimate, RecordSection, RoleRequired, View):
    """Changes one cost item in its row of the visit's estimate.

    The form carries the version its editor loaded: if a colleague saved the
    item in between, nothing is saved, the editor's typing stays in the form,
    and the form says who changed what; saving again is then their choice.
    """

    permission_required = "delegations.change_costitem"
    http_method_names = ["get", "post"]

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.item = get_object_or_404(CostItem, pk=kwargs["pk"])
        self.visit = visits.get_record(self.item.visit_id)
        self.anchor = f"cost-item-{self.item.pk}"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if "cancel" in request.GET and (shown := self.section(request, self.visit, focus_item=self.item.pk)):
            # Cancelled: the row as it was, focus back on its "Change" link, not lost to the page.
            return shown
        return self.editing(request, forms.CostItemForm(instance=self.item, visit=self.visit))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = forms.CostItemForm(request.POST, instance=self.item, visit=self.visit)
        if not form.is_valid():
            return self.editing(request, form, status=400)
        try:
            with transaction.atomic():
                item = record_update(
                    record=self.item, values=form.values(), expected_version=form.loaded_version
                )
        except StaleEditError:
            return self.editing(request, self.refreshed(request, form), status=400)
        return self.done(request, self.visit, f"{item} was changed.")

    def refreshed(self, request: HttpRequest, form: Any) -> Any:
        """The editor's typing again, against the item as a colleague left it, saying so."""
        current = CostItem.objects.get(pk=self.item.pk)
        return typed_again(
            request,
            current,
            form.loaded_version,
            lambda data: forms.CostItemForm(data, instance=current, visit=self.visit),
            version_field=form.add_prefix("version"),
        )

    def editing(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        """The estimate with the item's row as its form: the section for htmx (which swaps
        in only a success, so refused too it is a 200), else the visit's whole page."""
        given = {"editing": self.item.pk, "change_form": form}
        if (shown := self.section(request, self.visit, **given)) is not None:
            return shown
        return visits.detail_page(request, self.visit, status=status, **given)


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
    question = "Remove {part} from the visit's participants?"
    anchor = "participants"
    removed = "{part} was removed from the participants."

    def may_remove(self, part: Participant, record: Visit) -> None:
        services.participant_may_go(participant=part, visit=record)

    def remove(self, part: Participant) -> None:
        services.participant_remove(participant=part)


class MeetingRemoveView(PartRemoveView):
    part_model, record_pages = Meeting, visits
    anchor = "meetings"
    question = "Remove the meeting with {part.organisation}?"
    removed = "The meeting with {part.organisation} was removed."


class CostItemRemoveView(InTheEstimate, PartRemoveView):
    part_model = CostItem
    question = "Remove “{part}” from the estimate?"
    consequence = "The visit's estimated cost no longer counts it; spend recorded against it is kept, linked to no item."
    removed = "{part} was removed from the estimate."


urlpatterns = [
    *visits.urls(),
    path(
        "visits/<int:pk>/status/",
        StatusChangeView.as_view(record_pages=visits, move=services.visit_change_status, done=MOVED),
        name="visit-status",
    ),
    *visits.part_urls("participants", "participant", add=ParticipantAddView, remove=ParticipantRemoveView),
    *visits.part_urls("meetings", "meeting", add=MeetingAddView, remove=MeetingRemoveView),
    *visits.part_urls(
        "costs", "cost-item", add=CostItemAddView, change=CostItemChangeView, remove=CostItemRemoveView
    ),
    path("visits/<int:pk>/estimate/", EstimateAddView.as_view(), name="estimate-add"),
    path("visits/<int:pk>/follow-ups/", FollowUpAddView.as_view(), name="follow-up-add"),
    *gifts.urls(),
]
