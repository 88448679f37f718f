"""The calendar feed and the overseas travel transparency export.

The calendar feed is read by calendar clients (Outlook, Google Calendar),
which cannot sign in: the secret token in its address is the only key, so the
user can replace it, and a replaced token stops working at once.

The transparency export answers the Freedom of Information question "what
overseas travel did the council pay for": one row per outbound visit.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.exports import spreadsheet_safe
from core.text import person_name
from core.views import Page, RoleRequired

from .models import CalendarFeed, Visit, VisitStatus, new_calendar_token
from .selectors import overseas_travel, visit_estimate, visit_list, who_pays_text, with_cost_items

VIEW_VISITS = "delegations.view_visit"

# --- The calendar feed --------------------------------------------------------------


class CalendarView(Page):
    """The user's calendar address, and how to subscribe to it."""

    permission_required = VIEW_VISITS
    template_name = "delegations/calendar.html"
    title = "Your calendar feed"

    breadcrumbs = [(title, None)]

    def context(self) -> dict[str, Any]:
        feed, _ = CalendarFeed.objects.get_or_create(user=self.request.user)
        feed_url = self.request.build_absolute_uri(reverse("delegations:calendar-feed", args=[feed.token]))
        return {"feed": feed, "feed_url": feed_url}


class CalendarRegenerateView(RoleRequired, View):
    """Replaces the user's calendar address; the old one stops working at once."""

    permission_required = VIEW_VISITS
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        feed, created = CalendarFeed.objects.get_or_create(user=request.user)
        if not created:
            feed.token = new_calendar_token()
            feed.save()
        messages.success(
            request,
            "Your calendar has a new address. The old address no longer works: "
            "subscribe again in your calendar with the address below.",
        )
        return redirect("delegations:calendar")


def _visit_url(request: HttpRequest, visit: Visit) -> str | None:
    try:
        return request.build_absolute_uri(reverse("delegations:visit-detail", args=[visit.pk]))
    except NoReverseMatch:  # the visit pages are not wired up in this installation
        return None


def _place_name(visit: Visit) -> str:
    place = visit.relationship.place
    if place.local_name and place.local_name != place.name:
        return f"{place.name} ({place.local_name})"
    return place.name


def _event_description(visit: Visit) -> str:
    lines = [
        f"Direction: {visit.get_direction_display()}",
        f"Purpose: {visit.get_purpose_display()}",
        f"Status: {visit.get_status_display()}",
        f"Place: {_place_name(visit)}, {visit.relationship.place.country}",
        f"Lead officer: {person_name(visit.lead_officer) if visit.lead_officer else 'Not assigned'}",
        f"Who pays: {who_pays_text(visit)}",
    ]
    if visit.dates_are_approximate:
        lines.append("The dates are approximate.")
    return "\n".join(lines)


CALENDAR_STATUS = {
    VisitStatus.PROPOSED: "TENTATIVE",
    VisitStatus.CONFIRMED: "CONFIRMED",
    VisitStatus.COMPLETED: "CONFIRMED",
}


def calendar_visits() -> QuerySet[Visit]:
    """Dated visits that are going ahead, each with when it last changed; one query."""
    last_changed = (
        Visit.history.filter(id=OuterRef("pk")).order_by("-history_date").values("history_date")[:1]
    )
    return with_cost_items(
        visit_list()
        .filter(starts_on__isnull=False)
        .exclude(status=VisitStatus.CANCELLED)
        .annotate(last_changed=Subquery(last_changed))
    )


