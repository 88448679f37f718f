"""Browser tests (Playwright, Debian Chromium): each role's main work done with
the keyboard alone.

Nothing is clicked. The tests press Tab until the control a person wants has
focus (it must be reached within a limit), type into fields, and press Enter
or Space. At every stop the focused element must show it (an outline or a box
shadow from the computed style) and be on the page, never hidden; after
every action that stays on the page, and after every form sent, focus must
be somewhere a person can see, not back on <body>.

- Any page: the first Tab reaches "Skip to main content", and Enter on it
  moves focus to the main content.
- Officer: adds a place and sees it added; adds and removes a participant on
  a visit, both in place (htmx), focus following the confirmation.
- Finance: opens Budgets, the financial year, the proposed line, and
  approves it with a comment.
- Leader's Office: opens Reports and the report, approves it, asks for its
  PDF and downloads it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from datetime import date

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from budgets.models import BudgetLine, LineStatus
from partners.models import Place
from reports.models import Rendering, RenderingStatus, Report, ReportStatus
from reports.services import rendering_run
from tests.factories import PASSWORD, BudgetLineFactory, ParticipantFactory, VisitFactory
from tests.support.browser import POLLING_MS, authenticator_code, draft_ready_for_approval
from tests.support.reports import TITLE
from twinning.celery import app as celery_app

# Enough for the header's links and a long form; a control further away than
# this is a control a keyboard user cannot reasonably reach.
TAB_LIMIT = 60
END_OF_PAGE = "(end of the page)"

# Where focus is, whether it is the wanted element, and whether it shows.
FOCUS_STATE = """(target) => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const name = (el.getAttribute('aria-label') || el.labels?.[0]?.innerText || el.innerText || el.value || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 60);
  return {
    onTarget: el === target,
    body: el === document.body || el === null,
    describe: `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> ${name}`,
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none' && style.boxShadow !== '',
    onScreen: box.width > 1 && box.height > 1 && box.bottom > 0 && box.right > 0
      && box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""


def assert_focus_shows(state: dict, after: str) -> None:
    assert not state["body"], f"focus fell back to <body> {after}"
    assert state["outline"] or state["shadow"], f"no visible focus on {state['describe']} {after}"
    assert state["onScreen"], f"focus is on {state['describe']}, which is not on the screen, {after}"


def tab_to(page: Page, target: Locator, limit: int = TAB_LIMIT) -> None:
    """Presses Tab until ``target`` has focus, checking that every stop on the way shows its focus."""
    expect(target).to_be_attached()
    stops: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = target.evaluate(FOCUS_STATE)
        if state["body"] and (not stops or stops[-1] != END_OF_PAGE):
            # Past the last control focus leaves the page (to the browser's own
            # controls, here to <body>); the next Tab starts again at the top.
            stops.append(END_OF_PAGE)
            continue
        stops.append(state["describe"])
        assert_focus_shows(state, f"on the way to {target}, through: " + " | ".join(stops))
        if state["onTarget"]:
            return
    pytest.fail(f"{target} not reached in {limit} presses of Tab; focus went: " + " | ".join(stops))


def press_and_wait(page: Page, key: str) -> None:
    """Presses a key that sends a form or follows a link, and waits for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def assert_focus_on(page: Page, target: Locator, after: str) -> None:
    expect(target).to_be_visible()
    # htmx moves focus once the new section has settled, a moment after it shows;
    # if it never comes, the assertions below say where focus is instead.
    with contextlib.suppress(AssertionError):
        expect(target).to_be_focused()
    state = target.evaluate(FOCUS_STATE)
    assert_focus_shows(state, after)
    assert state["onTarget"], f"focus is on {state['describe']}, not on {target}, {after}"


def skip_to_main(page: Page) -> None:
    """On a page just opened: the first Tab is the skip link, and it moves focus to main."""
    skip = page.get_by_role("link", name="Skip to main content")
    page.keyboard.press("Tab")
    assert_focus_on(page, skip, "after the first Tab")
    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_be_focused()
    assert_focus_shows(main.evaluate(FOCUS_STATE), "after Enter on the skip link")


def take_back_the_message_to_the_worker(rendering_id: int) -> None:
    """With REDIS_URL set the request told a worker through Redis; the test does the
    worker's part itself, so it takes that message back rather than leave it there."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = celery_app.conf.task_default_queue
    try:
        for raw in broker.lrange(queue, 0, -1):
            message = json.loads(raw)
            if message.get("headers", {}).get("task") != "reports.render_report_pdf":
                continue
            args = json.loads(base64.b64decode(message["body"]))[0]
            if list(args) == [rendering_id]:
                broker.lrem(queue, 1, raw)
    finally:
        broker.close()


@pytest.fixture
def page(page: Page) -> Page:
    """The tab, for someone who has asked for reduced motion: Bootstrap then scrolls to the
    focused control at once instead of smoothly, so where it lands can be checked at once."""
    page.emulate_media(reduced_motion="reduce")
    return page


def sign_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    skip_to_main(page)
    tab_to(page, page.get_by_role("textbox", name="Username", exact=True))
    page.keyboard.type(username)
    tab_to(page, page.get_by_role("textbox", name="Password", exact=True))
    page.keyboard.type(PASSWORD)
    press_and_wait(page, "Enter")
    if page.get_by_role("heading", level=1).inner_text() == "Set up two-step sign-in":
        # Finance's role asks for an authenticator app: set up by keyboard too, the key typed
        # into the "phone" as shown.
        key = page.locator("code").inner_text().replace(" ", "")
        tab_to(page, page.get_by_role("textbox", name="Code", exact=True))
        page.keyboard.type(authenticator_code(base64.b32decode(key + "=" * (-len(key) % 8))))
        tab_to(page, page.get_by_role("button", name="Turn on two-step sign-in"))
        press_and_wait(page, "Enter")
        follow(page, page.get_by_role("link", name="I have kept them: continue"), "Twinning register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Twinning register")


def open_from_main_menu(page: Page, label: str, heading: str) -> None:
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True))
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def follow(page: Page, link: Locator, heading: str | re.Pattern[str]) -> None:
    tab_to(page, link)
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def follow_to_its_page(page: Page, name: str) -> None:
    """Follows the link in the main content reading ``name`` to the page headed ``name``."""
    follow(page, page.get_by_role("main").get_by_role("link", name=name), name)


