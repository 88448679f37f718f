"""The per-user iCalendar feed of visits, behind a secret address the user can replace."""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse

from core import roles
from delegations.models import CalendarFeed
from tests.factories import CostItemFactory, OrganisationFactory, ParticipantFactory, VisitFactory
from tests.support.queries import assert_queries_do_not_grow

CALENDAR = "/delegations/calendar/"


def feed_path(user: Any) -> str:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return reverse("delegations:calendar-feed", args=[feed.token])


def events_of(response: Any) -> dict[str, Any]:
    """The feed's events by UID."""
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# --- The page ---------------------------------------------------------------------


def test_the_page_shows_the_address_to_subscribe_to(officer_client: Client, officer: Any) -> None:
    assert reverse("delegations:calendar") == CALENDAR
    response = officer_client.get(CALENDAR)

    assert response.status_code == 200
    page = response.content.decode()
    feed = CalendarFeed.objects.get(user=officer)
    address = f"http://testserver/delegations/calendar/{feed.token}.ics"
    assert f'value="{address}"' in page
    assert "<h1>Your calendar feed</h1>" in page
    assert '<label for="feed-url"' in page
    assert 'id="feed-url"' in page and "readonly" in page
    assert "Subscribe from web" in page and "From URL" in page
    assert "Anyone who has it can see the titles, dates and places of the visits" in page
    assert "Create a new address" in page


def test_the_page_keeps_the_same_address_between_visits(officer_client: Client, officer: Any) -> None:
    officer_client.get(CALENDAR)
    token = CalendarFeed.objects.get(user=officer).token
    officer_client.get(CALENDAR)
    assert CalendarFeed.objects.filter(user=officer).count() == 1
    assert CalendarFeed.objects.get(user=officer).token == token


