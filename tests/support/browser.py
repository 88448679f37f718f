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
    """Opens the site, is sent to the sign-in page, and signs in with the suite's password."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


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
