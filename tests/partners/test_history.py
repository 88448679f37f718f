"""Every change kept, with a History tab: who, when, which fields from what to what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from partners.models import Place
from tests import factories as make
from tests.support.pages import Page


def edit(client: Client, record: Any, name: str, label: str, value: Any) -> None:
    """Changes one field through the record's edit page, as a person would."""
    url = reverse(f"partners:{name}-update", args=[record.pk])
    page = Page(client.get(url))
    data = page.form_values(label)
    data[page.control(label).attrs["name"]] = value
    response = client.post(url, data)
    assert response.status_code == 302, Page(response).errors_summary()


def history(client: Client, record: Any) -> Page:
    """The History tab, reached from the record's own page."""
    detail = Page(client.get(record.get_absolute_url()))
    response = client.get(detail.link("History"))
    assert response.status_code == 200
    return Page(response)


def changes(page: Page, entry: int = 0) -> list[tuple[str, ...]]:
    """Rows of one history entry's table (newest first): field, from, to."""
    item = entries(page)[entry]
    return [
        tuple(cell.text for cell in row.children if not isinstance(cell, str))
        for row in item.find_all("tbody")[0].find_all("tr")
    ]


def heading(page: Page, entry: int = 0) -> str:
    return entries(page)[entry].find_all("h2")[0].text


def entries(page: Page) -> list[Any]:
    """The history's entries: the items of the list in the page's main part."""
    (listing,) = page.root.find_all("main")[0].find_all("ol")
    return [item for item in listing.children if not isinstance(item, str)]


