"""The main menu says where the person is: the page itself, or the section a record belongs to."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests import factories as make
from tests.support.pages import Page


def current(client: Client, url: str) -> dict[str, str]:
    """Each main-menu link that is marked current, and how (page, or true for a section)."""
    menu = Page(client.get(url)).root.find_all("nav")[0]
    return {
        link.text: link.attrs["aria-current"] for link in menu.find_all("a") if "aria-current" in link.attrs
    }


def test_the_list_is_the_current_page_and_its_records_are_in_its_section(officer_client: Client) -> None:
    place = make.PlaceFactory(name="Osnabrück")
    assert current(officer_client, reverse("partners:place-list")) == {"Places": "page"}
    assert current(officer_client, place.get_absolute_url()) == {"Places": "true"}
    assert current(officer_client, reverse("overview:dashboard")) == {}
