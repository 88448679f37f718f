"""Browser test (Playwright, Debian Chromium): every page of Twinning, as the
role that uses it, against WCAG 2.2 AA with axe-core, and against the Content
Security Policy as Chromium enforces it.

The demo register (Derby's Cabinet report of 9 September 2015) is loaded so
that each page shows real records. Each role signs in once and walks its
pages in one tab: every list, detail, history, create and edit form, the
dashboard, the report preview, the sign-in page with a mistake and the
sign-in lockout page, and a few forms sent empty so that their errors show.
On each page axe-core (installed from npm) is evaluated and run for the
WCAG 2.0, 2.1 and 2.2 A and AA rules; a serious or critical violation fails.

Along the way every Content Security Policy violation the browser reports
(a ``securitypolicyviolation`` event, or the console's "Content Security
Policy" error) is collected, and each HTML page must carry the
``Content-Security-Policy`` header. htmx works under that policy: a
participant is added to and removed from a visit in place, and a PDF's page
follows its rendering from queued to ready by itself.

Each page is also measured as laid out: at 320, 768, 1280 and 1920 CSS px
wide it must not scroll sideways (WCAG 2.2 1.4.10; a wide table scrolls in
its own region), and every element that takes focus must show a ring of at
least 3:1 against what is behind it, 2 px or more wide (2.4.7, 1.4.11; see
tests/support/layout.py).

Which pages are walked is checked against the URL conf: a page added to the
app without a place in WALK or a reason in NOT_WALKED fails
``test_every_page_is_walked_or_excluded``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, Response, Route, expect

from budgets.models import BudgetLine, LineStatus, Spend
from delegations.models import CostItem, Visit
from demo.register import REGISTER_DRAFT_TITLE
from partners.models import Action, Approach, Contact, Exchange, Organisation, Place, Relationship
from reports.models import Paragraph, Rendering, RenderingStatus, Report, ReportStatus
from reports.services import rendering_run
from tests.factories import GiftFactory, ReportFactory
from tests.support.axe import AXE, AXE_TAGS, FAILING_IMPACTS, RUN_AXE
from tests.support.browser import new_context, sign_in
from tests.support.demo import load_the_demo
from tests.support.layout import sideways_scrolling, unseen_focus
from tests.support.register import DOCUMENT_APPS
from tests.support.urls import url_for, walk_urls

# The rendering page asks again every two seconds.
POLLING_MS = 10_000

# Added to every page before its own scripts (init scripts are not subject to
# the policy): hands each violation to the test as it happens.
LISTEN_FOR_CSP = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : '')
  );
});
"""


