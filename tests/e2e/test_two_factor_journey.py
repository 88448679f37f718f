"""Browser test (Playwright, Debian Chromium): Fred of Finance sets up two-step sign-in.

His first password sign-in takes him to the set-up page, where he types the key
into his authenticator app (the test works the code out from the key shown, as
the app would), keeps his recovery codes and goes on to the register. Next time,
after his password, the register asks for the code. Each page of the journey
passes axe-core (WCAG 2.2 AA), reflows from 320 px and shows its focus.
"""

from __future__ import annotations

import base64
import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from core import roles
from tests.factories import PASSWORD, UserFactory
from tests.support.browser import authenticator_code, second_step

SCREENSHOTS = "/tmp/e2e-two-factor-{}.png"  # for a person to look at; not asserted


def test_finance_sets_up_an_app_keeps_the_codes_and_is_asked_for_a_code_next_time(page: Page, db) -> None:
    from tests.support.axe import failing
    from tests.support.layout import sideways_scrolling, unseen_focus

    UserFactory(username="fred", roles=[roles.FINANCE])
    problems: list[str] = []

    def check(where: str) -> None:
        page.screenshot(path=SCREENSHOTS.format(where), full_page=True)
        problems.extend(f"{where}: {violation}" for violation in failing(page))
        problems.extend(f"{where}: {wider}" for wider in sideways_scrolling(page))
        problems.extend(f"{where}: {unseen}" for unseen in unseen_focus(page)[1])

    def password(next_page: str = "/budgets/review/") -> None:
        page.goto(next_page)
        page.get_by_label("Username").fill("fred")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    password()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check("set-up")
    page.get_by_role("textbox", name="Code", exact=True).fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("link", name="Code: That code is not right")).to_be_visible()  # the summary
    check("set-up-wrong")
    page.wait_for_timeout(1_100)  # held back a second after a wrong code
    key = page.locator("code").inner_text().replace(" ", "")
    page.get_by_role("textbox", name="Code", exact=True).fill(
        authenticator_code(base64.b32decode(key + "=" * (-len(key) % 8)))
    )
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.get_by_role("list").last.get_by_role("listitem").count() == 10
    check("recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page).to_have_url(re.compile(r"/budgets/review/$"))
    assert TOTPDevice.objects.get(user__username="fred").confirmed

    page.get_by_role("button", name="Sign out").click()
    password()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    check("verify")
    second_step(page, "fred")
    expect(page).to_have_url(re.compile(r"/budgets/review/$"))

    assert problems == []
