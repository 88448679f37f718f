"""Bad input on every form: a clear message beside the field, and nothing saved.

Each test posts what an officer might get wrong, then checks the page as
they would see it (the error under the field with that label, the field
marked invalid) and that no row of the register, nor of its history, was
written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import (
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    RelationshipStatusChange,
)
from tests import factories as make
from tests.support.database import unchanged
from tests.support.pages import REQUIRED, Page, refused


def post_form(client: Client, url: str, data: dict[str, Any], *, status: int = 200) -> Page:
    return refused(client.post(url, data), status)


# --- Places --------------------------------------------------------------------------


def test_place_without_name_or_country(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:place-create"), {"kind": "city"})
    assert page.field_error("English name") == REQUIRED
    assert page.field_error("Country") == REQUIRED


def test_place_name_over_the_limit(officer_client: Client) -> None:
    long_name = "X" * 121
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:place-create"),
            {"name": long_name, "country": "China", "kind": "city"},
        )
    assert page.field_error("English name") == "Ensure this value has at most 120 characters (it has 121)."
    assert page.value("English name") == long_name, "What was typed is lost"


def test_place_name_at_the_limit_is_accepted(officer_client: Client) -> None:
    response = officer_client.post(
        reverse("partners:place-create"), {"name": "X" * 120, "country": "China", "kind": "city"}
    )
    assert response.status_code == 302
    assert Place.objects.filter(name="X" * 120).exists()


def test_duplicate_place_differing_only_in_case(officer_client: Client) -> None:
    make.PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:place-create"),
            {"name": "XI'AN", "country": "china", "kind": "city"},
        )
    assert "already in the register" in page.field_error("English name")


def test_same_place_name_in_another_country_is_a_different_place(officer_client: Client) -> None:
    make.PlaceFactory(name="Newport", country="United Kingdom")
    response = officer_client.post(
        reverse("partners:place-create"), {"name": "Newport", "country": "United States", "kind": "city"}
    )
    assert response.status_code == 302
    assert Place.objects.filter(name="Newport").count() == 2


def test_renaming_a_place_to_a_duplicate_saves_nothing(officer_client: Client) -> None:
    make.PlaceFactory(name="Hefei", country="China")
    place = make.PlaceFactory(name="Zhejiang", country="China")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:place-update", args=[place.pk]),
            {"name": "hefei", "country": "China", "kind": "province", "version": place.version},
        )
    assert "already in the register" in page.text
    place.refresh_from_db()
    assert (place.name, place.version) == ("Zhejiang", 1)


def test_editing_a_place_with_its_name_cleared(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Osnabrück", country="Germany")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:place-update", args=[place.pk]),
            {"name": "", "country": "Germany", "kind": "city", "version": place.version},
        )
    assert page.field_error("English name") == REQUIRED
    place.refresh_from_db()
    assert place.name == "Osnabrück"


# --- Approaches ----------------------------------------------------------------------

APPROACH = {
    "new_place_kind": "city",
    "relationship_kind": "economic",
    "received_on": "2015-06-01",
    "request": "Asks for an economic link.",
}


def test_approach_with_neither_a_place_nor_a_new_one(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:approach-create"), APPROACH)
    assert page.field_error("Place") == (
        "Choose the place the approach came from, or name a new place below."
    )


def test_approach_with_both_a_place_and_a_new_one(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Xi'an", country="China")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:approach-create"),
            {**APPROACH, "place": place.pk, "new_place_name": "Hefei", "new_place_country": "China"},
        )
    assert page.field_error("English name") == (
        "Either choose a place from the list or name a new one, not both."
    )
    assert page.value("English name") == "Hefei"


def test_approach_from_a_new_place_already_in_the_register(officer_client: Client) -> None:
    make.PlaceFactory(name="Hefei", local_name="合肥市", country="China")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:approach-create"),
            {**APPROACH, "new_place_name": "HEFEI", "new_place_country": "China"},
        )
    error = page.field_error("English name")
    assert "already in the register" in error
    assert "Hefei" in error


def test_approach_from_a_new_place_without_a_country(officer_client: Client) -> None:
    with unchanged():
        page = post_form(
            officer_client, reverse("partners:approach-create"), {**APPROACH, "new_place_name": "Hefei"}
        )
    assert page.field_error("Country") == "Give the new place's country."


def test_approach_without_saying_what_was_asked(officer_client: Client) -> None:
    place = make.PlaceFactory()
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:approach-create"),
            {**APPROACH, "place": place.pk, "request": ""},
        )
    assert page.field_error("What was asked") == REQUIRED


def test_approach_respond_by_before_received(officer_client: Client) -> None:
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:approach-create"),
            {
                **APPROACH,
                "new_place_name": "Hefei",
                "new_place_local_name": "合肥市",
                "new_place_country": "China",
                "received_on": "2015-09-09",
                "respond_by": "2015-09-01",
            },
        )
    assert page.field_error("Respond by") == "The respond-by date cannot be before the date received."
    assert not Place.objects.filter(name="Hefei").exists()


def test_editing_an_approach_respond_by_before_received(officer_client: Client) -> None:
    approach = make.ApproachFactory(received_on=date(2015, 9, 9))
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:approach-update", args=[approach.pk]),
            {
                "received_on": "2015-09-09",
                "respond_by": "2015-08-31",
                "request": approach.request,
                "outcome": "pending",
                "version": approach.version,
            },
        )
    assert page.field_error("Respond by") == "The respond-by date cannot be before the date received."
    approach.refresh_from_db()
    assert approach.respond_by is None


def test_approach_through_a_contact_of_another_organisation(officer_client: Client) -> None:
    place = make.PlaceFactory()
    consulate = make.OrganisationFactory(name="British Consulate-General Shanghai")
    contact = make.ContactFactory(organisation=make.OrganisationFactory(name="CBBC"))
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:approach-create"),
            {**APPROACH, "place": place.pk, "via_organisation": consulate.pk, "via_contact": contact.pk},
        )
    assert page.field_error("Through contact") == "This contact works for a different organisation."


# --- Relationships -------------------------------------------------------------------


def test_relationship_without_place_or_kind(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:relationship-create"), {"status": "exploring"})
    assert page.field_error("Place") == REQUIRED
    assert page.field_error("Kind") == REQUIRED


def test_second_open_relationship_of_the_same_kind(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Toyota City", country="Japan")
    make.RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC, status=RelationshipStatus.ACTIVE)
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:relationship-create"),
            {"place": place.pk, "kind": "economic", "status": "exploring"},
        )
    message = "This place already has a relationship of this kind that has not ended."
    assert message in page.text
    beside = [label for label in ("Place", "Kind") if label in page.invalid_fields()]
    assert beside, f"The message is not shown beside the place or the kind: {page.errors_summary()}"
    assert message in page.field_error(beside[0])


def test_changing_a_relationship_s_kind_to_one_already_open(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Toyota City", country="Japan")
    make.RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC, status=RelationshipStatus.ACTIVE)
    civic = make.RelationshipFactory(
        place=place, kind=RelationshipKind.CIVIC, status=RelationshipStatus.ACTIVE
    )
    url = reverse("partners:relationship-update", args=[civic.pk])
    data = Page(officer_client.get(url)).form_values("Narrative")
    with unchanged():
        page = post_form(officer_client, url, {**data, "kind": "economic"})
    assert (
        page.field_error("Kind") == "This place already has a relationship of this kind that has not ended."
    )
    civic.refresh_from_db()
    assert civic.kind == RelationshipKind.CIVIC


def test_a_new_relationship_may_follow_an_ended_one(officer_client: Client) -> None:
    place = make.PlaceFactory()
    make.RelationshipFactory(place=place, kind=RelationshipKind.CIVIC, status=RelationshipStatus.ENDED)
    response = officer_client.post(
        reverse("partners:relationship-create"), {"place": place.pk, "kind": "civic", "status": "exploring"}
    )
    assert response.status_code == 302
    assert Relationship.objects.filter(place=place, kind="civic").count() == 2


def test_relationship_established_in_an_implausible_year(officer_client: Client) -> None:
    place = make.PlaceFactory()
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:relationship-create"),
            {"place": place.pk, "kind": "civic", "status": "active", "established_year": "1066"},
        )
    assert page.field_error("Year established") == "The year established must be between 1900 and 2100."


# --- Status changes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "to_status",
    [RelationshipStatus.APPROACH_RECEIVED, RelationshipStatus.ACTIVE, "bogus", ""],
    ids=["active to approach received", "active to active", "unknown status", "no status"],
)
def test_status_change_not_allowed(officer_client: Client, to_status: str) -> None:
    relationship = make.RelationshipFactory(status=RelationshipStatus.ACTIVE)
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:relationship-status", args=[relationship.pk]),
            {"to_status": to_status, "version": relationship.version},
            status=400,
        )
    error = page.field_error("New status")
    assert error
    if to_status in RelationshipStatus.values:
        # A known but disallowed status is refused in the council's words, not as a raw value.
        label = RelationshipStatus(to_status).label
        assert error == f"A relationship cannot move from Active to {label}.", error
    elif to_status:
        assert to_status in error, error
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.status_changes.count() == 1


def test_status_change_from_ended_is_refused(officer_client: Client) -> None:
    relationship = make.RelationshipFactory(status=RelationshipStatus.ENDED)
    with unchanged():
        response = officer_client.post(
            reverse("partners:relationship-status", args=[relationship.pk]),
            {"to_status": RelationshipStatus.ACTIVE, "version": relationship.version},
        )
    assert response.status_code == 400
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ENDED
    assert not RelationshipStatusChange.objects.filter(relationship=relationship, to_status="active").exists()


def test_status_change_reason_over_the_limit(officer_client: Client) -> None:
    relationship = make.RelationshipFactory(status=RelationshipStatus.ACTIVE)
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:relationship-status", args=[relationship.pk]),
            {"to_status": "dormant", "note": "n" * 2001, "version": relationship.version},
            status=400,
        )
    assert page.field_error("Reason for the change") == (
        "Ensure this value has at most 2000 characters (it has 2001)."
    )


# --- Stakeholders --------------------------------------------------------------------


def test_stakeholder_without_organisation_or_role(officer_client: Client) -> None:
    relationship = make.RelationshipFactory()
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:stakeholder-create", args=[relationship.pk]),
            {},
            status=400,
        )
    assert page.field_error("Organisation") == REQUIRED
    assert page.field_error("Role") == REQUIRED


def test_stakeholder_linked_twice(officer_client: Client) -> None:
    relationship = make.RelationshipFactory()
    organisation = make.OrganisationFactory(name="Rolls-Royce")
    first = officer_client.post(
        reverse("partners:stakeholder-create", args=[relationship.pk]),
        {"organisation": organisation.pk, "role": "Joint venture with Xi'an Aerospace"},
    )
    assert first.status_code == 302
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:stakeholder-create", args=[relationship.pk]),
            {"organisation": organisation.pk, "role": "Again"},
            status=400,
        )
    assert "This organisation is already linked to this relationship." in page.text


# --- Organisations, contacts, actions, exchanges -------------------------------------


def test_organisation_without_name_or_kind(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:organisation-create"), {})
    assert page.field_error("Name") == REQUIRED
    assert page.field_error("Kind") == REQUIRED


def test_organisation_name_taken_in_another_case(officer_client: Client) -> None:
    make.OrganisationFactory(name="Rolls-Royce")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:organisation-create"),
            {"name": "ROLLS-ROYCE", "kind": "company"},
        )
    assert "An organisation with this name is already in the register." in page.field_error("Name")


def test_organisation_name_over_the_limit(officer_client: Client) -> None:
    with unchanged():
        page = post_form(
            officer_client, reverse("partners:organisation-create"), {"name": "R" * 151, "kind": "company"}
        )
    assert page.field_error("Name") == "Ensure this value has at most 150 characters (it has 151)."


def test_contact_with_neither_name_nor_job_title(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:contact-create"), {"email": "someone@fco.example"})
    assert page.field_error("Name") == "Give the contact's name, their job title, or both."
    assert page.value("Email") == "someone@fco.example"


def test_contact_with_a_malformed_email(officer_client: Client) -> None:
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:contact-create"),
            {"name": "A. Smith", "email": "not-an-address"},
        )
    assert page.field_error("Email") == "Enter a valid email address."


def test_action_without_title(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:action-create"), {"status": "open"})
    assert page.field_error("Title") == REQUIRED


def test_action_with_an_unknown_status(officer_client: Client) -> None:
    with unchanged():
        page = post_form(
            officer_client, reverse("partners:action-create"), {"title": "Call", "status": "bogus"}
        )
    assert "bogus is not one of the available choices" in page.field_error("Status")


def test_exchange_without_relationship_kind_or_title(officer_client: Client) -> None:
    with unchanged():
        page = post_form(officer_client, reverse("partners:exchange-create"), {})
    assert page.field_error("Relationship") == REQUIRED
    assert page.field_error("Kind") == REQUIRED
    assert page.field_error("Title") == REQUIRED


def test_exchange_ending_before_it_starts(officer_client: Client) -> None:
    relationship = make.RelationshipFactory()
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:exchange-create"),
            {
                "relationship": relationship.pk,
                "kind": "secondment",
                "title": "Senior Policy Officer placement",
                "starts_on": "2016-04-01",
                "ends_on": "2016-03-31",
            },
        )
    assert page.field_error("Ends") == "An exchange cannot end before it starts."
    assert page.value("Starts") == "2016-04-01"


def test_editing_an_exchange_to_end_before_it_starts(officer_client: Client) -> None:
    exchange = make.ExchangeFactory(starts_on=date(2016, 4, 1), ends_on=date(2017, 3, 31))
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:exchange-update", args=[exchange.pk]),
            {
                "relationship": exchange.relationship_id,
                "kind": exchange.kind,
                "title": exchange.title,
                "starts_on": "2016-04-01",
                "ends_on": "2015-04-01",
                "version": exchange.version,
            },
        )
    assert page.field_error("Ends") == "An exchange cannot end before it starts."
    exchange.refresh_from_db()
    assert exchange.ends_on == date(2017, 3, 31)


def test_edit_form_without_its_version_is_refused(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Osnabrück", country="Germany")
    with unchanged():
        page = post_form(
            officer_client,
            reverse("partners:place-update", args=[place.pk]),
            {"name": "Osnabruck", "country": "Germany", "kind": "city"},
        )
    assert "This form is missing its version; reload the page." in page.errors_summary()
    place.refresh_from_db()
    assert place.name == "Osnabrück"