def build_calendar(visits: QuerySet[Visit], request: HttpRequest) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.COUNCIL_NAME}//Twinning//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Twinning visits – {settings.COUNCIL_NAME}")
    now = timezone.now()
    for visit in visits:
        event = icalendar.Event()
        event.add("uid", f"visit-{visit.pk}@twinning")
        prefix = "(approx.) " if visit.dates_are_approximate else ""
        event.add("summary", f"{prefix}{visit.title}")
        # All-day events: DTEND is the day after the last day (RFC 5545 3.6.1).
        event.add("dtstart", visit.starts_on)
        last_day = visit.ends_on or visit.starts_on
        # An all-day event ends the day after; the last representable day has no day after.
        event.add("dtend", last_day + timedelta(days=1) if last_day < date.max else last_day)
        event.add("location", visit.location or _place_name(visit))
        event.add("description", _event_description(visit))
        event.add("status", CALENDAR_STATUS.get(visit.status, "TENTATIVE"))
        url = _visit_url(request, visit)
        if url:
            event.add("url", url)
        changed: datetime = visit.last_changed or now
        event.add("last-modified", changed)
        event.add("dtstamp", changed)
        calendar.add_component(event)
    return calendar


@login_not_required
@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics a calendar client subscribes to; the token in the address is the key.

    404, showing nothing, for an unknown or replaced token and for a user who
    has left (inactive) or no longer holds a role that may see visits.
    """
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    user = feed.user
    if not user.is_active or not user.has_perm(VIEW_VISITS):
        raise Http404("No calendar at this address.")
    calendar = build_calendar(calendar_visits(), request)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, "twinning-visits.ics")
    return response


# --- The transparency export ----------------------------------------------------------

OVERSEAS_TRAVEL_COLUMNS = (
    "Visit",
    "Destination",
    "Local name",
    "Start date",
    "End date",
    "Dates approximate",
    "Nights",
    "Number travelling",
    "Purpose",
    "Status",
    "Who paid",
    "Estimated cost (GBP)",
    "Estimated cost to the council (GBP)",
    "Actual cost (GBP)",
)


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _number_travelling(visit: Visit) -> int | str:
    if visit.participant_count:
        return visit.participant_count
    return visit.party_size or ""


def overseas_travel_row(visit: Visit) -> list[Any]:
    """One visit as the export shows it; the visit's cost items must be prefetched."""
    place = visit.relationship.place
    estimate = visit_estimate(visit)
    text = [
        visit.title,
        f"{place.name}, {place.country}",
        place.local_name,
    ]
    return [
        *(spreadsheet_safe(cell) for cell in text),
        visit.starts_on.isoformat() if visit.starts_on else "",
        visit.ends_on.isoformat() if visit.ends_on else "",
        "Yes" if visit.dates_are_approximate else "No",
        "" if visit.nights is None else visit.nights,
        _number_travelling(visit),
        spreadsheet_safe(visit.get_purpose_display()),
        spreadsheet_safe(visit.get_status_display()),
        spreadsheet_safe(who_pays_text(visit, estimate)),
        _money(estimate.total),
        _money(estimate.council_cost),
        _money(visit.actual_cost),
    ]


class _Echo:
    """csv.writer writes to this and gets each line back."""

    def write(self, value: str) -> str:
        return value


class OverseasTravelCsvView(RoleRequired, View):
    """CSV of overseas travel for Freedom of Information answers and transparency pages."""

    permission_required = VIEW_VISITS

    def get(self, request: HttpRequest) -> HttpResponse:
        # The estimate is summed in Decimal from the cost items themselves, as
        # the visit page does: an aggregate over the participants join as well
        # would count each cost once per participant.
        visits = with_cost_items(overseas_travel())
        writer = csv.writer(_Echo(), lineterminator="\r\n")
        lines = [writer.writerow(OVERSEAS_TRAVEL_COLUMNS)]
        lines.extend(writer.writerow(overseas_travel_row(visit)) for visit in visits)
        # The byte order mark makes Excel read UTF-8 (Chinese and Japanese place names).
        body = "\ufeff" + "".join(lines)
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        filename = f"overseas-travel-{timezone.localdate().isoformat()}.csv"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


urlpatterns: list = [
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("calendar/new-address/", CalendarRegenerateView.as_view(), name="calendar-regenerate"),
    path("calendar/<slug:token>.ics", calendar_feed, name="calendar-feed"),
    path("visits/overseas-travel.csv", OverseasTravelCsvView.as_view(), name="overseas-travel-csv"),
]