def test_each_user_has_an_address_of_their_own(officer_client: Client, finance_client: Client) -> None:
    officer_page = officer_client.get(CALENDAR).content.decode()
    finance_page = finance_client.get(CALENDAR).content.decode()
    tokens = list(CalendarFeed.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 2
    assert (tokens[0] in officer_page) != (tokens[0] in finance_page)


def test_outsider_gets_no_address(outsider_client: Client, outsider: Any) -> None:
    assert outsider_client.get(CALENDAR).status_code == 403
    assert outsider_client.post(reverse("delegations:calendar-regenerate")).status_code == 403
    assert not CalendarFeed.objects.filter(user=outsider).exists()


# --- The feed ---------------------------------------------------------------------


def test_feed_holds_each_dated_visit_as_all_day_events(
    officer: Any, leader_client: Client, leader: Any, xian: Any
) -> None:
    rolls_royce = OrganisationFactory(name="Rolls-Royce")
    trade = VisitFactory(
        relationship=xian,
        title="Trade mission to Xi'an",
        starts_on=datetime.date(2016, 3, 14),
        ends_on=datetime.date(2016, 3, 18),
        status="confirmed",
        lead_officer=officer,
        funder="company",
        funder_organisation=rolls_royce,
    )
    one_day = VisitFactory(
        relationship=xian,
        direction="inbound",
        purpose="civic",
        title="Xi'an delegation visits Derby",
        starts_on=datetime.date(2016, 5, 2),
        ends_on=None,
        status="completed",
        location="The Council House, Derby",
    )
    approximate = VisitFactory(
        relationship=xian,
        title="Autumn follow-up",
        starts_on=datetime.date(2016, 10, 1),
        ends_on=datetime.date(2016, 10, 31),
        dates_are_approximate=True,
    )
    undated = VisitFactory(relationship=xian, title="Some day, perhaps", starts_on=None, ends_on=None)
    cancelled = VisitFactory(
        relationship=xian,
        title="Called off",
        starts_on=datetime.date(2016, 6, 1),
        ends_on=datetime.date(2016, 6, 3),
        status="cancelled",
    )

    response = Client().get(feed_path(leader))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="twinning-visits.ics"'
    assert "no-store" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID")
    assert str(calendar["X-WR-CALNAME"]) == f"Twinning visits – {settings.COUNCIL_NAME}"

    events = events_of(response)
    assert set(events) == {f"visit-{v.pk}@twinning" for v in (trade, one_day, approximate)}
    assert f"visit-{undated.pk}@twinning" not in events
    assert f"visit-{cancelled.pk}@twinning" not in events

    event = events[f"visit-{trade.pk}@twinning"]
    assert str(event["SUMMARY"]) == "Trade mission to Xi'an"
    # All day: plain dates, and the end is the day after the last day.
    assert event.decoded("DTSTART") == datetime.date(2016, 3, 14)
    assert event.decoded("DTEND") == datetime.date(2016, 3, 19)
    assert not isinstance(event.decoded("DTSTART"), datetime.datetime)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Xi'an (西安市)"
    description = str(event["DESCRIPTION"])
    for words in (
        "Outbound (from us)",
        "Trade",
        "Confirmed",
        "Xi'an (西安市), China",
        "Lead officer: Olivia Officer",
        "Who pays: A company (Rolls-Royce)",
    ):
        assert words in description
    assert isinstance(event.decoded("LAST-MODIFIED"), datetime.datetime)
    assert isinstance(event.decoded("DTSTAMP"), datetime.datetime)
    try:
        visit_url = f"http://testserver{reverse('delegations:visit-detail', args=[trade.pk])}"
    except NoReverseMatch:
        assert "URL" not in event
    else:
        assert str(event["URL"]) == visit_url

    event = events[f"visit-{one_day.pk}@twinning"]
    assert event.decoded("DTSTART") == datetime.date(2016, 5, 2)
    assert event.decoded("DTEND") == datetime.date(2016, 5, 3)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "The Council House, Derby"
    assert "Inbound (to us)" in str(event["DESCRIPTION"])

    event = events[f"visit-{approximate.pk}@twinning"]
    assert str(event["SUMMARY"]) == "(approx.) Autumn follow-up"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert event.decoded("DTEND") == datetime.date(2016, 11, 1)


def test_regenerating_replaces_the_address_at_once(officer_client: Client, officer: Any) -> None:
    old = feed_path(officer)
    assert Client().get(old).status_code == 200

    response = officer_client.post(reverse("delegations:calendar-regenerate"), follow=True)

    assert response.redirect_chain == [(CALENDAR, 302)]
    new = feed_path(officer)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    page = response.content.decode()
    assert "Your calendar has a new address" in page
    assert f"http://testserver{new}" in page


def test_regenerating_takes_only_a_post(officer_client: Client, officer: Any) -> None:
    old = feed_path(officer)
    assert officer_client.get(reverse("delegations:calendar-regenerate")).status_code == 405
    assert feed_path(officer) == old


def test_an_unknown_address_is_not_found(officer: Any) -> None:
    feed_path(officer)
    assert Client().get("/delegations/calendar/not-a-real-token.ics").status_code == 404


def test_a_user_who_lost_their_role_gets_nothing(leader: Any, xian: Any) -> None:
    VisitFactory(relationship=xian, title="Trade mission to Xi'an")
    path = feed_path(leader)
    assert Client().get(path).status_code == 200

    leader.groups.remove(Group.objects.get(name=roles.LEADERS_OFFICE))

    response = Client().get(path)
    assert response.status_code == 404
    assert b"Trade mission" not in response.content


def test_a_user_who_has_left_gets_nothing(officer: Any, xian: Any) -> None:
    VisitFactory(relationship=xian, title="Trade mission to Xi'an")
    path = feed_path(officer)
    officer.is_active = False
    officer.save()

    response = Client().get(path)
    assert response.status_code == 404
    assert b"Trade mission" not in response.content


def test_a_calendar_client_needs_no_login(finance: Any) -> None:
    response = Client().get(feed_path(finance))
    assert response.status_code == 200
    assert b"BEGIN:VCALENDAR" in response.content


def _visits_with_people_and_costs(count: int, relationship: Any, lead: Any) -> None:
    for n in range(count):
        visit = VisitFactory(
            relationship=relationship,
            starts_on=datetime.date(2016, 1, 1) + datetime.timedelta(days=n),
            lead_officer=lead,
            funder_organisation=OrganisationFactory() if n % 2 else None,
        )
        ParticipantFactory(visit=visit)
        CostItemFactory(visit=visit)


def test_feed_queries_do_not_grow_with_visits(officer: Any, xian: Any) -> None:
    path = feed_path(officer)
    _visits_with_people_and_costs(3, xian, officer)
    assert len(events_of(Client().get(path))) == 3

    assert_queries_do_not_grow(Client(), path, lambda: _visits_with_people_and_costs(197, xian, officer))
    assert len(events_of(Client().get(path))) == 200
