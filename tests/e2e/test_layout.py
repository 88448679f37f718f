"""Browser tests (Playwright, Debian Chromium): the layout at every width, and focus
seen as the keyboard moves it.

Every page is measured by the accessibility walk (test_accessibility.py) at
320, 768, 1280 and 1920 px, with every element that takes focus focused in
turn. Here the same measures are taken as a person meets them, with real
presses of Tab: through the header and the first form of a page at 1280 px;
the header folded behind its Menu button at 320 px and opened from the
keyboard; a wide list at 320 px scrolling in its own region while the page
stays still; the sign-off table's rows standing as blocks at 320 px; and the
icon browsers ask for.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.factories import GiftFactory
from tests.support.browser import sign_in
from tests.support.layout import SCROLL_WIDTH, focused, sideways_scrolling
from tests.support.reports import draft

# More than the header's controls and a form's fields: a control further away is not reached.
TAB_LIMIT = 60


def tab_until(page: Page, target: Locator, *passing: Locator) -> list[str]:
    """Presses Tab until ``target`` has focus; every stop on the way must show its focus,
    and each of ``passing`` must be one of the stops."""
    expect(target).to_be_visible()
    for number, control in enumerate(passing):
        control.evaluate("(el, number) => { el.dataset.passing = number; }", number)
    stops: list[str] = []
    unseen: list[str] = []
    passed: set[str] = set()
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        name, failure = focused(page)
        stops.append(name)
        if failure:
            unseen.append(failure)
        passed.add(page.evaluate("() => document.activeElement.dataset.passing || ''"))
        if target.evaluate("(el) => el === document.activeElement"):
            assert not unseen, "Focus not seen on the way:\n  " + "\n  ".join(unseen)
            missed = [str(passing[int(n)]) for n in {str(n) for n in range(len(passing))} - passed]
            assert not missed, f"Not reached on the way: {missed}; stops: {stops}"
            return stops
    pytest.fail(f"{target} not reached in {TAB_LIMIT} presses of Tab: " + " | ".join(stops))


def test_tabbing_through_the_header_and_a_form_every_stop_shows_its_focus(page: Page, officer) -> None:
    sign_in(page, officer.username)
    page.goto("/partners/places/new/")
    header = page.get_by_role("banner")
    form = page.get_by_role("main")

    # Each ring is measured on the way: on the navy header and on the white page.
    stops = tab_until(
        page,
        form.get_by_role("button", name="Save"),
        page.get_by_role("link", name="Skip to main content"),
        header.get_by_role("searchbox", name="Search the register"),
        header.get_by_role("link", name="Digest email"),
        header.get_by_role("button", name="Sign out"),
        header.get_by_role("link", name="Places"),
        header.get_by_role("button", name="More"),
        form.get_by_role("textbox", name="English name", exact=True),
        form.get_by_role("combobox", name="Kind"),
    )
    assert len(stops) >= 20


def test_at_320_px_the_menu_folds_behind_a_button_the_keyboard_opens(page: Page, officer) -> None:
    sign_in(page, officer.username)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/")
    header = page.get_by_role("banner")
    menu = header.get_by_role("button", name="Menu")
    places = header.get_by_role("link", name="Places")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "main-nav")
    expect(places).to_be_hidden()
    expect(header.get_by_role("button", name="Sign out")).to_be_hidden()

    tab_until(page, menu)
    page.keyboard.press("Enter")

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(places).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    tab_until(page, places)
    scroll_width, window_width = page.evaluate(SCROLL_WIDTH)
    assert scroll_width <= window_width == 320, f"{scroll_width} px wide with the menu open"


def test_a_wide_list_at_320_px_scrolls_in_its_own_region_not_the_page(page: Page, officer) -> None:
    for value in ("75.00", "120.00", "340.00"):
        GiftFactory(
            value=value, description="Anhui Xuan paper scroll", counterparty="Hefei Foreign Affairs Office"
        )
    sign_in(page, officer.username)
    page.goto("/delegations/gifts/")
    region = page.get_by_role("region", name="Gifts and hospitality register table")
    expect(region.get_by_role("table")).to_be_visible()

    assert sideways_scrolling(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    scroll_width, client_width = region.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width > client_width, "the table fits: the test shows nothing"
    # The region takes focus, so a keyboard can scroll it.
    tab_until(page, region)
    page.keyboard.press("ArrowRight")
    # The browser scrolls smoothly: wait for it to move (or fail after the usual timeout).
    page.wait_for_function("(el) => el.scrollLeft > 0", arg=region.element_handle())
    assert page.evaluate("() => window.scrollX") == 0, "the page scrolled sideways"


def test_the_icon_browsers_ask_for_is_there(page: Page) -> None:
    response = page.request.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/")
    assert response.body()[:4] == b"\x00\x00\x01\x00"
    page.goto("/accounts/login/")
    icons = page.locator("link[rel=icon]")
    expect(icons).to_have_count(2)
    for href in icons.evaluate_all("(links) => links.map((link) => link.href)"):
        assert page.request.get(href).status == 200, href


def test_at_320_px_each_sign_off_stands_as_a_block_its_fields_full_width(page: Page, officer) -> None:
    report = draft(officer)
    sign_in(page, officer.username)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/reports/{report.pk}/sign-off/")
    legal = page.get_by_role("textbox", name="Legal officer: Officer name")
    cleared = page.get_by_label("Legal officer: Cleared on")
    main_width = page.get_by_role("main").evaluate("(el) => el.clientWidth")
    for field in (legal, cleared):
        assert field.bounding_box()["width"] >= 0.8 * main_width, "the field is squeezed into a column"
    assert sideways_scrolling(page) == []
    # Wide enough, the rows are a table again, one row to each role.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert legal.bounding_box()["y"] == pytest.approx(cleared.bounding_box()["y"], abs=40)
