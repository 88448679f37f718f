"""Every form's select says in words what leaving it unchosen means.

A select on a form (a cost item's category, a participant's organisation, an
action's owner) once offered Django's row of dashes: "Choose one" where a
choice is needed, "None" where it may be left empty. Every page of the URL
conf is opened as each role that may see it, and every select on it checked.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.text import person_name
from tests.factories import UserFactory
from tests.support.matrix import MATRIX
from tests.support.pages import Page, within
from tests.support.register import build_register, client_for
from tests.support.urls import url_for, walk_urls

ROLES = ("officer", "finance", "leader", "administrator")
DASHES = "---------"


@pytest.fixture
def register(db: Any) -> dict[str, Any]:
    return build_register()


def test_no_select_on_any_page_offers_a_row_of_dashes(register, personas) -> None:
    selects, wrong = 0, []
    for name in walk_urls():
        for role in ROLES:
            if MATRIX[name]["GET"].get(role) != 200:
                continue
            response = client_for(personas[role]).get(url_for(name, register))
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for select in Page(response).root.find_all("select"):
                selects += 1
                texts = [option.text for option in select.find_all("option")]
                if DASHES in texts:
                    wrong.append(f"{name} as {role}: {select.attrs.get('name')} offers {texts[:3]}")
    assert selects > 50, "the walk found too few selects to say anything"
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_a_needed_choice_says_choose_one_and_an_optional_one_none(register, personas) -> None:
    visit = register["visit"]
    page = Page(client_for(personas["officer"]).get(reverse("delegations:visit-detail", args=[visit.pk])))

    def first_choice(field_id: str) -> tuple[str, str]:
        first = page.by_id[field_id].find_all("option")[0]
        return first.attrs.get("value", ""), first.text

    # A cost item needs a category; a participant need not name an organisation.
    assert first_choice(page.control("Category").attrs["id"]) == ("", "Choose one")
    assert first_choice("id_participant-organisation") == ("", "None")


def test_every_form_naming_a_person_offers_the_active_people_by_name(register, personas) -> None:
    """Lead officer, owner: whichever form asks for a person lists the people who can sign
    in, by the name the pages show, and never a departed colleague or a username."""
    UserFactory(username="ivy", first_name="Ivy", last_name="Inactive", is_active=False)
    UserFactory(username="nameless", first_name="", last_name="")
    active = sorted(
        (person_name(user) for user in get_user_model().objects.filter(is_active=True)),
        key=lambda name: name.casefold(),
    )
    offered: dict[str, list[str]] = {}
    for name in walk_urls():
        if MATRIX[name]["GET"].get("officer") != 200:
            continue
        response = client_for(personas["officer"]).get(url_for(name, register))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for form in Page(response).root.find_all("form", method="post"):
            for label in ("Lead officer", "Owner"):
                if label in within(form).labels():
                    offered[f"{name}: {label}"] = within(form).options(label)

    assert {"partners:relationship-create: Lead officer", "delegations:visit-create: Lead officer"} <= set(
        offered
    )
    assert {"partners:action-create: Owner", "delegations:visit-detail: Owner"} <= set(offered)
    for where, names in offered.items():
        assert sorted(names, key=str.casefold) == active, where
