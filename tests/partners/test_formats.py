"""Dates and money as the council writes them (en-GB): "9 September 2015", "£4,000"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from partners.models import Approach
from tests.factories import ActionFactory, ApproachFactory, ExchangeFactory, PlaceFactory, RelationshipFactory
from tests.support.pages import Page


def gbp(value: Any) -> str:
    """The ``gbp`` filter as a template uses it (it is a builtin: no {% load %})."""
    return Template("{{ value|gbp }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("4000"), "£4,000"),
        (Decimal("4000.00"), "£4,000"),
        (Decimal("4000.50"), "£4,000.50"),
        (Decimal("4000.5"), "£4,000.50"),
        (Decimal("4000.505"), "£4,000.51"),
        (Decimal("1234567.89"), "£1,234,567.89"),
        (Decimal("0.05"), "£0.05"),
        (0, "£0"),
        (4000, "£4,000"),
        ("4000.50", "£4,000.50"),
        (Decimal("-250"), "-£250"),
        (Decimal("-250.75"), "-£250.75"),
    ],
)
def test_money_in_pounds_with_pence_only_when_there_are_some(amount: Any, shown: str) -> None:
    assert gbp(amount) == shown


@pytest.mark.parametrize("nothing", [None, "", "not money"])
def test_no_amount_shows_nothing(nothing: Any) -> None:
    assert gbp(nothing) == ""


def test_dates_read_as_in_a_cabinet_report(leader_client: Client) -> None:
    place = PlaceFactory(name="Xi'an", local_name="西安市")
    relationship = RelationshipFactory(place=place, next_review_on=date(2016, 3, 31))
    approach = ApproachFactory(
        place=place,
        relationship=relationship,
        received_on=date(2015, 9, 9),
        respond_by=date(2015, 10, 1),
    )
    action = ActionFactory(relationship=relationship, title="Report to Cabinet", due_on=date(2015, 9, 9))
    exchange = ExchangeFactory(
        relationship=relationship, starts_on=date(2014, 4, 1), ends_on=date(2015, 3, 31)
    )

    approach_page = Page(leader_client.get(approach.get_absolute_url())).text
    assert "Received on 9 September 2015" in approach_page
    assert "Respond by 1 October 2015" in approach_page
    listed = Page(leader_client.get(reverse("partners:approach-list")))
    assert listed.column("Received") == ["9 September 2015"]
    assert "Due 9 September 2015" in Page(leader_client.get(action.get_absolute_url())).text
    assert "Dates 1 April 2014 to 31 March 2015" in Page(leader_client.get(exchange.get_absolute_url())).text
    assert "Next review 31 March 2016" in Page(leader_client.get(relationship.get_absolute_url())).text
    place_page = Page(leader_client.get(place.get_absolute_url())).text
    assert "Received 9 September 2015" in place_page
    assert "respond by 1 October 2015" in place_page


def test_large_numbers_are_grouped_in_thousands(leader_client: Client) -> None:
    PlaceFactory(name="Xi'an", population=8_467_800)
    page = Page(leader_client.get(reverse("partners:place-list")))
    assert page.column("Population") == ["8,467,800"]


def test_pages_declare_british_english(leader_client: Client) -> None:
    page = Page(leader_client.get(reverse("partners:place-list")))
    assert page.root.find_all("html")[0].attrs.get("lang") == "en-GB"


def test_a_typed_date_is_read_day_first(officer_client: Client) -> None:
    place = PlaceFactory()
    response = officer_client.post(
        reverse("partners:approach-create"),
        {
            "place": place.pk,
            "new_place_kind": "city",
            "relationship_kind": "economic",
            "received_on": "01/06/2015",
            "respond_by": "9 September 2015",
            "request": "Asks for a visit.",
        },
    )
    assert response.status_code == 302, Page(response).errors_summary()
    approach = Approach.objects.get(place=place)
    assert (approach.received_on, approach.respond_by) == (date(2015, 6, 1), date(2015, 9, 9))