def test_the_skip_link_comes_first_and_moves_focus_to_the_main_content(page: Page) -> None:
    page.goto("/accounts/login/")
    skip_to_main(page)
    # The next stop is the first control of the main content, not the header.
    tab_to(page, page.get_by_role("textbox", name="Username", exact=True), limit=1)


def test_an_officer_adds_a_place_and_a_participant_by_keyboard(page: Page, officer) -> None:
    visit = VisitFactory(title="Hefei City delegation to Derby", relationship__place__name="Hefei")
    ParticipantFactory(visit=visit, name="British Deputy Consul General, Shanghai")
    sign_in_by_keyboard(page, officer.username)

    open_from_main_menu(page, "Places", "Places")
    follow(page, page.get_by_role("link", name="Add a place"), "Add a place")
    expect(page.get_by_text("Fields marked with an asterisk (*) must be filled in.")).to_be_visible()
    tab_to(page, page.get_by_role("textbox", name="English name", exact=True))
    page.keyboard.type("Osnabrück")
    tab_to(page, page.get_by_role("textbox", name="Country", exact=True))
    page.keyboard.type("Germany")
    tab_to(page, page.get_by_role("main").get_by_role("button", name="Save"))
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Osnabrück")
    message = page.get_by_role("status").filter(has_text="Osnabrück was added.")
    assert_focus_on(page, message, "after the place was added")
    assert Place.objects.filter(name="Osnabrück", country="Germany").exists()

    # The visit page's participants: added and removed in place, focus on what happened.
    open_from_main_menu(page, "Visits", "Visits")
    follow_to_its_page(page, "Hefei City delegation to Derby")
    participants = page.get_by_role("region", name="Participants")
    tab_to(page, participants.get_by_role("button", name="Add participant"))
    page.keyboard.press("Enter")  # sent empty
    summary = participants.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    assert_focus_on(page, summary, "after the empty participant was refused")

    tab_to(page, participants.get_by_role("textbox", name="Name", exact=True))
    page.keyboard.type("Cllr Ranjit Banwait")
    tab_to(page, participants.get_by_role("combobox", name="Role", exact=True))
    page.keyboard.type("Elected")  # a closed select picks the option typed
    expect(participants.get_by_role("combobox", name="Role", exact=True)).to_have_value("member")
    tab_to(page, participants.get_by_role("button", name="Add participant"))
    page.keyboard.press("Enter")
    added = participants.get_by_text("Cllr Ranjit Banwait was added")
    assert_focus_on(page, added, "after the participant was added")
    table = participants.get_by_role("table", name="Who took part")
    expect(table.get_by_role("row").filter(has_text="Cllr Ranjit Banwait")).to_have_count(1)
    assert visit.participants.filter(name="Cllr Ranjit Banwait", role="member").exists()

    tab_to(page, participants.get_by_role("link", name="Remove Cllr Ranjit Banwait"))
    page.keyboard.press("Enter")
    question = participants.get_by_text("Remove Cllr Ranjit Banwait from the visit's participants?")
    assert_focus_on(page, question, "after Remove was pressed")
    tab_to(page, participants.get_by_role("button", name="Yes, remove it"))
    page.keyboard.press("Space")
    removed = participants.get_by_text("was removed")
    assert_focus_on(page, removed, "after the participant was removed")
    expect(table.get_by_role("row").filter(has_text="Cllr Ranjit Banwait")).to_have_count(0)
    assert not visit.participants.filter(name="Cllr Ranjit Banwait").exists()


