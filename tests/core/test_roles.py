"""The whole matrix: role x URL x method.

Every URL the resolver knows (bar the Django admin, tested on its own below,
and static files) must have a row in the matrix (tests/support/matrix.py); a
page added without one fails ``test_matrix_covers_every_url``. Each row says, per HTTP method, the status
each persona gets. Where a persona may write, the POST carries valid data
and must succeed (302 to somewhere other than the login page); where it may
not, the POST carries nothing and must be refused (403) before any form is
looked at. Nobody ever gets a 500.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from budgets.models import BudgetLine, CostShare, FinancialYear, LineStatus, OverrideState, Spend
from delegations.models import CostItem, Gift, Meeting, Participant, Visit, VisitFollowUp, VisitStatus
from partners.models import Action, Contact, Exchange, Organisation, Place, Stakeholder
from reports.models import Paragraph, Rendering, RenderingStatus, Report, ReportStatus, SignOff, SignOffRole
from tests.support.database import unchanged
from tests.support.matrix import MATRIX
from tests.support.register import PERSONAS, build_register, client_for
from tests.support.submissions import VALID
from tests.support.urls import PK_OF, url_for, walk_urls


def test_matrix_covers_every_url() -> None:
    resolved = walk_urls()
    missing = sorted(set(resolved) - set(MATRIX))
    assert not missing, (
        "These URLs are not in the role matrix of tests/support/matrix.py; "
        "add a row saying what each persona gets for GET and POST: " + ", ".join(missing)
    )


def test_matrix_has_no_stale_rows() -> None:
    gone = sorted(set(MATRIX) - set(walk_urls()))
    assert not gone, "The role matrix lists URLs that no longer exist: " + ", ".join(gone)


def test_every_row_names_every_persona_for_get_and_post() -> None:
    incomplete = [
        f"{name} {method}"
        for name, methods in MATRIX.items()
        for method in ("GET", "POST")
        if set(methods.get(method, {})) != set(PERSONAS)
    ]
    assert not incomplete, "Rows missing a method or persona: " + ", ".join(incomplete)


# --- The records the URLs point at ----------------------------------------------


@pytest.fixture
def register(db: Any) -> dict[str, Any]:
    """One real record of each kind, so every <pk> names an existing row."""
    return build_register()


def test_every_writable_post_has_valid_data() -> None:
    writable = sorted(
        name
        for name, methods in MATRIX.items()
        if any(
            status == 302 and persona != "anonymous" and methods["GET"].get(persona) != 302
            for persona, status in methods.get("POST", {}).items()
        )
    )
    lacking = [name for name in writable if name not in VALID]
    assert not lacking, "POSTs that succeed for someone but have no valid data here: " + ", ".join(lacking)


# --- The matrix itself ------------------------------------------------------------


def _ask(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    try:
        if method == "GET":
            return client.get(url)
        return client.post(url, data)
    except Exception as error:  # the test client re-raises what would be a 500
        return error


def saved(client: Client, register: dict[str, Any], *names: str) -> None:
    """Sends each form its valid data in turn: each must save (302, and not to the sign-in page)."""
    for name in names:
        response = client.post(url_for(name, register), VALID[name](register))
        assert response.status_code == 302, name
        assert not response["Location"].startswith(reverse("login")), name


def refused(client: Client, register: dict[str, Any], *names: str) -> None:
    """Sends each form its valid data in turn: each must be refused (403)."""
    for name in names:
        response = client.post(url_for(name, register), VALID[name](register))
        assert response.status_code == 403, name


CASES = [(name, method) for name in sorted(MATRIX) for method in ("GET", "POST")]


# Where the anonymous visitor is sent somewhere other than the sign-in page: signing in
# sends on to the page asked for, and /favicon.ico to the icon's static file.
OPEN_REDIRECTS = {"login", "favicon"}


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n} {m}" for n, m in CASES])
def test_role_matrix(name: str, method: str, register: dict[str, Any], personas: dict[str, Any]) -> None:
    expected = MATRIX[name][method]
    url = url_for(name, register)
    users = {"anonymous": None, **personas}
    # Those expected to succeed at a write go last, so a refused request
    # before them meets the same records a person would.
    order = sorted(PERSONAS, key=lambda p: method == "POST" and expected[p] == 302 and p != "anonymous")

    got: dict[str, Any] = {}
    wrong_place: dict[str, str] = {}
    for persona in order:
        user = users[persona]
        may_write = method == "POST" and expected[persona] == 302 and name in VALID
        data = VALID[name](register) if may_write else {}
        response = _ask(client_for(user), method, url, data)
        if isinstance(response, Exception):
            got[persona] = f"500 ({type(response).__name__}: {response})"
            continue
        got[persona] = response.status_code
        if response.status_code == 302:
            location = response["Location"]
            to_login = location.startswith(reverse("login") + "?")
            if persona == "anonymous" and name not in OPEN_REDIRECTS:
                if location != f"{reverse('login')}?next={quote(url)}":
                    wrong_place[persona] = location
            elif persona != "anonymous" and to_login:
                wrong_place[persona] = location

    mismatches = {p: f"expected {expected[p]}, got {got[p]}" for p in PERSONAS if got[p] != expected[p]}
    assert not mismatches, f"{method} {url} ({name}): {mismatches}"
    assert not wrong_place, f"{method} {url} ({name}) redirected to the wrong place: {wrong_place}"


def test_writes_by_the_officer_change_the_register(officer_client: Client, register: dict[str, Any]) -> None:
    """The matrix's 302s are real saves, not redirects that dropped the data."""
    before = {model: model.objects.count() for model in (Place, Organisation, Contact, Action, Exchange)}
    saved(
        officer_client,
        register,
        "partners:place-create",
        "partners:organisation-create",
        "partners:contact-create",
        "partners:action-create",
        "partners:exchange-create",
    )
    after = {model: model.objects.count() for model in before}
    assert after == {model: count + 1 for model, count in before.items()}