# --- Which pages, as whom --------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    """One page to open: the URL name, the role that opens it, and the status it answers.

    Its URL names the demo's record of the kind it names (as the URL walker fills
    URLs, tests/support/urls.py), or ``record``'s.
    """

    name: str
    role: str
    record: str | None = None
    status: int = 200
    query: str = ""


def stops(role: str, *pages: str) -> list[Stop]:
    """``role`` opening each page in turn; a page may carry a query (``overview:search?q=xian``)."""
    return [Stop(page.split("?")[0], role, query=page[len(page.split("?")[0]) :]) for page in pages]


# In order, per role.
WALK: list[Stop] = [
    # Officers keep the register: every form is theirs.
    *stops(
        "officer",
        "overview:dashboard",
        "overview:search?q=xian",
        "overview:search?q=nothing-of-the-sort",
        "partners:place-list",
        "partners:place-create",
        "partners:place-detail",
        "partners:place-update",
        "partners:relationship-list",
        "partners:relationship-create",
        "partners:relationship-detail",
        "partners:relationship-update",
        "partners:approach-list",
        "partners:approach-create",
        "partners:approach-detail",
        "partners:approach-update",
        "partners:approach-triage",
        "partners:organisation-create",
        "partners:organisation-detail",
        "partners:organisation-update",
        "partners:contact-create",
        "partners:contact-update",
        "partners:action-list",
        "partners:action-create",
        "partners:action-detail",
        "partners:action-update",
        "partners:exchange-create",
        "partners:exchange-update",
        "delegations:visit-list",
        "delegations:visit-create",
        "delegations:visit-detail",
        "delegations:visit-update",
        "delegations:cost-item-change",
        # Removing asks first: one page for every kind of part and document.
        "delegations:cost-item-remove",
        "delegations:gift-create",
        "delegations:gift-update",
        "delegations:calendar",
        "budgets:line-create",
        "budgets:spend-create",
        "budgets:spend-update",
        "reports:report-list",
        "reports:report-create",
        "reports:draft-from-register",
        "reports:report-detail",
        "reports:report-update",
        "reports:paragraph-update",
        "reports:paragraph-delete",
        "reports:sign-offs",
        "password_change",
        "password_change_done",
        "two-factor",
    ),
    # Finance keeps the budgets.
    *stops(
        "finance",
        "overview:dashboard",
        "overview:digest-settings",
        "budgets:year-list",
        "budgets:year-detail",
        "budgets:line-list",
        "budgets:line-detail",
        "budgets:line-update",
        "budgets:line-history",
        "budgets:spend-list",
        "budgets:spend-detail",
        "budgets:spend-history",
        "budgets:review",
        "budgets:cost-shares",
    ),
    # The Leader's Office reads everything and decides on reports.
    *stops(
        "leader",
        "overview:dashboard",
        "overview:discovery",
        "overview:relationship-health-list",
        "overview:relationship-health",
        "reports:report-list",
        "reports:decision-record",
        "reports:rendering-detail",
        "partners:place-history",
        "partners:relationship-history",
        "partners:approach-history",
        "partners:organisation-list",
        "partners:organisation-history",
        "partners:contact-list",
        "partners:contact-detail",
        "partners:contact-history",
        "partners:action-history",
        "partners:exchange-list",
        "partners:exchange-detail",
        "partners:exchange-history",
        "delegations:visit-detail",
        "delegations:visit-history",
        "delegations:gift-list",
        "delegations:gift-detail",
        "delegations:gift-history",
    ),
    # ... the approved report, where the officers' pages above show the draft.
    Stop("reports:report-detail", "leader", "approved_report"),
    Stop("reports:report-preview", "leader", "approved_report"),
    Stop("reports:report-history", "leader", "approved_report"),
    # The administrator reads the register, manages users in the Django admin and looks after
    # personal data: the retention review, an erasure and subject access.
    *stops(
        "administrator",
        "overview:dashboard",
        "partners:place-detail",
        "privacy:retention",
        "privacy:erase",
        "privacy:subject-access",
    ),
    # Signed in without a role yet: the dashboard says so; the register is refused.
    *stops(
        "outsider",
        "overview:dashboard",
    ),
    Stop("partners:place-list", "outsider", status=403),
    # The public part, signed out: published reports and the open data.
    Stop("public:index", "anonymous"),
    Stop("public:report", "anonymous", "published_report"),
    Stop("public:relationships", "anonymous"),
    Stop("public:travel", "anonymous"),
    Stop("public:gifts", "anonymous"),
]

# Django admin pages (Django's own templates): checked for the Content Security
# Policy only, as the administrator.
ADMIN_PAGES = ["admin:index", "admin:partners_place_changelist", "admin:partners_place_change"]


# A removal's address asks first, on the page walked for a cost item and a paragraph.
SAME_QUESTION = "the page asking before a removal, walked for a cost item and a paragraph"

NOT_WALKED: dict[str, str] = {
    "login": "walked signed out, with a mistake and to the lockout page (signed_out_walk)",
    "healthz": "JSON for the load balancer, not a page",
    "sso-start": "POST only: the single sign-on button, walked in tests/e2e/test_sso_journey.py",
    "sso-callback": "the provider's way back: walked, refusing, in tests/e2e/test_sso_journey.py",
    "no-role": "shown after single sign-on gives no role: walked in tests/e2e/test_sso_journey.py",
    "two-factor-verify": "shown only between a password and its code: walked in tests/e2e/test_two_factor_journey.py",
    "favicon": "the browser's icon, sent on to the static file (tests/core/test_site_icon.py)",
    "logout": "POST only: the Sign out button in the header of every page",
    "delegations:calendar-feed": "an iCalendar file for calendar clients, not HTML",
    "delegations:overseas-travel-csv": "a CSV download",
    "budgets:year-export-csv": "a CSV download",
    "budgets:year-export-xlsx": "an XLSX download",
    "budgets:lines-export-csv": "a CSV download",
    "budgets:lines-export-xlsx": "an XLSX download",
    "reports:rendering-download": "a PDF download",
    "public:report-pdf": "a PDF download",
    "public:relationships-csv": "a CSV download",
    "public:relationships-json": "a JSON download",
    "public:travel-csv": "a CSV download",
    "public:travel-json": "a JSON download",
    "public:gifts-csv": "a CSV download",
    "public:gifts-json": "a JSON download",
    "public:report-feed": "an Atom feed for feed readers, not HTML",
    # POST-only buttons and forms: their result is the page they sit on, walked above.
    "partners:relationship-status": "POST only: the status form on the relationship page",
    "partners:stakeholder-create": "POST only: the stakeholder form on the relationship page",
    "partners:stakeholder-delete": SAME_QUESTION,
    "partners:approach-organisation-add": "POST only: an in-place form on the approach form page, walked with it",
    "partners:approach-contact-add": "POST only: an in-place form on the approach form page, walked with it",
    "partners:approach-contact-choices": "a fragment htmx swaps into the approach forms, not a page",
    "delegations:visit-status": "POST only: the status form on the visit page",
    "delegations:participant-add": "POST only (htmx): sent empty and valid in the htmx test below",
    "delegations:participant-remove": SAME_QUESTION,
    "delegations:meeting-add": "POST only: the meeting form on the visit page",
    "delegations:meeting-remove": SAME_QUESTION,
    "delegations:cost-item-add": "POST only: the cost item form on the visit page",
    "delegations:estimate-add": "POST only: the quick estimate form on the visit page",
    "delegations:follow-up-add": "POST only: the follow-up form on the visit page",
    "delegations:calendar-regenerate": "POST only: the button on the calendar page",
    "budgets:line-decide": "POST only: the decision form on the budget line page",
    "budgets:spend-override": "POST only: the override form on the spend page",
    "reports:paragraph-add": "POST only: the paragraph form on the report page",
    "reports:paragraph-move": "POST only: the move buttons on the report page",
    "reports:report-approve": "POST only: the Approve button on the report page",
    "reports:report-publish": "POST only: the Publish button on the report page",
    "reports:report-revise": "POST only: the revised draft button on the report page",
    "reports:rendering-request": "POST only: the Make the PDF button on the report page",
    "reports:rendering-retry": "POST only: the Try again button on a failed PDF's page",
    # Documents kept with records: the section is on each record's page, walked above.
    **{
        f"{app}:{kind}-document": "a document download (the file itself), not a page"
        for app, kind in DOCUMENT_APPS
    },
    **{
        f"{app}:{kind}-document-add": f"POST only: the documents section of the {kind} page"
        for app, kind in DOCUMENT_APPS
    },
    **{f"{app}:{kind}-document-remove": SAME_QUESTION for app, kind in DOCUMENT_APPS},
    "privacy:review-decide": "POST only: the Erase and Keep buttons on the retention review",
}

# Forms sent empty so that their errors show: (role, URL name, record, the submit button).
SENT_EMPTY: list[tuple[str, str, str | None, str]] = [
    ("officer", "partners:place-create", None, "Save"),
    ("officer", "delegations:visit-create", None, "Save"),
    ("officer", "delegations:gift-create", None, "Save"),
    ("officer", "reports:report-create", None, "Save"),
    ("officer", "password_change", None, "Change password"),
    ("officer", "two-factor", None, "Turn on two-step sign-in"),
    ("finance", "budgets:line-create", None, "Save"),
]


def test_every_page_is_walked_or_excluded() -> None:
    names = set(walk_urls())
    walked = {stop.name for stop in WALK}
    missing = sorted(names - walked - set(NOT_WALKED))
    assert not missing, "Pages neither walked nor excluded with a reason: " + ", ".join(missing)
    stale = sorted((walked | set(NOT_WALKED)) - names)
    assert not stale, "Walked or excluded URLs that no longer exist: " + ", ".join(stale)
    both = sorted(walked & set(NOT_WALKED))
    assert not both, "Both walked and excluded: " + ", ".join(both)


# --- The demo's records ----------------------------------------------------------


def demo_records() -> dict[str, Any]:
    visit = Visit.objects.get(title="Hefei City delegation to Derby")
    draft = Report.objects.get(title=REGISTER_DRAFT_TITLE, status=ReportStatus.DRAFT)
    approved = Report.objects.get(status=ReportStatus.APPROVED)
    line = BudgetLine.objects.filter(status=LineStatus.PROPOSED, spend__isnull=False).distinct().first()
    return {
        "place": Place.objects.get(name="Toyota City"),
        "relationship": Relationship.objects.get(place__name="Toyota City", kind="civic"),
        "approach": Approach.objects.get(place__name="Hefei"),
        "organisation": Organisation.objects.get(name="Rolls-Royce"),
        "contact": Contact.objects.get(),
        "action": Action.objects.order_by("pk").first(),
        "exchange": Exchange.objects.get(),
        "visit": visit,
        # The exploratory visit to China's hotel, changed in its row of the estimate.
        "costitem": CostItem.objects.order_by("pk").first(),
        # The demo records no gift: one received from the Hefei delegation is added.
        "gift": GiftFactory(
            visit=visit,
            direction="received",
            description="Anhui Xuan paper scroll",
            value="75.00",
            counterparty="Hefei Foreign Affairs Office",
        ),
        "line": line,
        "spend": Spend.objects.filter(budget_line=line).order_by("pk").first(),
        "report": draft,
        "paragraph": Paragraph.objects.filter(report=draft).order_by("pk").first(),
        "approved_report": approved,
        "rendering": Rendering.objects.get(report=approved, status=RenderingStatus.READY),
        # The demo publishes no report (the seed gives no decision): one is published here.
        "published_report": _published_copy(approved),
    }


def _published_copy(approved: Report) -> Report:
    published = ReportFactory(
        title="Twinning: the decision published",
        status=ReportStatus.PUBLISHED,
        decision="Cabinet agreed the recommendations.",
        decision_date=approved.meeting_date,
        decision_reasons="As the report sets out.",
        alternatives_rejected="Doing nothing.",
        conflicts_declared="None",
    )
    for paragraph in Paragraph.objects.filter(report=approved):
        Paragraph.objects.create(
            report=published,
            part=paragraph.part,
            section=paragraph.section,
            position=paragraph.position,
            text=paragraph.text,
        )
    made = Rendering.objects.get(report=approved, status=RenderingStatus.READY)
    Rendering.objects.create(
        report=published,
        report_version=published.version,
        status=RenderingStatus.READY,
        pdf=made.pdf,
        sha256=made.sha256,
        size_bytes=made.size_bytes,
        page_count=made.page_count,
    )
    return published


def url_of(stop: Stop, records: dict[str, Any]) -> str:
    if stop.record is None:
        return url_for(stop.name, records) + stop.query
    return reverse(stop.name, kwargs={"pk": records[stop.record].pk}) + stop.query


# --- Checking a page -------------------------------------------------------------


@dataclass
class Findings:
    axe: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    reflow: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    pages: int = 0
    laid_out: int = 0
    focused: int = 0

    def report(self) -> str:
        parts = []
        if self.axe:
            parts.append("axe-core, serious or critical:\n  " + "\n  ".join(self.axe))
        if self.csp:
            parts.append("Content Security Policy violations:\n  " + "\n  ".join(self.csp))
        if self.headers:
            parts.append(
                "HTML pages without a strict Content-Security-Policy header:\n  " + "\n  ".join(self.headers)
            )
        if self.reflow:
            parts.append(
                "Pages that scroll sideways (WCAG 1.4.10); a wide table goes in a focusable, labelled "
                "region that scrolls on its own (as templates/components/list_page.html does):\n  "
                + "\n  ".join(self.reflow)
            )
        if self.focus:
            parts.append("Focus that cannot be seen (WCAG 2.4.7, 1.4.11):\n  " + "\n  ".join(self.focus))
        return "\n".join(parts)


class Walker:
    """One signed-in tab per role, checking each page it is shown."""

    def __init__(self, browser: Browser, base_url: str, findings: Findings, axe_source: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.findings = findings
        self.axe_source = axe_source
        self.contexts: list[BrowserContext] = []
        self.where = "?"

    def open_tab(self, who: str) -> Page:
        context = new_context(self.browser, self.base_url)
        context.expose_function(
            "reportCspViolation", lambda text: self.findings.csp.append(f"{who} {self.where}: {text}")
        )
        context.add_init_script(LISTEN_FOR_CSP)
        self.contexts.append(context)
        page = context.new_page()

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                self.findings.csp.append(f"{who} {self.where} (console): {message.text}")

        page.on("console", on_console)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def check_header(self, response: Response | None, what: str) -> None:
        assert response is not None, f"{what}: no response"
        if "text/html" not in response.headers.get("content-type", ""):
            return
        policy = response.headers.get("content-security-policy", "")
        if not policy:
            self.findings.headers.append(f"{what}: no header")
        elif "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
            self.findings.headers.append(f"{what}: {policy}")

    def goto(self, page: Page, url: str, who: str, status: int = 200) -> None:
        self.where = url
        response = page.goto(url)
        assert response is not None and response.status == status, (
            f"{who} opening {url}: {response.status if response else 'no response'}"
        )
        self.check_header(response, f"{who} {url}")
        self.axe(page, who)
        self.layout(page, who)

    def axe(self, page: Page, who: str, note: str = "") -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_source)
        self.findings.pages += 1
        for violation in page.evaluate(RUN_AXE, AXE_TAGS):
            if violation["impact"] in FAILING_IMPACTS:
                self.findings.axe.append(
                    f"{who} {page.url.removeprefix(self.base_url)}{note}: {violation['id']} "
                    f"({violation['impact']}) {violation['help']}: {', '.join(violation['targets'][:6])}"
                )

    def submit(self, page: Page, button: str, who: str, note: str) -> None:
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name=button, exact=True).click()
        self.check_header(navigation.value, f"{who} {page.url} {note}")
        self.axe(page, who, f" ({note})")
        self.layout(page, who, f" ({note})")

    def layout(self, page: Page, who: str, note: str = "") -> None:
        """The page at every width, then every element it lets a person Tab to, focused."""
        where = f"{who} {page.url.removeprefix(self.base_url)}{note}"
        self.findings.laid_out += 1
        self.findings.reflow += [f"{where}: {wider}" for wider in sideways_scrolling(page)]
        count, unseen = unseen_focus(page)
        self.findings.focused += count
        self.findings.focus += [f"{where}: {failure}" for failure in unseen]


def signed_in(walker: Walker, page: Page, username: str) -> None:
    walker.where = "/accounts/login/"
    sign_in(page, username)


def signed_out_walk(walker: Walker) -> None:
    """The sign-in page, with a wrong password, and paused after too many."""
    page = walker.open_tab("anonymous")
    walker.goto(page, "/accounts/login/", "anonymous")
    # A required field's name is its label: the asterisk beside it is not read out.
    expect(page.get_by_role("textbox", name="Username", exact=True)).to_have_attribute("required", "")

    def wrong_password() -> Response | None:
        page.get_by_label("Username").fill("hefei-guesser")
        page.get_by_label("Password").fill("not-the-password")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Sign in").click()
        return navigation.value

    response = wrong_password()
    if settings.AXES_FAILURE_LIMIT > 1:
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        walker.check_header(response, "anonymous sign-in with a wrong password")
        walker.axe(page, "anonymous", " (wrong password)")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        if response is not None and response.status == 429:
            break
        response = wrong_password()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused")
    assert response is not None and response.status == 429
    walker.check_header(response, "anonymous lockout page")
    walker.axe(page, "anonymous", " (sign-in paused)")


# --- The tests -------------------------------------------------------------------


@pytest.fixture
def walker(browser: Browser, live_server) -> Iterator[Walker]:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci` (make test does).", pytrace=False)
    findings = Findings()
    walking = Walker(browser, live_server.url, findings, AXE.read_text(encoding="utf-8"))
    yield walking
    walking.close()


def test_every_page_meets_wcag_aa_and_the_content_security_policy(walker: Walker, personas) -> None:
    load_the_demo()
    records = demo_records()
    users = personas

    signed_out_walk(walker)

    tabs: dict[str, Page] = {}
    for stop in WALK:
        if stop.role not in tabs:
            tabs[stop.role] = walker.open_tab(stop.role)
            if stop.role != "anonymous":
                signed_in(walker, tabs[stop.role], users[stop.role].username)
        walker.goto(tabs[stop.role], url_of(stop, records), stop.role, stop.status)

    for role, name, record, button in SENT_EMPTY:
        page = tabs[role]
        walker.goto(page, url_of(Stop(name, role, record), records), role)
        walker.submit(page, button, role, "sent empty")
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()

    admin = tabs["administrator"]
    for name in ADMIN_PAGES:
        url = reverse(name, args=[records["place"].pk]) if name.endswith("_change") else reverse(name)
        walker.where = url
        response = admin.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        walker.check_header(response, f"administrator {url}")

    findings = walker.findings
    assert findings.pages >= len(WALK) + len(SENT_EMPTY) + 2
    assert findings.laid_out >= len(WALK) + len(SENT_EMPTY) + 1
    assert findings.focused >= 20 * findings.laid_out, "too few elements took focus: was the check run?"
    assert not findings.report(), findings.report()


def test_htmx_sections_work_under_the_content_security_policy(walker: Walker, officer, leader) -> None:
    """A participant added and removed in place on a visit page; a PDF's page following
    its rendering from queued to ready by itself. No violation on the way."""
    load_the_demo()
    visit = Visit.objects.get(title="Hefei City delegation to Derby")
    page = walker.open_tab("officer")
    signed_in(walker, page, officer.username)
    walker.goto(page, reverse("delegations:visit-detail", args=[visit.pk]), "officer")
    # The meta htmx-config was read: htmx adds no <style> of its own.
    assert page.evaluate("() => htmx.config.includeIndicatorStyles") is False
    participants = page.get_by_role("region", name="Participants")
    table = participants.get_by_role("table", name="Who took part")

    # Sent empty: the section comes back with its error, the page stays.
    page.get_by_role("button", name="Add participant").click()
    expect(participants.get_by_role("heading", name="There is a problem")).to_be_visible()
    walker.axe(page, "officer", " (participant sent empty)")

    participants.get_by_label("Name").fill("Cllr Ranjit Banwait")
    participants.get_by_label("Role").select_option(label="Elected Member")
    page.get_by_role("button", name="Add participant").click()
    expect(table.get_by_role("row").filter(has_text="Cllr Ranjit Banwait")).to_have_count(1)
    expect(participants.get_by_role("status")).to_contain_text("Cllr Ranjit Banwait")
    assert visit.participants.filter(name="Cllr Ranjit Banwait").exists()
    walker.axe(page, "officer", " (participant added)")

    participants.get_by_role("link", name="Remove Cllr Ranjit Banwait").click()
    question = participants.get_by_role(
        "group", name="Remove Cllr Ranjit Banwait from the visit's participants?"
    )
    expect(question).to_be_visible()
    walker.axe(page, "officer", " (asked before removing a participant)")
    question.get_by_role("button", name="Yes, remove it").click()
    expect(table.get_by_role("row").filter(has_text="Cllr Ranjit Banwait")).to_have_count(0)
    assert not visit.participants.filter(name="Cllr Ranjit Banwait").exists()
    assert page.url.endswith(reverse("delegations:visit-detail", args=[visit.pk])), "the page was reloaded"

    # A PDF asked for and still queued: its page asks again every two seconds
    # until the worker has made it. The page's next request is held while the
    # test does the worker's part, so the browser and the test never use the
    # database at once (SQLite in the embedded run locks whole tables).
    draft = Report.objects.get(title=REGISTER_DRAFT_TITLE)
    rendering = Rendering.objects.create(report=draft, report_version=draft.version, requested_by=officer)
    detail_url = reverse("reports:rendering-detail", args=[rendering.pk])
    leader_page = walker.open_tab("leader")
    signed_in(walker, leader_page, leader.username)
    walker.goto(leader_page, detail_url, "leader")
    status = leader_page.locator("#rendering-status")
    expect(status).to_contain_text("the PDF is being made")

    held: list[Route] = []
    leader_page.route(f"**{detail_url}", lambda route: held.append(route))
    for _wait in range(POLLING_MS // 100):
        if held:
            break
        leader_page.wait_for_timeout(100)
    assert [route.request.headers.get("hx-request") for route in held] == ["true"], (
        "the page did not ask again by itself"
    )
    assert rendering_run(rendering_id=rendering.pk) == RenderingStatus.READY  # the worker's part
    held[0].continue_()
    leader_page.unroute(f"**{detail_url}")
    expect(leader_page.get_by_role("link", name=f"Download the PDF of {draft}")).to_be_visible(
        timeout=POLLING_MS
    )
    expect(status).to_contain_text("The PDF is ready")
    # The news arrives inside the live region the page opened with, so a screen reader reads it out.
    expect(leader_page.get_by_role("status").locator("#rendering-status")).to_contain_text("The PDF is ready")
    assert leader_page.url.endswith(detail_url), "the page was reloaded"
    walker.axe(leader_page, "leader", " (PDF ready)")

    assert walker.findings.pages == 6  # each state checked above, once
    assert not walker.findings.report(), walker.findings.report()
