"""Browser test (Playwright, Debian Chromium): an officer logs in, records an
approach from a place not yet in the register, and sees the place and its
relationship in "approach received".

The page is read as a person reads it: fields by their labels, buttons and
links by role and name, the message in its status region.

The officer is the shared persona from tests/conftest.py (Olivia, Officer
role, password tests.factories.PASSWORD). The live server makes each test
transactional: pytest-django empties the database after it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from partners.models import Approach, Place, RelationshipStatus, RelationshipStatusChange
from tests.factories import PASSWORD
from tests.support.browser import sign_in

SCREENSHOT = "/tmp/e2e-place.png"  # for a person to look at; not asserted


def open_record_an_approach(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approaches").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approaches")
    page.get_by_role("link", name="Record an approach").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an approach")


def fill_new_place_from_hefei(page: Page, *, received_on: str, respond_by: str) -> None:
    expect(page.get_by_label("Place", exact=True)).to_have_value("")
    page.get_by_label("English name").fill("Hefei")
    page.get_by_label("Name in local script").fill("合肥市")
    page.get_by_label("Country", exact=True).fill("China")
    page.get_by_label("What was asked").fill(
        "The Hefei Foreign Affairs Office asks to explore an economic link in advanced manufacturing."
    )
    page.get_by_label("Received on").fill(received_on)
    page.get_by_label("Respond by").fill(respond_by)


def test_officer_records_an_approach_from_a_new_place(page: Page, officer) -> None:
    sign_in(page, officer.username)
    open_record_an_approach(page)
    fill_new_place_from_hefei(page, received_on="2025-03-10", respond_by="2025-04-30")
    page.get_by_role("button", name="Record approach").click()

    expect(page.get_by_role("status")).to_contain_text("Approach from Hefei (March 2025) was recorded.")
    page.get_by_role("main").get_by_role("link", name="Hefei (合肥市)").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Hefei")
    expect(heading).to_contain_text("合肥市")
    expect(heading.locator("[lang=zh-Hans]")).to_have_text("合肥市")

    relationships = page.get_by_role("table", name="Relationships with Hefei")
    economic = relationships.get_by_role("row").filter(has=page.get_by_role("link", name="Economic"))
    expect(economic).to_have_count(1)
    expect(economic.get_by_role("cell", name="Approach received", exact=True)).to_be_visible()

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("link", name="Approach received", exact=True)).to_be_visible()
    expect(timeline.get_by_role("listitem").filter(has_text="10 March 2025")).to_contain_text(
        "Approach received"
    )
    expect(timeline).to_contain_text("Economic relationship entered in the register as Approach received")

    page.screenshot(path=SCREENSHOT, full_page=True)

    place = Place.objects.get(name="Hefei")
    assert (place.local_name, place.country) == ("合肥市", "China")
    relationship = place.relationships.get()
    assert relationship.status == RelationshipStatus.APPROACH_RECEIVED
    change = RelationshipStatusChange.objects.get(relationship=relationship)
    assert (change.to_status, change.changed_by) == (RelationshipStatus.APPROACH_RECEIVED, officer)
    assert Approach.objects.get().relationship == relationship


def test_respond_by_before_received_is_refused_beside_the_field(page: Page, officer) -> None:
    sign_in(page, officer.username)
    open_record_an_approach(page)
    fill_new_place_from_hefei(page, received_on="2025-03-10", respond_by="2025-03-01")
    page.get_by_role("button", name="Record approach").click()

    message = "The respond-by date cannot be before the date received."
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an approach")
    respond_by = page.get_by_label("Respond by")
    expect(respond_by).to_have_attribute("aria-invalid", "true")
    expect(respond_by).to_have_accessible_description(message)
    described_by = respond_by.get_attribute("aria-describedby")
    expect(page.locator(f"#{described_by}")).to_be_visible()
    expect(page.locator(f"#{described_by}")).to_have_text(message)
    # What was typed is kept, so the officer corrects one date, not the whole form.
    expect(page.get_by_label("English name")).to_have_value("Hefei")
    expect(respond_by).to_have_value("2025-03-01")

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name=f"Respond by: {message}").click()
    expect(respond_by).to_be_focused()

    assert not Place.objects.exists()
    assert not Approach.objects.exists()


def use_skip_link(page: Page) -> None:
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    # Focus moves with the key press; no need to wait Playwright's full timeout to know it did not.
    expect(skip_link).to_be_focused(timeout=1_000)
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def sign_in_by_keyboard(page: Page, username: str) -> None:
    """Types into the focused Username field, then Tab, Tab, Enter."""
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")
    # The browser keeps a #main fragment from the skip link across the redirect.
    expect(page).to_have_url(re.compile(r":\d+/(#main)?$"))
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out")).to_be_visible()


def test_sign_in_and_skip_to_main_by_keyboard_alone(page: Page, officer) -> None:
    page.goto("/accounts/login/")
    # The skip link is the first stop on the sign-in page; from main the next
    # stop is the form's first field.
    use_skip_link(page)
    page.keyboard.press("Tab")
    sign_in_by_keyboard(page, officer.username)

    # Signed in, the skip link is the first stop, ahead of the whole main navigation
    # (loaded afresh: a #main fragment would start the focus inside main).
    page.goto("/")
    use_skip_link(page)
    page.keyboard.press("Tab")
    focused_in_main = page.get_by_role("main").locator(":focus")
    expect(focused_in_main).to_have_count(1)
