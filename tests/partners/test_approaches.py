"""Recording an approach: the place it came from and the relationship it opens."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.models import (
    Approach,
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    RelationshipStatusChange,
)
from tests.factories import ContactFactory, PlaceFactory, RelationshipFactory
from tests.support.pages import Page


def record(client: Client, **fields: Any) -> Approach:
    data = {
        "new_place_kind": "city",
        "relationship_kind": "economic",
        "received_on": "2015-06-01",
        "respond_by": "2015-07-01",
        "request": "Asks to explore an economic link in aerospace.",
        **fields,
    }
    before = set(Approach.objects.values_list("pk", flat=True))
    response = client.post(reverse("partners:approach-create"), data)
    assert response.status_code == 302, Page(response).errors_summary()
    (created,) = Approach.objects.exclude(pk__in=before)
    assert response["Location"] == created.get_absolute_url()
    return created


def test_approach_from_a_place_with_no_relationship_opens_one(officer_client: Client, officer: Any) -> None:
    place = PlaceFactory(name="Xi'an", local_name="西安市", country="China")

    approach = record(officer_client, place=place.pk, relationship_kind="economic")

    relationship = Relationship.objects.get(place=place)
    assert approach.relationship == relationship
    assert (relationship.kind, relationship.status) == ("economic", "approach_received")
    (change,) = RelationshipStatusChange.objects.filter(relationship=relationship)
    assert (change.from_status, change.to_status, change.changed_by) == ("", "approach_received", officer)
    assert abs(timezone.now() - change.changed_at).total_seconds() < 60

    page = Page(officer_client.get(relationship.get_absolute_url()))
    assert "Approach received" in page.section("Status history").text
    assert "Olivia Officer" in page.section("Status history").text


def test_approach_for_an_open_relationship_of_that_kind_attaches_to_it(officer_client: Client) -> None:
    place = PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    active = RelationshipFactory(
        place=place, kind=RelationshipKind.ECONOMIC, status=RelationshipStatus.ACTIVE
    )

    approach = record(officer_client, place=place.pk, relationship_kind="economic")

    assert approach.relationship == active
    assert list(Relationship.objects.filter(place=place)) == [active]
    active.refresh_from_db()
    assert active.status == RelationshipStatus.ACTIVE
    assert active.status_changes.count() == 1
    page = Page(officer_client.get(active.get_absolute_url()))
    assert "Approach from Toyota City" in page.section("Approaches").text


def test_approach_seeking_another_kind_of_link_opens_a_second_relationship(officer_client: Client) -> None:
    place = PlaceFactory(name="Osnabrück", country="Germany")
    civic = RelationshipFactory(place=place, kind=RelationshipKind.CIVIC, status=RelationshipStatus.ACTIVE)

    approach = record(officer_client, place=place.pk, relationship_kind="educational")

    assert approach.relationship != civic
    assert (approach.relationship.kind, approach.relationship.status) == ("educational", "approach_received")
    assert Relationship.objects.filter(place=place).count() == 2


def test_approach_after_an_ended_relationship_opens_a_new_one(officer_client: Client) -> None:
    place = PlaceFactory()
    ended = RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC, status=RelationshipStatus.ENDED)

    approach = record(officer_client, place=place.pk, relationship_kind="economic")

    assert approach.relationship != ended
    assert approach.relationship.status == RelationshipStatus.APPROACH_RECEIVED


def test_approach_from_a_new_place_keeps_its_local_name_exactly(officer_client: Client) -> None:
    contact = ContactFactory(name="", job_title="British Deputy Consul General")

    approach = record(
        officer_client,
        new_place_name="Hefei",
        new_place_local_name="合肥市",
        new_place_country="China",
        new_place_kind="city",
        via_organisation=contact.organisation_id,
        via_contact=contact.pk,
    )

    place = Place.objects.get(name="Hefei")
    assert (place.local_name, place.country, place.kind) == ("合肥市", "China", "city")
    assert approach.place == place
    assert approach.relationship.place == place
    assert approach.relationship.status == RelationshipStatus.APPROACH_RECEIVED

    detail = Page(officer_client.get(place.get_absolute_url()))
    assert detail.root.find_all("h1")[0].text == "Hefei 合肥市"
    listed = Page(officer_client.get(reverse("partners:place-list")))
    assert "合肥市" in listed.column("Local name")
    approach_page = Page(officer_client.get(approach.get_absolute_url()))
    heading = approach_page.root.find_all("h1")[0]
    assert "Hefei" in heading.text
    # The name in local script, marked with its language.
    assert [(span.attrs.get("lang"), span.text) for span in heading.find_all("span")] == [
        ("zh-Hans", "合肥市")
    ]
    assert "British Deputy Consul General" in approach_page.text


def test_the_form_is_offered_with_the_place_chosen_from_its_page(officer_client: Client) -> None:
    place = PlaceFactory(name="Xi'an", local_name="西安市")
    place_page = Page(officer_client.get(place.get_absolute_url()))
    link = place_page.link("Record an approach from Xi'an")

    form = Page(officer_client.get(link))

    assert form.value("Place") == str(place.pk)
    assert "Xi'an (西安市)" in form.options("Place")


@pytest.mark.services
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (the services run)")
@pytest.mark.django_db(transaction=True)
def test_two_approaches_from_one_place_recorded_at_once_share_one_relationship(officer: Any) -> None:
    """Both in flight together: the second waits for the first and joins the relationship it opened."""
    hefei = PlaceFactory(name="Hefei", local_name="合肥市")
    start = threading.Barrier(2)
    failed: list[BaseException] = []

    def send(request: str) -> None:
        start.wait()
        try:
            services.approach_record(
                values={"place": hefei, "received_on": timezone.localdate(), "request": request}, by=officer
            )
        except BaseException as error:
            failed.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(words,)) for words in ("A trade mission.", "A school link.")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failed == []
    relationships = list(Relationship.objects.filter(place=hefei))
    assert len(relationships) == 1
    assert sorted(
        Approach.objects.filter(relationship=relationships[0]).values_list("request", flat=True)
    ) == [
        "A school link.",
        "A trade mission.",
    ]
