"""What the browser tests share: how long to wait, signing in as a person does,
and a draft report waiting for the Leader's Office."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from reports.models import Report
from tests.factories import PASSWORD, ParagraphFactory
from tests.support.register import report_with_sign_offs
from tests.support.reports import TITLE

# A page that works answers at once on a local server; a broken one should fail
# the test in seconds, not after Playwright's default 30.
TIMEOUT_MS = 5_000
# The PDF's page asks again every two seconds; allow for a couple of polls.
POLLING_MS = 10_000


def new_context(browser: Browser, base_url: str) -> BrowserContext:
    """A fresh browser context (no cookies) on the live server, in London's English."""
    context = browser.new_context(
        base_url=base_url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Page, username: str) -> None:
    """Opens the site, is sent to the sign-in page, and signs in with the suite's password;
    then, where the role asks for it, takes the second step as the person's phone would."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/" in page.url:
        second_step(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def authenticator_code(key: bytes) -> str:
    """What an authenticator app shows now for a device's key (RFC 6238, 30 s, 6 digits)."""
    from django_otp.oath import totp

    return f"{totp(key):06d}"


def second_step(page: Page, username: str) -> None:
    """Sets up an authenticator app when the page asks (typing in the key it shows), or enters
    the code the app set up before shows (its key read from the device, as the phone keeps it)."""
    import base64
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    if page.get_by_role("heading", level=1).inner_text() == "Set up two-step sign-in":
        key = page.locator("code").inner_text().replace(" ", "")
        page.get_by_role("textbox", name="Code", exact=True).fill(
            authenticator_code(base64.b32decode(key + "=" * (-len(key) % 8)))
        )
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        page.get_by_role("link", name="I have kept them: continue").click()
        return
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    if device.last_t >= int(time.time()) // device.step:
        time.sleep(device.step - time.time() % device.step + 0.2)  # this code was used: the next one
    page.get_by_role("textbox", name="Code", exact=True).fill(authenticator_code(device.bin_key))
    page.get_by_role("button", name="Continue").click()


def draft_ready_for_approval(officer: Any) -> Report:
    """The 9 September 2015 report, drafted by ``officer``, its required sign-offs cleared."""
    report = report_with_sign_offs(TITLE, date(2015, 9, 9), created_by=officer)
    for section, text in (
        (1, "This report sets out options for overseas economic twinning."),
        (2, "To note the approaches from Hefei (合肥市) and Zhejiang."),
        (4, "Derby has longstanding links with Osnabrück and Toyota City."),
    ):
        ParagraphFactory(report=report, section=section, text=text)
    return report