def test_refused_writes_change_nothing(
    finance_client: Client, leader_client: Client, outsider_client: Client, register: dict[str, Any]
) -> None:
    place = register["place"]
    for client in (finance_client, leader_client, outsider_client):
        response = client.post(
            url_for("partners:place-update", register), VALID["partners:place-update"](register)
        )
        assert response.status_code == 403
        response = client.post(
            url_for("partners:stakeholder-delete", register), VALID["partners:stakeholder-delete"](register)
        )
        assert response.status_code == 403
    place.refresh_from_db()
    assert place.name == "Toyota City"
    assert Stakeholder.objects.filter(pk=register["stakeholder"].pk).exists()


def test_visit_writes_by_the_officer_change_the_register(
    officer_client: Client, register: dict[str, Any]
) -> None:
    """The delegations rows' 302s are real saves and removals, not redirects that dropped the data."""
    visit = register["visit"]
    models = (Visit, Participant, Meeting, CostItem, Gift, VisitFollowUp, Action)
    before = {model: model.objects.count() for model in models}
    added = {
        "delegations:visit-create": Visit,
        "delegations:participant-add": Participant,
        "delegations:meeting-add": Meeting,
        "delegations:cost-item-add": CostItem,
        "delegations:gift-create": Gift,
        "delegations:follow-up-add": VisitFollowUp,
    }
    saved(officer_client, register, *added)
    assert (
        officer_client.post(
            url_for("delegations:estimate-add", register),
            VALID["delegations:estimate-add"](register),
        ).status_code
        == 302
    )
    after = {model: model.objects.count() for model in models}
    expected = {model: count + (1 if model in added.values() else 0) for model, count in before.items()}
    expected[CostItem] += 4  # the quick estimate's four parts
    expected[Action] += 1  # a follow-up is an action of the relationship
    assert after == expected

    for name, model in (
        ("delegations:participant-remove", Participant),
        ("delegations:meeting-remove", Meeting),
        ("delegations:cost-item-remove", CostItem),
    ):
        kind = PK_OF[name]
        assert officer_client.post(url_for(name, register), VALID[name](register)).status_code == 302, name
        assert not model.objects.filter(pk=register[kind].pk).exists(), name

    status = officer_client.post(
        url_for("delegations:visit-status", register), VALID["delegations:visit-status"](register)
    )
    assert status.status_code == 302
    assert status["Location"] == visit.get_absolute_url()
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.CONFIRMED