def test_place_name_change_shows_who_when_old_and_new(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")

    edit(officer_client, place, "place", "English name", "Toyota")

    page = history(officer_client, place)
    today = date_format(timezone.localdate(), "j F Y")
    assert heading(page).startswith(f"Changed by Olivia Officer on {today} at ")
    assert changes(page) == [("English name", "Toyota City", "Toyota")]
    assert heading(page, 1).startswith("Created by The system")
    assert page.root.find_all("h1")[0].text == "History of Toyota (豊田市)"


def test_record_created_through_a_form_names_its_author(officer_client: Client) -> None:
    response = officer_client.post(
        reverse("partners:place-create"),
        {"name": "Hefei", "local_name": "合肥市", "country": "China", "kind": "city"},
    )
    assert response.status_code == 302
    page = Page(officer_client.get(response["Location"] + "history/"))
    assert heading(page).startswith("Created by Olivia Officer")
    assert ("Name in local script", "合肥市") in changes(page)


def test_councils_added_to_a_relationship_show_in_its_history(officer_client: Client) -> None:
    derby = make.CouncilFactory(name="Derby City Council", is_home=True)
    county = make.CouncilFactory(name="Derbyshire County Council")
    relationship = make.RelationshipFactory()
    relationship.councils.set([derby])

    url = reverse("partners:relationship-update", args=[relationship.pk])
    data = Page(officer_client.get(url)).form_values("Narrative")
    response = officer_client.post(url, {**data, "councils": [derby.pk, county.pk]})
    assert response.status_code == 302

    page = history(officer_client, relationship)
    assert heading(page).startswith("Changed by Olivia Officer")
    assert (
        "Co-signing councils",
        "Derby City Council",
        "Derby City Council, Derbyshire County Council",
    ) in changes(page)


def test_foreign_key_change_shows_names_not_ids(officer_client: Client) -> None:
    cbbc = make.OrganisationFactory(name="CBBC")
    ukti = make.OrganisationFactory(name="UKTI")
    contact = make.ContactFactory(name="A. Smith", organisation=cbbc)

    edit(officer_client, contact, "contact", "Organisation", str(ukti.pk))

    assert changes(history(officer_client, contact)) == [("Organisation", "CBBC", "UKTI")]


def test_people_in_history_are_shown_by_name(officer_client: Client, officer: Any) -> None:
    action = make.ActionFactory(title="Discuss options with key local companies")

    edit(officer_client, action, "action", "Owner", str(officer.pk))

    assert changes(history(officer_client, action)) == [("Owner", "—", "Olivia Officer")]


def test_status_change_shows_in_the_relationship_history(officer_client: Client) -> None:
    relationship = make.RelationshipFactory(status="active")
    response = officer_client.post(
        reverse("partners:relationship-status", args=[relationship.pk]),
        {"to_status": "dormant", "version": relationship.version},
    )
    assert response.status_code == 302
    page = history(officer_client, relationship)
    assert heading(page).startswith("Changed by Olivia Officer")
    assert changes(page) == [("Status", "Active", "Dormant")]


EDITS: list[tuple[str, Callable[[], Any], str]] = [
    ("relationship", lambda: make.RelationshipFactory(narrative="Dormant since 2010."), "Narrative"),
    ("approach", lambda: make.ApproachFactory(request="Asks for a visit."), "What was asked"),
    ("organisation", lambda: make.OrganisationFactory(name="Rolls-Royce"), "Name"),
    ("contact", lambda: make.ContactFactory(job_title="Trade adviser"), "Job title"),
    ("action", lambda: make.ActionFactory(title="Call CBBC"), "Title"),
    ("exchange", lambda: make.ExchangeFactory(host="Derbyshire County Council"), "Host"),
]


@pytest.mark.parametrize(
    ("name", "make", "label"),
    EDITS,
    ids=[name for name, *_ in EDITS],
)
def test_every_record_keeps_its_changes(
    officer_client: Client, name: str, make: Callable[[], Any], label: str
) -> None:
    record = make()
    before = Page(officer_client.get(reverse(f"partners:{name}-update", args=[record.pk]))).value(label)

    edit(officer_client, record, name, label, "Changed by the officer")

    page = history(officer_client, record)
    assert heading(page).startswith("Changed by Olivia Officer")
    assert changes(page) == [(label, before, "Changed by the officer")]


def test_history_is_refused_to_the_outsider(outsider_client: Client) -> None:
    place = make.PlaceFactory(name="Toyota City")
    response = outsider_client.get(reverse("partners:place-history", args=[place.pk]))
    assert response.status_code == 403
    assert "Toyota City" not in response.content.decode()


def test_one_edit_is_one_history_entry_even_with_many_to_many_changes(officer_client: Client) -> None:
    derby = make.CouncilFactory(name="Derby City Council", is_home=True)
    county = make.CouncilFactory(name="Derbyshire County Council")
    relationship = make.RelationshipFactory(narrative="")
    relationship.councils.set([derby])
    saves_before = relationship.history.count()

    url = reverse("partners:relationship-update", args=[relationship.pk])
    data = Page(officer_client.get(url)).form_values("Narrative")
    response = officer_client.post(
        url, {**data, "councils": [county.pk], "narrative": "Co-signed with the county."}
    )
    assert response.status_code == 302

    assert relationship.history.count() == saves_before + 1
    page = history(officer_client, relationship)
    assert sorted(changes(page)) == [
        ("Co-signing councils", "Derby City Council", "Derbyshire County Council"),
        ("Narrative", "—", "Co-signed with the county."),
    ]


def test_a_place_added_with_its_sectors_is_one_entry_naming_them(officer_client: Client) -> None:
    aerospace = make.SectorFactory(name="Aerospace")
    rail = make.SectorFactory(name="Rail")
    response = officer_client.post(
        reverse("partners:place-create"),
        {
            "name": "Xi'an",
            "local_name": "西安市",
            "country": "China",
            "kind": "city",
            "sectors": [aerospace.pk, rail.pk],
        },
    )
    assert response.status_code == 302
    place = Place.objects.get(name="Xi'an")
    assert place.history.count() == 1
    page = history(officer_client, place)
    assert heading(page).startswith("Created by Olivia Officer")
    assert ("Sectors", "Aerospace, Rail") in changes(page)


def test_a_refused_stale_save_leaves_no_history(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Toyota City", country="Japan")
    url = reverse("partners:place-update", args=[place.pk])
    stale = Page(officer_client.get(url)).form_values("English name")
    assert officer_client.post(url, {**stale, "name": "Toyota"}).status_code == 302
    saves = place.history.count()

    assert officer_client.post(url, {**stale, "name": "Toyota-shi"}).status_code == 200

    assert place.history.count() == saves
