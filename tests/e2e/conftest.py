"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

The browser is never downloaded (no ``playwright install``): the tests use the
Chromium that Debian packages at /usr/bin/chromium, which CI installs. If it is
missing the tests fail, loudly, rather than skip and pass unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.support.browser import TIMEOUT_MS, new_context

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Containers often give /dev/shm only 64 MB, which crashes Chromium's renderer.
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test in this folder drives the browser (``-m "not browser"`` skips them).
    # The hook sees the whole session's items, so mark only ours.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright for the browser tests, and leave to touch the ORM while it runs.

    Playwright's sync API keeps an asyncio event loop running in the main
    thread for as long as it is started. Django sees that running loop and
    refuses ORM calls from the main thread (SynchronousOnlyOperation), which
    is where the tests build their personas, check the database and where
    pytest-django flushes it after each test. Nothing here is async: the loop
    only carries Playwright's messages, and the live server answers the
    browser from its own thread. So the check is switched off, only while
    Playwright runs.

    Package scope (this folder), not session: a Playwright left running after
    the last browser test would make every later database test in the same
    run hit the same refusal, or run with the check off.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. The browser tests use Debian's "
            "Chromium (apt-get install chromium), never a downloaded one.",
            pytrace=False,
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as running:
            expect.set_options(timeout=TIMEOUT_MS)
            yield running
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A new tab in a fresh context (no cookies) pointed at the live server."""
    context = new_context(browser, live_server.url)
    page = context.new_page()
    yield page
    context.close()
