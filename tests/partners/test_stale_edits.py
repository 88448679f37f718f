"""Two officers editing one record: the second save is refused, nothing overwritten.

Both open the edit page, so both forms carry the same version. The first
saves. The second's save is refused with a message naming who saved and
saying their changes were not saved, and the form keeps what they typed.
Saving that form again (it now carries the new version) is their informed
choice, and it goes through.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core import roles
from partners.models import Place, Relationship, RelationshipStatus
from tests.factories import (
    ApproachFactory,
    CouncilFactory,
    PlaceFactory,
    RelationshipFactory,
    UserFactory,
)
from tests.partners.test_html import Page

NOT_SAVED = "Your changes have not been saved"


@pytest.fixture
def colleague_client(db: Any) -> Client:
    """A second officer, editing at the same time as Olivia."""
    colleague = UserFactory(username="priya", first_name="Priya", last_name="Patel", roles=[roles.OFFICER])
    client = Client()
    client.force_login(colleague)
    return client


def open_form(client: Client, url: str, label: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    return Page(response).form_values(label)


def test_second_save_of_a_place_is_refused_and_keeps_what_was_typed(
    officer_client: Client, colleague_client: Client
) -> None:
    place = PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan", notes="")
    url = reverse("partners:place-update", args=[place.pk])
    olivias = open_form(officer_client, url, "English name")
    priyas = open_form(colleague_client, url, "English name")
    assert olivias["version"] == priyas["version"] == str(place.version)

    saved = officer_client.post(url, {**olivias, "name": "Toyota"})
    assert saved.status_code == 302

    refused = colleague_client.post(url, {**priyas, "notes": "Twinned with Derby since 1998."})
    assert refused.status_code == 200
    page = Page(refused)
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
    olivias = open_form(officer_client, url, "Narrative")
    priyas = open_form(colleague_client, url, "Narrative")
    assert olivias["councils"] == [str(derby.pk)]

    assert officer_client.post(url, {**olivias, "narrative": "Rolls-Royce underpins it."}).status_code == 302

    refused = colleague_client.post(url, {**priyas, "councils": [str(derby.pk), str(county.pk)]})
    assert refused.status_code == 200
    page = Page(refused)
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
    olivias = open_form(officer_client, url, "What was asked")
    priyas = open_form(colleague_client, url, "What was asked")

    assert officer_client.post(url, {**olivias, "outcome": "declined"}).status_code == 302
    refused = colleague_client.post(url, {**priyas, "response": "We would welcome a visit."})

    assert refused.status_code == 200
    page = Page(refused)
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


def test_stale_status_change_is_refused(officer_client: Client, colleague_client: Client) -> None:
    relationship = RelationshipFactory(status=RelationshipStatus.ACTIVE)
    url = relationship.get_absolute_url()
    olivias = open_form(officer_client, url, "New status")
    priyas = open_form(colleague_client, url, "New status")
    status_url = reverse("partners:relationship-status", args=[relationship.pk])

    assert officer_client.post(status_url, {**olivias, "to_status": "dormant"}).status_code == 302
    refused = colleague_client.post(status_url, {**priyas, "to_status": "ended"})

    assert refused.status_code == 400
    assert "Someone else changed this relationship after you opened it" in Page(refused).errors_summary()
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.DORMANT
    assert list(relationship.status_changes.values_list("to_status", flat=True)) == ["active", "dormant"]


def test_stale_status_change_on_a_relationship_a_colleague_ended_says_why(
    officer_client: Client, colleague_client: Client
) -> None:
    relationship = RelationshipFactory(status=RelationshipStatus.ACTIVE)
    url = relationship.get_absolute_url()
    olivias = open_form(officer_client, url, "New status")
    priyas = open_form(colleague_client, url, "New status")
    status_url = reverse("partners:relationship-status", args=[relationship.pk])

    assert officer_client.post(status_url, {**olivias, "to_status": "ended"}).status_code == 302
    refused = colleague_client.post(status_url, {**priyas, "to_status": "dormant"})

    assert refused.status_code == 400
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ENDED
    assert "There is a problem" in Page(refused).text, (
        "The refusal is not explained: the status form and its errors are hidden "
        "once a relationship has ended"
    )
