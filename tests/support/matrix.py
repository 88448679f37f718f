"""The role matrix: what each persona gets, for GET and for POST, at every URL.

Each row says, per HTTP method, the status the anonymous visitor, an
officer, Finance, the Leader's Office, the administrator and the outsider
(signed in, no role) get, in that order. Where a persona may write, a POST
with valid data succeeds (302 somewhere other than the sign-in page); where
it may not, the POST is refused (403) before any form is looked at. The role
matrix test in tests/core/test_roles.py checks every row against the site,
and fails for a URL of the URL conf without one; the hostile-input and
other-records tests read who may do what from here.
"""

from __future__ import annotations

from tests.support.register import PERSONAS
from tests.support.submissions import REMOVALS


def row(*, get: str, post: str) -> dict[str, dict[str, int]]:
    """A row of the matrix from its statuses, in the order of PERSONAS."""
    return {
        method: dict(zip(PERSONAS, map(int, statuses.split()), strict=True))
        for method, statuses in (("GET", get), ("POST", post))
    }


# Statuses in the order of PERSONAS: anonymous, officer, finance, leader, administrator, outsider.
MATRIX: dict[str, dict[str, dict[str, int]]] = {
    # Open to all: the login page (signed-in users are sent on) and the health check.
    "login": row(get="200 302 302 302 302 302", post="302 302 302 302 302 302"),
    "healthz": row(get="200 200 200 200 200 200", post="405 405 405 405 405 405"),
    # Single sign-on, not set up here (tests/core/test_sso.py signs in through a real provider).
    "sso-start": row(get="405 405 405 405 405 405", post="404 404 404 404 404 404"),
    "sso-callback": row(get="404 404 404 404 404 404", post="405 405 405 405 405 405"),
    # For someone signed in whom the provider's groups give no role.
    "no-role": row(get="302 200 200 200 200 200", post="302 405 405 405 405 405"),
    # Two-step sign-in: one's own authenticator app and recovery codes (a post without a code
    # shows the form again); the second step itself sends on anyone not between the steps.
    "two-factor": row(get="302 200 200 200 200 200", post="302 200 200 200 200 200"),
    "two-factor-verify": row(get="302 302 302 302 302 302", post="302 302 302 302 302 302"),
    # The public part of the site: published reports and open data, the same for everyone.
    **dict.fromkeys(
        (
            "public:index",
            "public:report",
            "public:report-pdf",
            "public:relationships",
            "public:relationships-csv",
            "public:relationships-json",
            "public:travel",
            "public:travel-csv",
            "public:travel-json",
            "public:gifts",
            "public:gifts-csv",
            "public:gifts-json",
            "public:report-feed",
        ),
        row(get="200 200 200 200 200 200", post="405 405 405 405 405 405"),
    ),
    # The browser's icon, sent on to the static file.
    "favicon": row(get="302 302 302 302 302 302", post="405 405 405 405 405 405"),
    # Any signed-in user, role or not.
    "overview:dashboard": row(get="302 200 200 200 200 200", post="302 405 405 405 405 405"),
    "logout": row(get="302 405 405 405 405 405", post="302 302 302 302 302 302"),
    "overview:digest-settings": row(get="302 200 200 200 200 200", post="302 302 302 302 302 302"),
    "overview:search": row(get="302 200 200 200 200 200", post="302 405 405 405 405 405"),
    "password_change": row(get="302 200 200 200 200 200", post="302 302 302 302 302 302"),
    "password_change_done": row(get="302 200 200 200 200 200", post="302 405 405 405 405 405"),
    # The calendar feed: its secret address is the key, for calendar clients
    # that cannot sign in (its owner's role is checked, see test_calendar).
    "delegations:calendar-feed": row(get="200 200 200 200 200 200", post="405 405 405 405 405 405"),
    # Pages every role reads (the register, visits, budgets, reports and their exports); the
    # outsider is refused, and a POST to a page that takes none is 405 for those who may see it.
    **dict.fromkeys(
        (
            "partners:place-list",
            "partners:place-detail",
            "partners:place-history",
            "partners:relationship-list",
            "partners:relationship-detail",
            "partners:relationship-history",
            "partners:approach-list",
            "partners:approach-detail",
            "partners:approach-contact-choices",
            "overview:discovery",
            "overview:relationship-health-list",
            "overview:relationship-health",
            "partners:approach-history",
            "partners:organisation-list",
            "partners:organisation-detail",
            "partners:organisation-history",
            "partners:contact-list",
            "partners:contact-detail",
            "partners:contact-history",
            "partners:action-list",
            "partners:action-detail",
            "partners:action-history",
            "partners:exchange-list",
            "partners:exchange-detail",
            "partners:exchange-history",
            "delegations:calendar",
            "delegations:overseas-travel-csv",
            "delegations:visit-list",
            "delegations:visit-detail",
            "delegations:visit-history",
            "delegations:gift-list",
            "delegations:gift-detail",
            "delegations:gift-history",
            "budgets:year-list",
            "budgets:year-detail",
            "budgets:year-export-csv",
            "budgets:year-export-xlsx",
            "budgets:line-list",
            "budgets:lines-export-csv",
            "budgets:lines-export-xlsx",
            "budgets:line-detail",
            "budgets:line-history",
            "budgets:spend-list",
            "budgets:spend-detail",
            "budgets:spend-history",
            "reports:report-list",
            "reports:report-detail",
            "reports:report-history",
            "reports:report-preview",
            "reports:rendering-detail",
            # The documents kept with a record: read by all who read the record.
            "partners:relationship-document",
            "partners:approach-document",
            "delegations:visit-document",
            "budgets:spend-document",
            "reports:report-document",
        ),
        row(get="302 200 200 200 200 403", post="302 405 405 405 405 403"),
    ),
    # Forms only officers use: everyone else is refused the page and the POST.
    **dict.fromkeys(
        (
            "partners:place-create",
            "partners:place-update",
            "partners:relationship-create",
            "partners:relationship-update",
            "partners:approach-create",
            "partners:approach-update",
            "partners:approach-triage",
            "partners:organisation-create",
            "partners:organisation-update",
            "partners:contact-create",
            "partners:contact-update",
            "partners:action-create",
            "partners:action-update",
            "partners:exchange-create",
            "partners:exchange-update",
            "delegations:visit-create",
            "delegations:visit-update",
            "delegations:cost-item-change",
            "delegations:gift-create",
            "delegations:gift-update",
            "reports:report-create",
            "reports:draft-from-register",
            "reports:report-update",
            "reports:paragraph-update",
            "reports:sign-offs",
        ),
        row(get="302 200 403 403 403 403", post="302 302 403 403 403 403"),
    ),
    # Buttons and small forms on a page only officers use (a status change, linking an
    # organisation, a visit's parts, a report's paragraphs): POST only, back to the page.
    **dict.fromkeys(
        (
            "partners:relationship-status",
            "partners:stakeholder-create",
            "partners:approach-organisation-add",
            "partners:approach-contact-add",
            "delegations:visit-status",
            "delegations:participant-add",
            "delegations:meeting-add",
            "delegations:cost-item-add",
            "delegations:estimate-add",
            "delegations:follow-up-add",
            "reports:paragraph-add",
            "reports:paragraph-move",
            "reports:report-revise",
            # Attaching documents, by those who may change the record.
            "partners:relationship-document-add",
            "partners:approach-document-add",
            "delegations:visit-document-add",
            "reports:report-document-add",
        ),
        row(get="302 405 403 403 403 403", post="302 302 403 403 403 403"),
    ),
    # Removing a part of a record or a document: the page that asks first, then the removal
    # (a spend row's documents, which Finance removes too, have their own row below).
    **dict.fromkeys(REMOVALS, row(get="302 200 403 403 403 403", post="302 302 403 403 403 403")),
    # A spend row's receipts and invoices: officers and Finance, who both record spend.
    "budgets:spend-document-add": row(get="302 405 405 403 403 403", post="302 302 302 403 403 403"),
    "budgets:spend-document-remove": row(get="302 200 200 403 403 403", post="302 302 302 403 403 403"),
    # Buttons any role uses on its own things (a new calendar address): POST only.
    "delegations:calendar-regenerate": row(get="302 405 405 405 405 403", post="302 302 302 302 302 403"),
    # Budget forms officers and Finance both use: proposing a line, recording spend.
    "budgets:line-create": row(get="302 200 200 403 403 403", post="302 302 302 403 403 403"),
    "budgets:spend-create": row(get="302 200 200 403 403 403", post="302 302 302 403 403 403"),
    "budgets:spend-update": row(get="302 200 200 403 403 403", post="302 302 302 403 403 403"),
    # Changing a line Finance has approved (the line in the register is): Finance alone.
    "budgets:line-update": row(get="302 403 200 403 403 403", post="302 403 302 403 403 403"),
    # Finance's decisions (approve or reject a line, grant or refuse an override): POST only.
    "budgets:line-decide": row(get="302 403 405 403 403 403", post="302 403 302 403 403 403"),
    "budgets:spend-override": row(get="302 403 405 403 403 403", post="302 403 302 403 403 403"),
    # The Leader's Office's decisions on a report (approve, publish): POST only.
    "reports:report-approve": row(get="302 403 403 405 403 403", post="302 403 403 302 403 403"),
    "reports:report-publish": row(get="302 403 403 405 403 403", post="302 403 403 302 403 403"),
    # Asking for a report's PDF (or for a failed one again): officers and the Leader's Office.
    "reports:rendering-request": row(get="302 405 403 405 403 403", post="302 302 403 302 403 403"),
    "reports:rendering-retry": row(get="302 405 403 405 403 403", post="302 302 403 302 403 403"),
    # Finance's review queue.
    "budgets:review": row(get="302 403 200 403 403 403", post="302 403 405 403 403 403"),
    # Every role sees the shares; Finance alone saves them.
    "budgets:cost-shares": row(get="302 200 200 200 200 403", post="302 403 302 403 403 403"),
    # The decision record: the Leader's Office alone.
    "reports:decision-record": row(get="302 403 403 200 403 403", post="302 403 403 302 403 403"),
    # Personal data: the Administrator alone, each a permission of its own.
    "privacy:retention": row(get="302 403 403 403 200 403", post="302 403 403 403 405 403"),
    # The subject access archive is the answer to its POST (an empty one is sent back, 400).
    "privacy:subject-access": row(get="302 403 403 403 200 403", post="302 403 403 403 400 403"),
    "privacy:erase": row(get="302 403 403 403 200 403", post="302 403 403 403 302 403"),
    "privacy:review-decide": row(get="302 403 403 403 405 403", post="302 403 403 403 302 403"),
    # A PDF is a report: those who may not see reports get 404, not 403, so
    # not even its existence is given away.
    "reports:rendering-download": row(get="302 200 200 200 200 404", post="302 405 405 405 405 404"),
}
