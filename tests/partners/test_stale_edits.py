"""Two officers editing one record: the second save is refused, nothing overwritten.

Both open the edit page, so both forms carry the same version. The first
saves. The second's save is refused with a message naming who saved and
saying their changes were not saved, and the form keeps what they typed.
Saving that form again (it now carries the new version) is their informed
choice, and it goes through.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from partners.models import Place, Relationship, RelationshipStatus
from tests.factories import ApproachFactory, CouncilFactory, PlaceFactory, RelationshipFactory
from tests.support.pages import Page, open_form, second_save

NOT_SAVED = "Your changes have not been saved"


def test_second_save_of_a_place_is_refused_and_keeps_what_was_typed(
    officer_client: Client, colleague_client: Client
) -> None:
    place = PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan", notes="")
    url = reverse("partners:place-update", args=[place.pk])
    changes = ({"name": "Toyota"}, {"notes": "Twinned with Derby since 1998."})
    page = second_save(officer_client, colleague_client, url, "English name", changes)
    message = page.errors_summary()
    assert "Olivia Officer saved this record" in message
    assert NOT_SAVED in message
    assert "English name" in message, "The message does not say which field the colleague changed"
    assert page.value("Notes") == "Twinned with Derby since 1998."
    place.refresh_from_db()
    assert (place.name, place.notes) == ("Toyota", "")

    again = page.form_values("English name")
    assert again["version"] == str(place.version)
    resaved = colleague_client.post(url, again)
    assert resaved.status_code == 302
    place.refresh_from_db()
    assert place.notes == "Twinned with Derby since 1998."
    # Priya's form still held the name she loaded, so saving again (after
    # being told) deliberately puts it back.
    assert place.name == "Toyota City"


def test_second_save_of_a_relationship_keeps_the_councils_ticked(
    officer_client: Client, colleague_client: Client
) -> None:
    derby = CouncilFactory(name="Derby City Council", is_home=True)
    county = CouncilFactory(name="Derbyshire County Council")
    relationship = RelationshipFactory(status=RelationshipStatus.ACTIVE)
    relationship.councils.set([derby])
    url = reverse("partners:relationship-update", args=[relationship.pk])
    assert open_form(officer_client, url, "Narrative")["councils"] == [str(derby.pk)]
    changes = ({"narrative": "Rolls-Royce underpins it."}, {"councils": [str(derby.pk), str(county.pk)]})
    page = second_save(officer_client, colleague_client, url, "Narrative", changes)
    assert "Olivia Officer saved this record" in page.errors_summary()
    assert NOT_SAVED in page.errors_summary()
    assert sorted(page.checked("Narrative")) == ["Derby City Council", "Derbyshire County Council"]
    relationship = Relationship.objects.get(pk=relationship.pk)
    assert list(relationship.councils.all()) == [derby]
    assert relationship.narrative == "Rolls-Royce underpins it."

    again = page.form_values("Narrative")
    assert colleague_client.post(url, again).status_code == 302
    relationship = Relationship.objects.get(pk=relationship.pk)
    assert set(relationship.councils.all()) == {derby, county}


def test_second_save_of_an_approach_is_refused(officer_client: Client, colleague_client: Client) -> None:
    approach = ApproachFactory(request="Asks for a trade visit.")
    url = reverse("partners:approach-update", args=[approach.pk])
    changes = ({"outcome": "declined"}, {"response": "We would welcome a visit."})
    page = second_save(officer_client, colleague_client, url, "What was asked", changes)
    assert "Olivia Officer saved this record" in page.errors_summary()
    assert page.value("Our response") == "We would welcome a visit."
    approach.refresh_from_db()
    assert (approach.outcome, approach.response) == ("declined", "")


def test_a_save_after_the_first_one_with_the_fresh_version_is_not_refused(officer_client: Client) -> None:
    place = PlaceFactory(name="Xi'an", country="China")
    url = reverse("partners:place-update", args=[place.pk])
    first = open_form(officer_client, url, "English name")
    assert officer_client.post(url, {**first, "population": "8467800"}).status_code == 302
    second = open_form(officer_client, url, "English name")
    assert second["version"] == str(Place.objects.get(pk=place.pk).version)
    assert officer_client.post(url, {**second, "name": "Xian"}).status_code == 302
    place.refresh_from_db()
    assert (place.name, place.population) == ("Xian", 8467800)


def stale_status_change(first: Client, second: Client, relationship: Any, to: str, then: str) -> Page:
    """Both open the relationship's page; the first moves it ``to`` a status, then the second,
    from the form as it was, ``then`` to another: the page the second is sent back with."""
    return second_save(
        first,
        second,
        relationship.get_absolute_url(),
        "New status",
        ({"to_status": to}, {"to_status": then}),
        post_to=reverse("partners:relationship-status", args=[relationship.pk]),
        status=400,
    )


def test_stale_status_change_is_refused(officer_client: Client, colleague_client: Client) -> None:
    relationship = RelationshipFactory(status=RelationshipStatus.ACTIVE)
    page = stale_status_change(officer_client, colleague_client, relationship, "dormant", "ended")
    assert "Someone else changed this relationship after you opened it" in page.errors_summary()
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.DORMANT
    assert list(relationship.status_changes.values_list("to_status", flat=True)) == ["active", "dormant"]


def test_stale_status_change_on_a_relationship_a_colleague_ended_says_why(
    officer_client: Client, colleague_client: Client
) -> None:
    relationship = RelationshipFactory(status=RelationshipStatus.ACTIVE)
    page = stale_status_change(officer_client, colleague_client, relationship, "ended", "dormant")
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ENDED
    assert "There is a problem" in page.text, (
        "The refusal is not explained: the status form and its errors are hidden "
        "once a relationship has ended"
    )