@pytest.mark.parametrize("persona", ["finance", "leader", "administrator", "outsider"])
def test_refused_visit_writes_change_nothing(
    persona: str, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Read-only roles posting valid data to the visit page's forms get 403 and change nothing."""
    client = client_for(personas[persona])
    with unchanged(Visit, Participant, Meeting, CostItem, Gift, VisitFollowUp, Action):
        refused(
            client,
            register,
            *(name for name in sorted(VALID) if name.startswith("delegations:") and "calendar" not in name),
        )


BUDGET_WRITES = sorted(name for name in VALID if name.startswith("budgets:"))


def test_budget_writes_by_finance_change_the_register(
    finance_client: Client, finance: Any, register: dict[str, Any]
) -> None:
    """The budgets rows' 302s for Finance are real saves and decisions, not redirects that dropped the data."""
    lines, spend = BudgetLine.objects.count(), Spend.objects.count()
    # The override last: once granted, committing more on the line would need one too.
    saved(finance_client, register, *sorted(BUDGET_WRITES, key=lambda name: name == "budgets:spend-override"))
    assert BudgetLine.objects.count() == lines + 1
    assert Spend.objects.count() == spend + 1
    assert BudgetLine.objects.get(title="Osnabrück youth exchange").proposed_by == finance
    changed = BudgetLine.objects.get(pk=register["line"].pk)
    assert (changed.amount, changed.status) == (Decimal("4200.00"), LineStatus.APPROVED)
    decided = BudgetLine.objects.get(pk=register["proposed_line"].pk)
    assert (decided.status, decided.decided_by, decided.decision_comment) == (
        LineStatus.APPROVED,
        finance,
        "Within the twinning budget agreed by Cabinet.",
    )
    assert Spend.objects.get(pk=register["spend"].pk).amount == Decimal("2650.00")
    granted = Spend.objects.get(pk=register["awaiting_spend"].pk)
    assert (granted.override_state, granted.override_decided_by) == (OverrideState.GRANTED, finance)
    assert sorted(
        (share.council.name, share.percentage)
        for share in CostShare.objects.filter(relationship=register["relationship"])
    ) == [("Derby City Council", Decimal("40.00")), ("Derbyshire County Council", Decimal("60.00"))]


def test_budget_writes_by_the_officer_change_the_register(
    officer_client: Client, officer: Any, register: dict[str, Any]
) -> None:
    lines, spend = BudgetLine.objects.count(), Spend.objects.count()
    saved(officer_client, register, "budgets:line-create", "budgets:spend-create", "budgets:spend-update")
    assert BudgetLine.objects.get(title="Osnabrück youth exchange").status == LineStatus.PROPOSED
    assert (BudgetLine.objects.count(), Spend.objects.count()) == (lines + 1, spend + 1)
    assert Spend.objects.get(description="Civic gifts").recorded_by == officer
    assert Spend.objects.get(pk=register["spend"].pk).amount == Decimal("2650.00")


@pytest.mark.parametrize("persona", ["officer", "leader", "administrator", "outsider"])
def test_refused_budget_writes_change_nothing(
    persona: str, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Valid data posted by someone the matrix refuses: 403, and not one row written or changed.

    For the officer that is Finance's own actions: deciding a line, changing
    an approved one, granting an override and setting cost shares.
    """
    client = client_for(personas[persona])
    writes = [name for name in BUDGET_WRITES if MATRIX[name]["POST"][persona] == 403]
    assert writes, persona
    if persona == "officer":
        assert set(writes) == {
            "budgets:line-decide",
            "budgets:line-update",
            "budgets:spend-override",
            "budgets:cost-shares",
        }
    with unchanged(FinancialYear, BudgetLine, Spend, CostShare):
        refused(client, register, *writes)


REPORT_WRITES = sorted(name for name in VALID if name.startswith("reports:"))


def test_report_writes_by_the_officer_change_the_register(
    officer_client: Client, officer: Any, register: dict[str, Any]
) -> None:
    """The reports rows' 302s for officers are real saves, not redirects that dropped the data."""
    draft, approved = register["report"], register["approved_report"]
    paragraph = register["paragraph"]
    reports, renderings = Report.objects.count(), Rendering.objects.count()
    saved(
        officer_client,
        register,
        "reports:report-create",
        "reports:draft-from-register",
        "reports:report-update",
        "reports:paragraph-add",
        "reports:paragraph-update",
        "reports:sign-offs",
        "reports:rendering-request",
        "reports:report-revise",
    )
    # Started, drafted from the register, and revision 2 of the approved report.
    assert Report.objects.count() == reports + 3
    started = Report.objects.get(title="Hefei: an economic link")
    assert (started.status, started.created_by) == (ReportStatus.DRAFT, officer)
    assert Report.objects.get(title="Options for overseas links, 2016").created_by == officer
    revision = Report.objects.get(supersedes=approved)
    assert (revision.revision, revision.status) == (2, ReportStatus.DRAFT)
    assert Report.objects.get(pk=draft.pk).report_of == "the Strategic Director for Communities and Place"
    assert Paragraph.objects.filter(report=draft, section=4).get().text == "Xi'an is home to Xian Aerospace."
    assert Paragraph.objects.get(pk=paragraph.pk).text == "Derby has been approached by Hefei and Zhejiang."
    hr = SignOff.objects.get(report=draft, role=SignOffRole.HR)
    assert (hr.officer_name, hr.cleared_on) == ("Liz Moore", date(2015, 8, 30))
    assert Rendering.objects.count() == renderings + 1
    asked = Rendering.objects.latest("pk")
    assert (asked.report, asked.status, asked.requested_by) == (draft, RenderingStatus.QUEUED, officer)

    saved(officer_client, register, "reports:paragraph-move", "reports:paragraph-delete")
    assert not Paragraph.objects.filter(pk=paragraph.pk).exists()


def test_report_decisions_by_the_leader_s_office_change_the_register(
    leader_client: Client, leader: Any, register: dict[str, Any]
) -> None:
    draft, approved = register["report"], register["approved_report"]
    saved(
        leader_client,
        register,
        "reports:report-approve",
        "reports:decision-record",
        "reports:report-publish",
        "reports:rendering-retry",
    )
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (ReportStatus.APPROVED, leader)
    approved.refresh_from_db()
    assert (approved.status, approved.published_by) == (ReportStatus.PUBLISHED, leader)
    assert approved.decision == "Cabinet agreed to renew the link with Toyota City for five years."
    retried = Rendering.objects.get(pk=register["failed_rendering"].pk)
    assert (retried.status, retried.requested_by) == (RenderingStatus.QUEUED, leader)


@pytest.mark.parametrize("persona", ["officer", "finance", "leader", "administrator", "outsider"])
def test_refused_report_writes_change_nothing(
    persona: str, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Valid data posted by someone the matrix refuses: 403, and not one row written or changed.

    Officers are refused the Leader's Office's decisions; the Leader's Office
    the drafting; Finance, the Administrator and the outsider everything.
    """
    client = client_for(personas[persona])
    writes = [name for name in REPORT_WRITES if MATRIX[name]["POST"][persona] == 403]
    expected = {
        "officer": {"reports:report-approve", "reports:report-publish", "reports:decision-record"},
        "leader": set(REPORT_WRITES)
        - {
            "reports:report-approve",
            "reports:report-publish",
            "reports:decision-record",
            "reports:rendering-request",
            "reports:rendering-retry",
        },
    }
    assert set(writes) == expected.get(persona, set(REPORT_WRITES))
    with unchanged(Report, Paragraph, SignOff, Rendering):
        refused(client, register, *writes)


VISIT = ["Civic visit to Toyota City", "Derby porcelain plate"]
BUDGET = ["Civic visit budget", "Civic visit to Toyota City", "4,000"]
REPORT = ["Opportunities for Overseas Economic Twinning"]
# What a page refused to the outsider must not show of the register.
NOT_SHOWN = {
    "partners:place-detail": ["Toyota City"],
    "delegations:visit-detail": VISIT,
    "delegations:visit-list": VISIT,
    "delegations:gift-list": VISIT,
    "budgets:year-list": BUDGET,
    "budgets:line-detail": BUDGET,
    "budgets:year-export-csv": BUDGET,
    "budgets:spend-list": BUDGET,
    "reports:report-list": REPORT,
    "reports:report-detail": REPORT,
    "reports:report-preview": REPORT,
}


@pytest.mark.parametrize("name", NOT_SHOWN)
def test_a_refused_page_shows_nothing_of_the_register(
    name: str, outsider_client: Client, register: dict[str, Any]
) -> None:
    response = outsider_client.get(url_for(name, register))
    assert response.status_code == 403
    page = response.content.decode()
    assert [words for words in NOT_SHOWN[name] if words in page] == []
    assert "You do not have access to this page" in page


def test_a_refused_pdf_is_not_even_said_to_exist(outsider_client: Client, register: dict[str, Any]) -> None:
    download = outsider_client.get(url_for("reports:rendering-download", register))
    assert download.status_code == 404
    assert download.get("Content-Type", "").split(";")[0] != "application/pdf"
    assert bytes(register["rendering"].pdf) not in download.content


@pytest.mark.parametrize(
    ("persona", "decides", "proposes"),
    [
        ("officer", False, True),
        ("finance", True, True),
        ("leader", False, False),
        ("administrator", False, False),
    ],
)
def test_only_finance_is_offered_the_budget_decisions(
    persona: str, decides: bool, proposes: bool, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Deciding, overriding, the review queue and changing an approved line are offered to Finance alone."""
    client = client_for(personas[persona])

    def html(name: str, kind: str | None = None) -> str:
        url = url_for(name, register) if kind is None else reverse(name, args=[register[kind].pk])
        response = client.get(url)
        assert response.status_code == 200, name
        return response.content.decode()

    proposed = html("budgets:line-detail", "proposed_line")
    approved = html("budgets:line-detail", "line")
    awaiting = html("budgets:spend-detail", "awaiting_spend")
    years = html("budgets:year-list")
    offered = {
        "decision form": "Record decision" in proposed,
        "edit an approved line": ">Edit line</a>" in approved,
        "override form": "Grant the override" in awaiting,
        "review queue": reverse("budgets:review") in years,
    }
    assert offered == dict.fromkeys(offered, decides)
    assert ("Propose a budget line" in years, "Record spend" in approved) == (proposes, proposes)
    assert (">Edit line</a>" in proposed) == proposes


# --- The Django admin -------------------------------------------------------------


def test_admin_refuses_everyone_but_the_administrator(personas: dict[str, Any]) -> None:
    index = reverse("admin:index")
    users = {"anonymous": None, **personas}
    got = {}
    for persona, user in users.items():
        response = client_for(user).get(index)
        got[persona] = (response.status_code, response.get("Location", ""))
    to_admin_login = (302, f"{reverse('admin:login')}?next={index}")
    assert got == {
        "anonymous": to_admin_login,
        "officer": to_admin_login,
        "finance": to_admin_login,
        "leader": to_admin_login,
        "outsider": to_admin_login,
        "administrator": (200, ""),
    }


def test_administrator_manages_users_in_the_admin(admin_client_role: Client, officer: Any) -> None:
    response = admin_client_role.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200
    assert "olivia" in response.content.decode()
    response = admin_client_role.get(reverse("admin:auth_user_change", args=[officer.pk]))
    assert response.status_code == 200
    assert get_user_model().objects.get(pk=officer.pk).is_staff is False


# --- What each role is offered ----------------------------------------------------


# The write buttons only officers are offered, by the page they are on (read from its heading on:
# the navigation above it has words such as "Edit" too).
OFFICERS_BUTTONS = {
    "partners:place-list": ["Add a place"],
    "partners:place-detail": ["Edit place"],
    "partners:relationship-detail": ["Change status", "Plan or record a visit"],
    "partners:approach-list": ["Record an approach"],
    "partners:organisation-detail": ["Add a contact at Toyota Motor Manufacturing UK"],
    "delegations:visit-list": ["Plan or record a visit"],
    "delegations:visit-detail": [
        "Edit visit",
        "Change status",
        "Add participant",
        'Remove<span class="visually-hidden"> Cllr Ranjit Banwait',
        "Add cost item",
        "Add the estimate",
        "Record meeting",
        "Add follow-up",
        "Record a gift or hospitality for this visit",
    ],
    "delegations:gift-list": ["Record a gift or hospitality"],
    "delegations:gift-detail": [">Edit</a>"],
}


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("officer", True), ("finance", False), ("leader", False), ("administrator", False)],
)
def test_only_officers_are_offered_the_write_buttons(
    persona: str, offered: bool, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    client = client_for(personas[persona])
    shown = {}
    for name, words in OFFICERS_BUTTONS.items():
        response = client.get(url_for(name, register))
        assert response.status_code == 200, name
        below_the_heading = response.content.decode().split("<h1>", 1)[1]
        shown[name] = [w in below_the_heading for w in words]
    assert shown == {name: [offered] * len(words) for name, words in OFFICERS_BUTTONS.items()}
    # Everyone with a role still sees the visit and what it costs.
    detail = client.get(url_for("delegations:visit-detail", register)).content.decode()
    assert "Cllr Ranjit Banwait" in detail
    assert "Estimated cost:" in detail


def test_outsider_is_told_to_ask_for_a_role_and_offered_no_register(outsider_client: Client) -> None:
    page = outsider_client.get(reverse("overview:dashboard")).content.decode()
    assert "You have no role yet" in page
    assert reverse("partners:place-list") not in page
