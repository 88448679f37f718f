"""Recording an approach from a new city on one page: the contact select offers only
the chosen organisation's contacts, and a new organisation and a new contact are
added from within the approach form, each chosen there, nothing typed lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import Approach, Contact, Organisation
from tests import factories as make
from tests.support.database import unchanged
from tests.support.pages import Page, open_page

pytestmark = pytest.mark.django_db

CREATE = reverse("partners:approach-create")
CHOICES = reverse("partners:approach-contact-choices")
ADD_ORGANISATION = reverse("partners:approach-organisation-add")
ADD_CONTACT = reverse("partners:approach-contact-add")
HTMX = {"HTTP_HX_REQUEST": "true"}

# An approach from a city not yet in the register, as an officer has typed it so far.
TYPED = {
    "new_place_name": "Chengdu",
    "new_place_local_name": "成都市",
    "new_place_country": "China",
    "new_place_region": "Sichuan",
    "new_place_kind": "city",
    "relationship_kind": "economic",
    "received_on": "2015-06-01",
    "request": "Asks for a trade visit in the spring.",
    "respond_by": "2015-07-01",
}


@pytest.fixture
def cbbc(db: Any) -> Organisation:
    return make.OrganisationFactory(name="CBBC")


@pytest.fixture
def contacts(cbbc: Organisation) -> dict[str, Contact]:
    consulate = make.OrganisationFactory(name="British Consulate-General Chongqing")
    return {
        "li": make.ContactFactory(name="Li Na", job_title="Director", organisation=cbbc),
        "zhou": make.ContactFactory(name="Zhou Yi", job_title="Adviser", organisation=cbbc),
        "consul": make.ContactFactory(name="Ann Carr", job_title="Consul", organisation=consulate),
    }


# --- The contact select follows the organisation ---------------------------------------------


def test_with_an_organisation_chosen_only_its_contacts_are_offered(
    officer_client: Client, cbbc: Organisation, contacts: dict[str, Contact]
) -> None:
    everyone = open_page(officer_client, CREATE)
    assert len(everyone.options("Through contact")) == 3

    page = open_page(officer_client, CREATE, via_organisation=str(cbbc.pk))

    assert page.options("Through contact") == ["Li Na, Director (CBBC)", "Zhou Yi, Adviser (CBBC)"]


def test_changing_the_organisation_fetches_its_contacts_keeping_a_choice_still_offered(
    officer_client: Client, cbbc: Organisation, contacts: dict[str, Contact]
) -> None:
    page = Page(officer_client.get(reverse("partners:approach-create")))
    select = page.control("Through organisation")
    assert select.attrs["hx-get"] == CHOICES
    assert select.attrs["hx-target"] == "#div_id_via_contact"

    fragment = Page(
        officer_client.get(CHOICES, {"via_organisation": cbbc.pk, "via_contact": contacts["zhou"].pk}, **HTMX)
    )

    assert fragment.options("Through contact") == ["Li Na, Director (CBBC)", "Zhou Yi, Adviser (CBBC)"]
    assert fragment.value("Through contact") == str(contacts["zhou"].pk)
    moved = Page(
        officer_client.get(
            CHOICES, {"via_organisation": cbbc.pk, "via_contact": contacts["consul"].pk}, **HTMX
        )
    )
    assert moved.value("Through contact") == ""


def test_the_edit_form_offers_only_the_organisations_contacts_too(
    officer_client: Client, cbbc: Organisation, contacts: dict[str, Contact]
) -> None:
    approach = make.ApproachFactory(via_organisation=cbbc, via_contact=contacts["li"])

    page = open_page(officer_client, reverse("partners:approach-update", args=[approach.pk]))

    assert page.options("Through contact") == ["Li Na, Director (CBBC)", "Zhou Yi, Adviser (CBBC)"]
    assert page.value("Through contact") == str(contacts["li"].pk)


def test_a_contact_of_another_organisation_is_refused_beside_the_field(
    officer_client: Client, cbbc: Organisation, contacts: dict[str, Contact]
) -> None:
    with unchanged():
        response = officer_client.post(
            CREATE, {**TYPED, "via_organisation": cbbc.pk, "via_contact": contacts["consul"].pk}
        )

    page = Page(response)
    assert response.status_code == 200
    assert page.field_error("Through contact") == "This contact works for a different organisation."
    assert page.value("What was asked") == TYPED["request"]


# --- Adding an organisation or a contact in place, with htmx -----------------------------------


def test_a_new_organisation_is_added_in_place_and_chosen(
    officer_client: Client, contacts: dict[str, Contact]
) -> None:
    response = officer_client.post(
        ADD_ORGANISATION,
        {
            **TYPED,
            "new_organisation-name": "Chengdu Foreign Affairs Office",
            "new_organisation-kind": "government",
            "new_organisation-country": "China",
        },
        **HTMX,
    )

    assert response.status_code == 200
    added = Organisation.objects.get(name="Chengdu Foreign Affairs Office")
    assert (added.kind, added.country) == ("government", "China")
    fragment = Page(response)
    assert fragment.value("Through organisation") == str(added.pk)
    assert "Chengdu Foreign Affairs Office was added and chosen." in fragment.text
    # A new organisation has no contacts yet; the in-place form is empty again.
    assert fragment.options("Through contact") == []
    assert fragment.value("New organisation's name") == ""
    assert "<html" not in response.content.decode()


def test_a_new_contact_is_added_in_place_at_the_chosen_organisation_and_chosen(
    officer_client: Client, cbbc: Organisation, contacts: dict[str, Contact]
) -> None:
    response = officer_client.post(
        ADD_CONTACT,
        {
            **TYPED,
            "via_organisation": cbbc.pk,
            "new_contact-name": "Chen Wei",
            "new_contact-job_title": "Chief Representative, Chengdu",
            "new_contact-email": "chen.wei@example.org",
        },
        **HTMX,
    )

    assert response.status_code == 200
    added = Contact.objects.get(name="Chen Wei")
    assert added.organisation == cbbc
    fragment = Page(response)
    assert fragment.value("Through organisation") == str(cbbc.pk)
    assert fragment.value("Through contact") == str(added.pk)
    assert "Chen Wei, Chief Representative, Chengdu (CBBC)" in fragment.options("Through contact")
    assert "Ann Carr, Consul (British Consulate-General Chongqing)" not in fragment.options("Through contact")


def test_bad_input_in_place_says_so_beside_the_field_and_adds_nothing(
    officer_client: Client, cbbc: Organisation
) -> None:
    with unchanged():
        response = officer_client.post(
            ADD_ORGANISATION,
            {**TYPED, "new_organisation-name": "cbbc", "new_organisation-kind": "company"},
            **HTMX,
        )

    fragment = Page(response)
    assert response.status_code == 200
    assert fragment.field_error("New organisation's name") == (
        "An organisation with this name is already in the register."
    )
    assert fragment.value("New organisation's name") == "cbbc"
    with unchanged():
        nameless = Page(
            officer_client.post(ADD_CONTACT, {**TYPED, "new_contact-email": "x@example.org"}, **HTMX)
        )
    assert nameless.field_error("New contact's name") == "Give the contact's name, their job title, or both."


# --- Without JavaScript -------------------------------------------------------------------------


def test_without_javascript_the_officer_comes_back_to_the_form_as_typed(
    officer_client: Client, cbbc: Organisation
) -> None:
    form = open_page(officer_client, CREATE)
    buttons = {b.text: b.attrs for b in form.root.find_all("button")}
    assert buttons["Add the organisation and choose it"]["formaction"] == ADD_ORGANISATION
    assert buttons["Add the contact and choose them"]["formaction"] == ADD_CONTACT

    token = form.form_values("What was asked")["submission"]
    added = officer_client.post(
        ADD_ORGANISATION,
        {
            **form.form_values("What was asked"),
            **TYPED,
            "new_organisation-name": "Sichuan Investment Promotion",
            "new_organisation-kind": "government",
        },
    )

    assert added.status_code == 302
    organisation = Organisation.objects.get(name="Sichuan Investment Promotion")
    back = Page(officer_client.get(added["Location"]))
    assert back.value("Through organisation") == str(organisation.pk)
    assert back.value("What was asked") == TYPED["request"]
    assert back.value("English name") == "Chengdu"
    assert back.value("Region or province") == "Sichuan"
    assert "Sichuan Investment Promotion was added and chosen." in back.text

    with_contact = officer_client.post(
        ADD_CONTACT,
        {**back.form_values("What was asked"), "new_contact-job_title": "Director of Investment"},
    )
    assert with_contact.status_code == 302
    contact = Contact.objects.get(job_title="Director of Investment")
    assert contact.organisation == organisation
    final = Page(officer_client.get(with_contact["Location"]))
    assert final.value("Through contact") == str(contact.pk)

    # The form keeps its one-off token through the detours, so it is saved once however often it is sent.
    assert final.form_values("What was asked")["submission"] == token

    recorded = officer_client.post(CREATE, final.form_values("What was asked"))

    assert recorded.status_code == 302
    approach = Approach.objects.get()
    assert (approach.place.name, approach.via_organisation, approach.via_contact) == (
        "Chengdu",
        organisation,
        contact,
    )
    # Back to the draft's address once recorded: the draft is gone, not offered to record again.
    again = Page(officer_client.get(with_contact["Location"]))
    assert again.value("English name") == ""
    assert again.value("What was asked") == ""


def test_without_javascript_bad_input_shows_the_whole_form_again_as_typed(officer_client: Client) -> None:
    with unchanged():
        response = officer_client.post(ADD_ORGANISATION, {**TYPED, "new_organisation-kind": "company"})

    page = Page(response)
    assert response.status_code == 200
    assert page.field_error("New organisation's name") == "This field is required."
    assert page.value("What was asked") == TYPED["request"]
    assert page.form_of("What was asked").attrs["action"] == CREATE


def test_a_new_organisation_typed_but_not_added_is_not_lost_without_a_word(officer_client: Client) -> None:
    with unchanged():
        response = officer_client.post(
            CREATE,
            {**TYPED, "new_organisation-name": "Chengdu Hi-Tech Zone", "new_organisation-kind": "other"},
        )

    page = Page(response)
    assert page.field_error("Through organisation").startswith(
        "You typed a new organisation but did not add it"
    )
    assert page.value("New organisation's name") == "Chengdu Hi-Tech Zone"


def test_only_officers_may_add_in_place(finance_client: Client, leader_client: Client) -> None:
    data = {**TYPED, "new_organisation-name": "Chengdu FAO", "new_organisation-kind": "government"}
    with unchanged():
        assert finance_client.post(ADD_ORGANISATION, data).status_code == 403
        assert leader_client.post(ADD_CONTACT, {"new_contact-name": "Chen Wei"}).status_code == 403
