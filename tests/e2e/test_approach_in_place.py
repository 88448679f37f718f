"""Browser test (Playwright, Debian Chromium): an officer records an approach from
a new Chinese city that came through a new organisation and a new contact, on one
page: the organisation and the contact are added from within the approach form
(htmx), each chosen there, and nothing typed in the form is lost.

Fields are found by their labels, buttons by role and name, messages in their
status region, as a person finds them.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from partners.models import Approach, Contact, Organisation
from tests.factories import ContactFactory, OrganisationFactory
from tests.support.browser import sign_in

SCREENSHOT = "/tmp/e2e-approach-in-place.png"  # for a person to look at; not asserted
REQUEST = "The Chengdu Foreign Affairs Office asks to explore an economic link in aerospace."


def test_officer_records_an_approach_through_a_new_organisation_and_contact_on_one_page(
    page: Page, officer
) -> None:
    cbbc = OrganisationFactory(name="CBBC")
    ContactFactory(name="Li Na", job_title="Director", organisation=cbbc)
    ContactFactory(name="Ann Carr", job_title="Consul", organisation=OrganisationFactory(name="FCO"))
    sign_in(page, officer.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approaches").click()
    page.get_by_role("link", name="Record an approach").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an approach")
    form_address = page.url

    page.get_by_label("English name").fill("Chengdu")
    page.get_by_label("Name in local script").fill("成都市")
    page.get_by_label("Country", exact=True).fill("China")
    page.get_by_label("Region or province").fill("Sichuan")
    page.get_by_label("Received on").fill("2025-06-02")
    page.get_by_label("What was asked").fill(REQUEST)
    page.get_by_label("Respond by").fill("2025-07-15")

    # Choosing an organisation narrows the contacts to its own.
    contact_select = page.get_by_label("Through contact")
    expect(contact_select.get_by_role("option")).to_have_count(3)
    page.get_by_label("Through organisation").select_option(label="CBBC")
    expect(page.get_by_label("Through contact").get_by_role("option")).to_have_text(
        ["None", "Li Na, Director (CBBC)"]
    )

    page.get_by_text("Add an organisation not yet in the register").click()
    page.get_by_label("New organisation's name").fill("Chengdu Foreign Affairs Office")
    page.get_by_label("New organisation's kind").select_option(label="Government body")
    page.get_by_label("New organisation's country").fill("China")
    page.get_by_role("button", name="Add the organisation and choose it").click()

    expect(page.get_by_role("status").filter(has_text="was added")).to_have_text(
        "Chengdu Foreign Affairs Office was added and chosen."
    )
    office = Organisation.objects.get(name="Chengdu Foreign Affairs Office")
    expect(page.get_by_label("Through organisation")).to_have_value(str(office.pk))
    expect(page.get_by_label("Through contact").get_by_role("option")).to_have_text(["None"])

    page.get_by_text("Add a contact not yet in the register").click()
    page.get_by_label("New contact's name").fill("Chen Wei")
    page.get_by_label("New contact's job title").fill("Director of International Affairs")
    page.get_by_role("button", name="Add the contact and choose them").click()

    expect(page.get_by_role("status").filter(has_text="was added")).to_have_text(
        "Chen Wei, Director of International Affairs (Chengdu Foreign Affairs Office) was added and chosen."
    )
    chen = Contact.objects.get(name="Chen Wei")
    assert chen.organisation == office
    expect(page.get_by_label("Through contact")).to_have_value(str(chen.pk))
    # Still the one page, everything typed as it was.
    assert page.url == form_address
    expect(page.get_by_label("English name")).to_have_value("Chengdu")
    expect(page.get_by_label("Region or province")).to_have_value("Sichuan")
    expect(page.get_by_label("What was asked")).to_have_value(REQUEST)
    expect(page.get_by_label("Respond by")).to_have_value("2025-07-15")
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name="Record approach").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "Approach from Chengdu (June 2025) was recorded."
    )
    expect(page).to_have_url(re.compile(r"/approaches/\d+/$"))
    approach = Approach.objects.get()
    assert (approach.place.name, approach.place.region) == ("Chengdu", "Sichuan")
    assert (approach.via_organisation, approach.via_contact) == (office, chen)
    assert approach.request == REQUEST


def test_enter_in_a_field_records_the_approach_not_an_organisation(page: Page, officer) -> None:
    OrganisationFactory(name="CBBC")
    sign_in(page, officer.username)
    page.goto("/partners/approaches/new/")
    page.get_by_label("English name").fill("Hefei")
    page.get_by_label("Country", exact=True).fill("China")
    page.get_by_label("Received on").fill("2025-06-02")
    page.get_by_label("What was asked").fill("Hefei asks for a delegation visit in October.")
    page.get_by_label("Through organisation").select_option(label="CBBC")

    page.get_by_label("English name").press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Approach from Hefei (June 2025) was recorded.")
    assert Approach.objects.get().place.name == "Hefei"
    assert not Organisation.objects.exclude(name="CBBC").exists()
