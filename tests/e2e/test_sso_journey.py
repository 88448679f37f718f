"""Browser test (Playwright, Debian Chromium): signing in through the council's identity provider.

A real OpenID Connect provider (oidc-provider under Node 22, tests/support/oidc/)
runs beside the live server with the app registered as its client. Ada presses
"Sign in with Derby City Council", signs in on the provider's own page and lands
on the register as an officer, because her group says so. Her group is changed
at the provider; she signs out and in again (the provider remembers her, so no
form) and is now Finance. A leaver's disabled account is refused at the
provider; an ID token for another audience is refused by the app, and so is the
provider's answer sent a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from core import roles
from tests.support.oidc_provider import OIDCProvider
from tests.support.sso import PASSWORD, PEOPLE, client_of, use_provider

SCREENSHOTS = "/tmp/e2e-sso-{}.png"  # for a person to look at; not asserted


@pytest.fixture(scope="module")
def registered(live_server) -> dict[str, Any]:
    """The app as the provider knows it."""
    return client_of("twinning-browser", "a-secret-for-the-browser-tests", live_server.url)


@pytest.fixture(scope="module")
def provider(registered) -> Iterator[OIDCProvider]:
    with OIDCProvider(clients=[registered], users=PEOPLE) as running:
        yield running


@pytest.fixture
def sso(settings, provider: OIDCProvider, registered) -> OIDCProvider:
    return use_provider(settings, provider, registered)


def sign_in_at_the_provider(page: Page, username: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("button", name="Sign in with Derby City Council").click()
    expect(page).to_have_title(re.compile("Test OpenID Provider"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def roles_of(sub: str) -> set[str]:
    user = get_user_model().objects.get(sign_in_identities__subject=sub)
    return set(user.groups.values_list("name", flat=True))


def test_first_sign_in_lands_with_the_role_the_group_gives_and_follows_a_change_of_group(
    page: Page, sso: OIDCProvider
) -> None:
    page.goto("/accounts/login/")
    page.screenshot(path=SCREENSHOTS.format("sign-in"), full_page=True)

    sign_in_at_the_provider(page, "ada")

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Ada Lovelace", exact=True)).to_be_visible()
    assert roles_of("00u-ada") == {roles.OFFICER}
    page.goto("/budgets/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")

    sso.set_user("00u-ada", groups=["g-twinning-finance"])
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in with Derby City Council").click()  # remembered there: no form

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert roles_of("00u-ada") == {roles.FINANCE}
    page.goto("/budgets/review/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("You do not have access to this page")


def test_a_disabled_account_is_refused_at_the_provider(page: Page, sso: OIDCProvider) -> None:
    sign_in_at_the_provider(page, "cat")

    expect(page.get_by_role("alert")).to_have_text("This account is disabled.")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert not get_user_model().objects.filter(sign_in_identities__subject="00u-cat").exists()


def test_a_token_for_another_audience_and_a_replayed_answer_are_refused(
    page: Page, sso: OIDCProvider
) -> None:
    sso.tamper(claims={"aud": "someone-else"}, count=1)
    answers: list[str] = []
    page.on(
        "request",
        lambda request: answers.append(request.url) if "/accounts/sso/callback/" in request.url else None,
    )

    sign_in_at_the_provider(page, "ada")

    expect(page.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
    expect(page.get_by_text("could not be trusted")).to_be_visible()
    page.screenshot(path=SCREENSHOTS.format("refused"), full_page=True)

    # A clean sign-in, then its answer sent again.
    page.get_by_role("link", name="Back to sign in").click()
    page.get_by_role("button", name="Sign in with Derby City Council").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(answers[-1])

    expect(page.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
    expect(page.get_by_text("That sign-in link has been used already or has expired.")).to_be_visible()


def test_single_sign_on_s_own_pages_pass_axe_reflow_and_focus(page: Page, sso: OIDCProvider) -> None:
    """The sign-in page with its button, the refusal and the no-role page: WCAG 2.2 AA by axe-core,
    no sideways scrolling from 320 px, every focusable element seen when focused."""
    from tests.support.axe import failing
    from tests.support.layout import sideways_scrolling, unseen_focus

    problems: list[str] = []

    def check(where: str) -> None:
        problems.extend(f"{where}: {violation}" for violation in failing(page))
        problems.extend(f"{where}: {wider}" for wider in sideways_scrolling(page))
        problems.extend(f"{where}: {unseen}" for unseen in unseen_focus(page)[1])

    page.goto("/accounts/login/")
    page.get_by_text("Sign in with a password instead").click()  # the form inside, open
    check("sign-in page")
    sso.tamper(claims={"nonce": "wrong"}, count=1)
    sign_in_at_the_provider(page, "ada")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
    check("refusal")
    sso.set_user("00u-ada", groups=["g-all-staff"])
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Derby City Council").click()  # remembered: no form
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed in, but have no access yet")
    page.screenshot(path=SCREENSHOTS.format("no-role"), full_page=True)
    check("no-role page")

    assert problems == []