def test_finance_approves_a_proposed_line_by_keyboard(page: Page, finance) -> None:
    line = BudgetLineFactory(
        financial_year__start_year=2015,
        title="Exploratory visit to China (FCO funding)",
        amount="4000.00",
        funding_source="fco",
    )
    sign_in_by_keyboard(page, finance.username)

    open_from_main_menu(page, "Budgets", "Budgets by financial year")
    follow(page, page.get_by_role("main").get_by_role("link", name="2015–16"), re.compile("2015–16"))
    follow_to_its_page(page, "Exploratory visit to China (FCO funding)")
    decision = page.get_by_role("region", name="Finance decision")
    tab_to(page, decision.get_by_role("radio", name="Approve"))
    page.keyboard.press("Space")
    expect(decision.get_by_role("radio", name="Approve")).to_be_checked()
    tab_to(page, decision.get_by_role("textbox", name="Comment", exact=True))
    page.keyboard.type("Within the FCO's offer of funding for the exploratory visit.")
    tab_to(page, decision.get_by_role("button", name="Record decision"))
    press_and_wait(page, "Enter")

    message = page.get_by_role("status")
    expect(message).to_contain_text("approved")
    assert_focus_on(page, message, "after the decision was recorded")
    expect(page.get_by_text("Approved", exact=True)).to_be_visible()
    line.refresh_from_db()
    assert (line.status, line.decided_by, line.decision_comment) == (
        LineStatus.APPROVED,
        finance,
        "Within the FCO's offer of funding for the exploratory visit.",
    )
    assert BudgetLine.objects.filter(status=LineStatus.PROPOSED).count() == 0


def test_the_leader_s_office_approves_a_report_and_downloads_its_pdf_by_keyboard(
    page: Page, leader, officer
) -> None:
    report = draft_ready_for_approval(officer)
    sign_in_by_keyboard(page, leader.username)

    open_from_main_menu(page, "Reports", "Cabinet reports")
    follow_to_its_page(page, TITLE)
    tab_to(page, page.get_by_role("button", name="Approve the report"))
    press_and_wait(page, "Enter")
    message = page.get_by_role("status")
    expect(message).to_contain_text(f"“{TITLE}” is now approved.")
    assert_focus_on(page, message, "after the report was approved")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.APPROVED

    tab_to(page, page.get_by_role("button", name="Make the PDF"))
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"PDF of {TITLE}")
    message = page.get_by_role("status").filter(has_text="The PDF was asked for")
    assert_focus_on(page, message, "after the PDF was asked for")
    rendering = Rendering.objects.get(report=report)
    if not celery_app.conf.task_always_eager:
        # With REDIS_URL set no worker of this test listens: the test does its part.
        take_back_the_message_to_the_worker(rendering.pk)
        rendering_run(rendering_id=rendering.pk)

    download = page.get_by_role("link", name=f"Download the PDF of {TITLE}")
    expect(download).to_be_visible(timeout=POLLING_MS)
    tab_to(page, download)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    assert (
        download_info.value.suggested_filename
        == f"{date(2015, 9, 9).isoformat()} Council Cabinet - {TITLE}.pdf"
    )
    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.READY
    # The download leaves the page, and focus, where they were.
    assert_focus_on(page, download, "after the download")
