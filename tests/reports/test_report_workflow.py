"""A report's way to Cabinet: sign-off, approval by the Leader's Office,
the decision record and publication, revised drafts, and its PDFs asked for,
followed, retried and downloaded over the web.

"A report cannot be approved while a required sign-off is missing: silence is
not consent." "The decision record ... required before 'published'."
"Approving freezes that version: later edits make a new draft version; the
approved one stays downloadable as it was." Each refusal is checked to say
why and to have written nothing (rows and history).

PDFs: in the embedded run Celery is eager, so the task told after commit runs
in-process (the callbacks captured from the request are run); with REDIS_URL
set the test does the worker's part itself with ``rendering_run``.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from core import roles
from reports import rendering as report_rendering
from reports.models import Paragraph, Rendering, RenderingStatus, Report, ReportStatus, SignOff, SignOffRole
from reports.services import rendering_run
from tests.factories import ParagraphFactory, UserFactory
from tests.support.pages import (
    HX,
    Page,
    button_form,
    open_page,
    press,
    record_page,
    remove,
    said,
    status_message,
    within,
)
from tests.support.reports import (
    SUPPORTING,
    TITLE,
    draft,
    editor_paragraphs,
    make_the_pdf,
    report_unchanged,
    run_the_worker,
)

FILENAME = "2015-09-09 Council Cabinet - Opportunities for Overseas Economic Twinning.pdf"
FROZEN = "This report is approved and cannot change; start a new draft to revise it."


# --- Helpers ---------------------------------------------------------------------------------


def sign_off_page(client: Client, report: Report) -> Page:
    return open_page(client, reverse("reports:sign-offs", args=[report.pk]))


def record_sign_off(
    client: Client, report: Report, rows: dict[str, tuple[str, str]], *, status: int = 302
) -> Any:
    """Fills the sign-off page's row of each role named (officer, cleared on) and saves.

    Rows not named keep what the page shows.
    """
    page = sign_off_page(client, report)
    data = _form_data(page)
    for tr in page.root.find_all("tbody")[0].find_all("tr"):
        role = tr.find_all("th")[0].text
        if role not in rows:
            continue
        officer, cleared_on = rows.pop(role)
        for box in tr.find_all("input"):
            name = box.attrs.get("name", "")
            if box.attrs.get("type") == "hidden":
                continue  # what the page showed, which a person does not type over
            if name.endswith("-officer_name"):
                data[name] = officer
            elif name.endswith("-cleared_on"):
                data[name] = cleared_on
    assert not rows, f"No sign-off row for {sorted(rows)}"
    response = client.post(reverse("reports:sign-offs", args=[report.pk]), data)
    assert response.status_code == status
    return response


def _form_data(page: Page) -> dict[str, Any]:
    form = page.root.find_all("form")[-1]
    data: dict[str, Any] = {}
    for node in form.find_all("input"):
        name = node.attrs.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        if node.attrs.get("type") == "checkbox":
            if "checked" in node.attrs:
                data[name] = node.attrs.get("value", "on")
        else:
            data[name] = node.attrs.get("value", "")
    return data


def row_of(data: dict[str, Any], role: str) -> str:
    """The prefix of the fields of ``role``'s row in the sign-off page's form data."""
    return next(
        name.removesuffix("-id")
        for name, value in data.items()
        if name.endswith("-id") and SignOff.objects.get(pk=value).role == role
    )


def clear_required(client: Client, report: Report) -> None:
    record_sign_off(
        client,
        report,
        {
            "Legal officer": ("Janie Berry", "2015-08-28"),
            "Financial officer": ("Toni Nash", "2015-08-27"),
            "Service Director(s)": ("Christine Durrant", "2015-08-26"),
        },
    )


def approve(client: Client, report: Report, *, page: Page | None = None) -> Any:
    """Presses "Approve the report" on the report page (as loaded now, or earlier)."""
    return press(client, page or record_page(client, report), "Approve the report")


def approve_anyway(client: Client, report: Report) -> Any:
    """Sends the approval as a page loaded earlier (or a crafted post) would, with no button on the page."""
    version = Report.objects.values_list("version", flat=True).get(pk=report.pk)
    return client.post(
        reverse("reports:report-approve", args=[report.pk]), {"to_status": "approved", "version": version}
    )


def approval_said(client: Client, report: Report) -> str:
    """What the report page's Approval section says; it must offer no button that can only fail."""
    page = record_page(client, report)
    with pytest.raises(AssertionError, match="0 buttons"):
        button_form(page, "Approve the report")
    return " ".join(page.section("Approval").text.split())


def problem(response: Any) -> str:
    """What the "There is a problem" box says, on a refused page."""
    assert response.status_code == 400, response.status_code
    page = Page(response)
    assert "There is a problem" in page.errors_summary()
    return page.errors_summary()


def status_of(client: Client, report: Report) -> str:
    return record_page(client, report).described()["Status"]


def download(client: Client, rendering: Rendering) -> Any:
    return client.get(reverse("reports:rendering-download", args=[rendering.pk]))


def rendering_page(client: Client, rendering: Rendering, **headers: str) -> Any:
    response = client.get(rendering.get_absolute_url(), **headers)
    assert response.status_code == 200
    return response


# --- Fixtures ----------------------------------------------------------------------------


@pytest.fixture
def report(officer: Any) -> Report:
    report = draft(officer)
    ParagraphFactory(report=report, section=1, text="This report sets out options for economic twinning.")
    ParagraphFactory(report=report, section=2, text="To note the approaches from Hefei and Zhejiang.")
    for text in SUPPORTING:
        ParagraphFactory(report=report, section=4, text=text)
    return report


@pytest.fixture
def cleared(report: Report, officer_client: Client) -> Report:
    clear_required(officer_client, report)
    return report


@pytest.fixture
def approved(cleared: Report, leader_client: Client) -> Report:
    assert approve(leader_client, cleared).status_code == 302
    cleared.refresh_from_db()
    assert cleared.status == ReportStatus.APPROVED
    return cleared


# --- Sign-off and approval ------------------------------------------------------------------


def test_approval_is_refused_while_a_required_sign_off_is_missing(
    leader_client: Client, report: Report
) -> None:
    missing = (
        "Not yet cleared: Legal officer (no officer named), Financial officer (no officer named), "
        "Service Director(s) (no officer named)."
    )
    # Said before any button is pressed; no approve button is offered.
    said = approval_said(leader_client, report)
    assert said.startswith(f"Approval This report cannot be approved yet: {missing}")
    with report_unchanged():
        said = problem(approve_anyway(leader_client, report))
    assert said == f"There is a problem It cannot be approved yet. {missing}"
    assert status_of(leader_client, report) == "Draft"


def test_the_leader_s_office_sees_who_has_still_to_clear_it_before_approving(
    officer_client: Client, leader_client: Client, report: Report
) -> None:
    record_sign_off(
        officer_client,
        report,
        {
            "Legal officer": ("Janie Berry", ""),
            "Financial officer": ("Toni Nash", "2015-08-27"),
        },
    )

    page = record_page(leader_client, report)
    approval = page.section("Approval")
    assert [" ".join(item.text.split()) for item in approval.find_all("li")] == [
        "Not yet cleared: Legal officer (Janie Berry, no date yet), Service Director(s) (no officer named)."
    ]
    assert [b.text for b in approval.find_all("button")] == []
    # Once cleared, the button is offered and the list is gone.
    record_sign_off(
        officer_client,
        report,
        {
            "Legal officer": ("Janie Berry", "2015-08-28"),
            "Service Director(s)": ("Christine Durrant", "2015-08-26"),
        },
    )
    approval = record_page(leader_client, report).section("Approval")
    assert approval.find_all("li") == []
    assert [b.text for b in approval.find_all("button")] == ["Approve the report"]


@pytest.mark.parametrize(
    ("name", "cleared_on"), [("Janie Berry", ""), ("", "2015-08-28"), ("   ", "2015-08-28")]
)
def test_silence_is_not_consent_a_sign_off_needs_a_name_and_a_date(
    officer_client: Client, leader_client: Client, report: Report, name: str, cleared_on: str
) -> None:
    record_sign_off(
        officer_client,
        report,
        {
            "Legal officer": (name, cleared_on),
            "Financial officer": ("Toni Nash", "2015-08-27"),
            "Service Director(s)": ("Christine Durrant", "2015-08-26"),
        },
    )
    who = "Janie Berry, no date yet" if name.strip() else "no officer named"
    assert f"Not yet cleared: Legal officer ({who})." in approval_said(leader_client, report)
    with report_unchanged():
        said = problem(approve_anyway(leader_client, report))
    assert said.endswith(f"Not yet cleared: Legal officer ({who}).")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_once_the_required_officers_have_cleared_it_the_leader_s_office_approves(
    officer_client: Client, leader_client: Client, leader: Any, report: Report
) -> None:
    response = record_sign_off(officer_client, report, {"Legal officer": ("Janie Berry", "2015-08-28")})
    assert "The sign-off was saved for: Legal officer." in status_message(
        officer_client.get(response["Location"])
    )
    clear_required(officer_client, report)
    signed = record_page(leader_client, report).section("Sign-off").text
    assert "Janie Berry 28 August 2015" in signed
    assert "Not yet cleared" not in signed
    history = report.history.count()

    response = approve(leader_client, report)
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert f"“{TITLE}” is now approved." in status_message(leader_client.get(response["Location"]))
    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.approved_by) == (ReportStatus.APPROVED, leader)
    assert stored.approved_at is not None
    assert status_of(leader_client, report).startswith("Approved, approved ")
    assert status_of(leader_client, report).endswith("by Lena Leader")
    assert report.history.count() == history + 1
    assert report.history.latest().history_user == leader


def test_an_optional_sign_off_left_empty_does_not_stop_approval_but_one_made_required_does(
    officer_client: Client, leader_client: Client, cleared: Report
) -> None:
    data = _form_data(sign_off_page(officer_client, cleared))
    estates = row_of(data, SignOffRole.ESTATES)
    data[f"{estates}-is_required"] = "on"
    assert officer_client.post(reverse("reports:sign-offs", args=[cleared.pk]), data).status_code == 302
    with report_unchanged():
        assert problem(approve_anyway(leader_client, cleared)).endswith(
            "Not yet cleared: Estates/Property officer (no officer named)."
        )

    data = _form_data(sign_off_page(officer_client, cleared))
    data.pop(f"{estates}-is_required")
    assert officer_client.post(reverse("reports:sign-offs", args=[cleared.pk]), data).status_code == 302
    assert approve(leader_client, cleared).status_code == 302


def test_an_officer_cannot_make_a_required_sign_off_optional_to_get_it_approved(
    officer_client: Client, leader_client: Client, report: Report
) -> None:
    data = _form_data(sign_off_page(officer_client, report))
    legal = row_of(data, SignOffRole.LEGAL)
    data.pop(f"{legal}-is_required")  # "Required" unticked, the legal officer never asked
    officer_client.post(reverse("reports:sign-offs", args=[report.pk]), data)
    record_sign_off(
        officer_client,
        report,
        {
            "Financial officer": ("Toni Nash", "2015-08-27"),
            "Service Director(s)": ("Christine Durrant", "2015-08-26"),
        },
    )
    assert "Not yet cleared: Legal officer (no officer named)." in approval_said(leader_client, report)
    response = approve_anyway(leader_client, report)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    assert problem(response).endswith("Not yet cleared: Legal officer (no officer named).")


def test_an_exempt_report_is_not_approved_without_its_public_interest_reasoning(
    leader_client: Client, cleared: Report
) -> None:
    Report.objects.filter(pk=cleared.pk).update(
        is_exempt=True, exempt_paragraph=3, public_interest_reasoning=" "
    )
    reason = "An exempt report must name its Schedule 12A paragraph and give the public interest reasoning."
    assert reason in approval_said(leader_client, cleared)
    with report_unchanged():
        said = problem(approve_anyway(leader_client, cleared))
    assert said.endswith(reason)


def test_a_report_with_no_paragraphs_is_not_approved(
    officer: Any, officer_client: Client, leader_client: Client
) -> None:
    empty = draft(officer)
    clear_required(officer_client, empty)
    assert "It has no paragraphs." in approval_said(leader_client, empty)
    with report_unchanged():
        assert problem(approve_anyway(leader_client, empty)).endswith(
            "It cannot be approved yet. It has no paragraphs."
        )


def test_a_report_changed_after_the_leader_s_office_opened_it_is_not_approved(
    officer_client: Client, leader_client: Client, cleared: Report
) -> None:
    read = record_page(leader_client, cleared)
    paragraph = Paragraph.objects.get(text=SUPPORTING[0])
    url = reverse("reports:paragraph-update", args=[paragraph.pk])
    form = within(Page(officer_client.get(url)).form_of("Paragraph"))
    changed = "Derby has twinning links with Osnabrück, Toyota City and Hefei."
    assert officer_client.post(url, form.fill({"Paragraph": changed})).status_code == 302

    with report_unchanged():
        response = approve(leader_client, cleared, page=read)
    # The report is shown again as it now stands, saying why it was not approved.
    assert problem(response).endswith(
        "The report changed after you opened it; read it again before deciding."
    )
    assert changed in Page(response).text
    assert Report.objects.get(pk=cleared.pk).status == ReportStatus.DRAFT
    # Read again, it is approved as it now stands.
    assert approve(leader_client, cleared).status_code == 302
    assert Report.objects.get(pk=cleared.pk).status == ReportStatus.APPROVED


@pytest.mark.parametrize("persona", ["officer", "finance", "administrator"])
def test_only_the_leader_s_office_approves(persona: str, cleared: Report, personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas[persona])
    page = record_page(client, cleared)
    with pytest.raises(AssertionError, match="0 buttons"):
        button_form(page, "Approve the report")
    with report_unchanged():
        response = client.post(
            reverse("reports:report-approve", args=[cleared.pk]), {"version": cleared.version}
        )
    assert response.status_code == 403


def test_an_approved_report_is_not_approved_again(leader_client: Client, approved: Report) -> None:
    with report_unchanged():
        response = leader_client.post(
            reverse("reports:report-approve", args=[approved.pk]), {"version": approved.version}
        )
    assert problem(response).endswith("This report is already approved.")


# --- The decision record and publication ------------------------------------------------------

DECISION = {
    "Decision": "Cabinet agreed to explore economic links with Hefei and Zhejiang Province.",
    "Decision date": "2015-09-09",
    "Reasons for the decision": "Links with comparable economies support Derby's exporters.",
    "Alternative options rejected": "Doing nothing: it would forgo the FCO's support.",
    "Conflicts of interest declared": "None",
}


def decision_form(client: Client, report: Report) -> tuple[str, Page]:
    url = reverse("reports:decision-record", args=[report.pk])
    response = client.get(url)
    assert response.status_code == 200
    return url, within(Page(response).form_of("Decision"))


def test_publishing_without_the_decision_record_is_refused(leader_client: Client, approved: Report) -> None:
    with report_unchanged():
        said = problem(press(leader_client, record_page(leader_client, approved), "Publish the report"))
    assert said.endswith(
        "Record the decision before publishing: the decision, its date, the reasons, the alternative options "
        "rejected, the conflicts of interest declared (or “None”) missing."
    )
    assert Report.objects.get(pk=approved.pk).status == ReportStatus.APPROVED


# What the refusal calls each part of the record when it alone is missing.
MISSING = {
    "Decision": "the decision",
    "Decision date": "its date",
    "Reasons for the decision": "the reasons",
    "Alternative options rejected": "the alternative options rejected",
    "Conflicts of interest declared": "the conflicts of interest declared (or “None”)",
}


# Each part left empty, and each text part left as spaces (a date of spaces is refused by its form).
LEFT_OUT = [
    (label, blank) for label in DECISION for blank in ("", "   ") if not (blank and label == "Decision date")
]


@pytest.mark.parametrize(
    ("left_out", "blank"), LEFT_OUT, ids=[f"{label}={blank!r}" for label, blank in LEFT_OUT]
)
def test_publishing_with_any_part_of_the_decision_record_missing_is_refused(
    leader_client: Client, approved: Report, left_out: str, blank: str
) -> None:
    url, form = decision_form(leader_client, approved)
    assert leader_client.post(url, form.fill({**DECISION, left_out: blank})).status_code == 302
    with report_unchanged():
        said = problem(press(leader_client, record_page(leader_client, approved), "Publish the report"))
    assert said == f"There is a problem Record the decision before publishing: {MISSING[left_out]} missing."
    assert Report.objects.get(pk=approved.pk).status == ReportStatus.APPROVED


def test_with_the_decision_recorded_the_leader_s_office_publishes(
    leader_client: Client, leader: Any, approved: Report
) -> None:
    url, form = decision_form(leader_client, approved)
    response = leader_client.post(url, form.fill(DECISION))
    assert response.status_code == 302
    response = press(leader_client, record_page(leader_client, approved), "Publish the report")
    assert response.status_code == 302
    assert f"“{TITLE}” is now published." in status_message(leader_client.get(response["Location"]))
    stored = Report.objects.get(pk=approved.pk)
    assert (stored.status, stored.published_by, stored.decision_date) == (
        ReportStatus.PUBLISHED,
        leader,
        date(2015, 9, 9),
    )
    assert status_of(leader_client, approved).startswith("Published, approved ")


def test_a_draft_is_not_published(leader_client: Client, cleared: Report) -> None:
    with report_unchanged():
        response = leader_client.post(
            reverse("reports:report-publish", args=[cleared.pk]), {"version": cleared.version}
        )
    assert problem(response).endswith("Only an approved report can be published.")


# --- Approving freezes that version -------------------------------------------------------------


def test_an_approved_report_offers_no_editing_only_a_revised_draft(
    officer_client: Client, approved: Report
) -> None:
    page = record_page(officer_client, approved)
    for words in ("Edit details", "Record sign-off", "Add a paragraph"):
        assert words not in page.text, words
    with pytest.raises(AssertionError, match="0 buttons"):
        button_form(page, "Move up paragraph 4.2")
    with pytest.raises(AssertionError, match="No link"):
        page.link("Remove paragraph 4.1")
    button_form(page, "Start a revised draft")


AFTER_APPROVAL = [
    ("reports:report-update", "GET"),
    ("reports:report-update", "POST"),
    ("reports:sign-offs", "GET"),
    ("reports:sign-offs", "POST"),
    ("reports:paragraph-add", "POST"),
    ("reports:paragraph-update", "GET"),
    ("reports:paragraph-update", "POST"),
    ("reports:paragraph-move", "POST"),
    ("reports:paragraph-delete", "GET"),
    ("reports:paragraph-delete", "POST"),
]


@pytest.mark.parametrize(("name", "method"), AFTER_APPROVAL, ids=[f"{n} {m}" for n, m in AFTER_APPROVAL])
def test_after_approval_the_edit_urls_send_you_back_with_a_message_and_change_nothing(
    officer_client: Client, approved: Report, name: str, method: str
) -> None:
    of_paragraph = name in ("reports:paragraph-update", "reports:paragraph-move", "reports:paragraph-delete")
    url = reverse(name, args=[Paragraph.objects.get(text=SUPPORTING[1]).pk if of_paragraph else approved.pk])
    data = {
        "reports:report-update": {
            "title": "Something else",
            "meeting_date": "2015-09-09",
            "version": approved.version,
        },
        "reports:sign-offs": {"signoffs-TOTAL_FORMS": "0", "signoffs-INITIAL_FORMS": "0"},
        "reports:paragraph-add": {"paragraph-where": "body:4", "paragraph-text": "Added after approval."},
        "reports:paragraph-update": {"paragraph-where": "body:4", "paragraph-text": "Edited after approval."},
        "reports:paragraph-move": {"direction": "up"},
        "reports:paragraph-delete": {"confirmed": "yes"},
    }[name]
    with report_unchanged():
        response = officer_client.get(url) if method == "GET" else officer_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].split("#")[0] == approved.get_absolute_url()
    assert FROZEN in status_message(officer_client.get(response["Location"]))
    assert [t for _, t in editor_paragraphs(record_page(officer_client, approved))][2:] == SUPPORTING


def test_a_revised_draft_starts_as_revision_2_with_the_same_paragraphs_and_the_approved_stays_as_it_was(
    officer_client: Client,
    leader_client: Client,
    officer: Any,
    approved: Report,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first_pdf = make_the_pdf(leader_client, approved, django_capture_on_commit_callbacks)
    before = download(leader_client, first_pdf)
    assert before.status_code == 200
    approved_paragraphs = editor_paragraphs(record_page(officer_client, approved))

    response = press(officer_client, record_page(officer_client, approved), "Start a revised draft")
    revision = Report.objects.get(supersedes=approved)
    assert response["Location"] == revision.get_absolute_url()
    assert "Revision 2 was started as a draft; the approved report stays as it was." in status_message(
        officer_client.get(response["Location"])
    )
    assert (revision.revision, revision.status, revision.title, revision.created_by) == (
        2,
        ReportStatus.DRAFT,
        TITLE,
        officer,
    )
    page = record_page(officer_client, revision)
    assert editor_paragraphs(page) == approved_paragraphs
    assert page.described()["Revision"].replace(" )", ")") == "2 (revises revision 1)"

    # The draft is edited: a paragraph removed, one added.
    assert remove(officer_client, page, "Remove paragraph 4.1").status_code == 302
    Paragraph.objects.create(report=revision, section=5, position=1, text="Doing nothing was considered.")
    assert editor_paragraphs(record_page(officer_client, approved)) == approved_paragraphs
    assert Report.objects.get(pk=approved.pk).status == ReportStatus.APPROVED

    # Its own PDF is of revision 2; the approved PDF still downloads byte for byte.
    second_pdf = make_the_pdf(officer_client, revision, django_capture_on_commit_callbacks)
    second = download(officer_client, second_pdf)
    assert "(revision 2)" in second["Content-Disposition"]
    after = download(leader_client, first_pdf)
    assert after.content == before.content
    first_pdf.refresh_from_db()
    assert hashlib.sha256(after.content).hexdigest() == first_pdf.sha256 == after["X-Content-SHA256"]
    assert second.content != after.content
    words = " ".join(PdfReader(BytesIO(after.content)).pages[0].extract_text().split())
    assert SUPPORTING[0] in words


def test_a_revised_draft_must_be_signed_off_again_before_approval(
    officer_client: Client, leader_client: Client, approved: Report
) -> None:
    press(officer_client, record_page(officer_client, approved), "Start a revised draft")
    revision = Report.objects.get(supersedes=approved)
    missing = (
        "Not yet cleared: Legal officer (no officer named), Financial officer (no officer named), "
        "Service Director(s) (no officer named)."
    )
    assert missing in approval_said(leader_client, revision)
    with report_unchanged():
        said = problem(approve_anyway(leader_client, revision))
    assert said.endswith(missing)
    clear_required(officer_client, revision)
    assert approve(leader_client, revision).status_code == 302


def test_an_approved_report_already_revised_leads_to_its_revision_and_is_not_revised_again(
    officer_client: Client, leader_client: Client, approved: Report
) -> None:
    old_page = record_page(officer_client, approved)  # opened before revision 2 was approved
    press(officer_client, old_page, "Start a revised draft")
    revision = Report.objects.get(supersedes=approved)
    clear_required(officer_client, revision)
    assert approve(leader_client, revision).status_code == 302

    page = record_page(officer_client, approved)
    assert "Start a revised draft" not in [button.text for button in page.root.find_all("button")]
    assert page.described()["Revision"].replace(" )", ")") == "1; revised by revision 2 (approved)"
    with report_unchanged():
        response = press(officer_client, old_page, "Start a revised draft")
    assert response["Location"] == approved.get_absolute_url()
    assert "Revision 2 was made from this report and is approved: revise that one instead." in status_message(
        officer_client.get(response["Location"])
    )
    assert list(Report.objects.order_by("revision").values_list("revision", flat=True)) == [1, 2]


def test_a_revised_draft_does_not_inherit_the_decision_of_the_approved_one(
    officer_client: Client, leader_client: Client, approved: Report
) -> None:
    """Revision 2 is decided afresh: it cannot be published on the decision taken on revision 1."""
    url, form = decision_form(leader_client, approved)
    assert leader_client.post(url, form.fill(DECISION)).status_code == 302
    press(officer_client, record_page(officer_client, approved), "Start a revised draft")
    revision = Report.objects.get(supersedes=approved)
    decided = ("decision", "decision_date", "decision_reasons", "alternatives_rejected", "conflicts_declared")
    assert Report.objects.values(*decided).get(pk=revision.pk) == dict.fromkeys(decided, "") | {
        "decision_date": None
    }
    assert Report.objects.get(pk=approved.pk).decision == DECISION["Decision"]
    clear_required(officer_client, revision)
    assert approve(leader_client, revision).status_code == 302
    with report_unchanged():
        said = problem(press(leader_client, record_page(leader_client, revision), "Publish the report"))
    assert said.startswith("There is a problem Record the decision before publishing: the decision, its date")


# --- PDFs over the web ----------------------------------------------------------------------------


def test_make_the_pdf_follows_it_to_ready_and_it_downloads_as_the_report(
    officer_client: Client, officer: Any, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    rendering = make_the_pdf(officer_client, report, django_capture_on_commit_callbacks)
    rendering.refresh_from_db()
    assert (rendering.status, rendering.requested_by, rendering.report_version) == (
        RenderingStatus.READY,
        officer,
        report.version,
    )
    page = Page(rendering_page(officer_client, rendering))
    assert f"The PDF is ready: {rendering.page_count} page" in page.text
    assert page.link(f"Download the PDF of {TITLE}") == reverse(
        "reports:rendering-download", args=[rendering.pk]
    )
    listed = record_page(officer_client, report).section("PDFs")
    assert "Ready" in listed.text

    response = download(officer_client, rendering)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{FILENAME}"')
    assert response.content.startswith(b"%PDF")
    assert hashlib.sha256(response.content).hexdigest() == rendering.sha256
    assert int(response["Content-Length"]) == len(response.content) == rendering.size_bytes
    reader = PdfReader(BytesIO(response.content))
    assert len(reader.pages) == rendering.page_count
    assert TITLE in reader.pages[0].extract_text()


def test_the_status_block_polls_while_queued_and_stops_once_ready(
    officer_client: Client, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        press(officer_client, record_page(officer_client, report), "Make the PDF")
    rendering = Rendering.objects.get(report=report)

    queued = rendering_page(officer_client, rendering, **HX)
    html = queued.content.decode()
    assert "<html" not in html, "htmx got a whole page, not the status block"
    block = Page(html).by_id["rendering-status"]
    assert block.attrs["hx-get"] == rendering.get_absolute_url()
    assert block.attrs["hx-trigger"] == "every 2s"
    # The block swapped in is not the live region itself: the region stays put around it.
    assert "role" not in block.attrs
    page = Page(rendering_page(officer_client, rendering).content.decode())
    assert page.by_id["rendering-status"].parent.attrs["role"] == "status"
    assert "Queued: the PDF is being made." in block.text
    assert "HX-Trigger" not in queued
    assert "Download" not in block.text

    run_the_worker(callbacks, rendering)
    ready = rendering_page(officer_client, rendering, **HX)
    block = Page(ready.content.decode()).by_id["rendering-status"]
    assert "hx-get" not in block.attrs
    assert "hx-trigger" not in block.attrs
    assert ready["HX-Trigger"] == "rendering-finished"
    assert "The PDF is ready" in block.text
    # The whole page, without htmx, is a page.
    assert "<html" in rendering_page(officer_client, rendering).content.decode()


def test_a_failed_pdf_says_so_plainly_keeps_the_detail_in_the_log_and_try_again_makes_it_ready(
    officer_client: Client,
    report: Report,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def out_of_memory(html: str) -> Any:
        raise MemoryError("the worker ran out of memory")

    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR, logger="reports.services"):
        patched.setattr(report_rendering, "render_pdf", out_of_memory)
        rendering = make_the_pdf(officer_client, report, django_capture_on_commit_callbacks)
    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.FAILED
    page = Page(rendering_page(officer_client, rendering))
    said = page.by_id["rendering-status"].text
    assert said.startswith(
        "The PDF could not be made: something went wrong while making it. Try again; if it fails again, "
        f"ask the system administrator to look at the PDF service's log for PDF number {rendering.pk}."
    )
    assert "MemoryError" not in page.html and "ran out of memory" not in page.html
    # The detail is in the log, under the number the page gives.
    (logged,) = [r for r in caplog.records if r.name == "reports.services" and r.levelno == logging.ERROR]
    assert logged.getMessage() == f"Rendering {rendering.pk} failed"
    assert "MemoryError: the worker ran out of memory" in caplog.text
    assert download(officer_client, rendering).status_code == 404
    block = Page(rendering_page(officer_client, rendering, **HX).content.decode()).by_id["rendering-status"]
    assert "hx-get" not in block.attrs

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = press(officer_client, page, "Try again")
    assert response["Location"] == rendering.get_absolute_url()
    assert "The PDF is queued again." in status_message(officer_client.get(response["Location"]))
    assert Rendering.objects.get(pk=rendering.pk).status == RenderingStatus.QUEUED
    run_the_worker(callbacks, rendering)
    rendering.refresh_from_db()
    assert (rendering.status, rendering.error, rendering.attempts) == (RenderingStatus.READY, "", 2)
    assert Rendering.objects.filter(report=report).count() == 1
    assert download(officer_client, rendering).content.startswith(b"%PDF")


def test_asking_twice_while_queued_makes_one_pdf(
    officer_client: Client, leader_client: Client, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        first = press(officer_client, record_page(officer_client, report), "Make the PDF")
        second = press(leader_client, record_page(leader_client, report), "Make the PDF")
    assert first["Location"] == second["Location"]
    assert Rendering.objects.filter(report=report).count() == 1


def test_finance_reads_and_downloads_but_cannot_edit_nor_ask_for_a_pdf(
    finance_client: Client, leader_client: Client, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    rendering = make_the_pdf(leader_client, report, django_capture_on_commit_callbacks)
    page = record_page(finance_client, report)
    for words in ("Edit details", "Record sign-off", "Add a paragraph", "Approve the report", "Make the PDF"):
        assert words not in page.text, words
    response = download(finance_client, rendering)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")

    paragraph = Paragraph.objects.get(text=SUPPORTING[0])
    with report_unchanged():
        forms = {
            "reports:report-update": report,
            "reports:sign-offs": report,
            "reports:paragraph-update": paragraph,
        }
        for name, record in forms.items():
            pk = record.pk
            assert finance_client.get(reverse(name, args=[pk])).status_code == 403, name
            assert finance_client.post(reverse(name, args=[pk]), {}).status_code == 403, name
        buttons = {
            "reports:paragraph-add": report,
            "reports:paragraph-move": paragraph,
            "reports:paragraph-delete": paragraph,
            "reports:rendering-request": report,
            "reports:report-revise": report,
        }
        for name, record in buttons.items():
            pk = record.pk
            assert finance_client.post(reverse(name, args=[pk]), {}).status_code == 403, name


@pytest.mark.parametrize("persona", ["finance", "leader", "outsider"])
def test_on_an_approved_report_the_edit_urls_are_refused_to_those_who_may_not_edit(
    persona: str, approved: Report, personas: dict[str, Any]
) -> None:
    """Not a redirect telling them to start a new draft: they may not edit at all."""
    client = Client()
    client.force_login(personas[persona])
    paragraph = Paragraph.objects.get(text=SUPPORTING[1])
    with report_unchanged():
        got = {
            name: client.get(reverse(name, args=[pk])).status_code
            for name, pk in (
                ("reports:report-update", approved.pk),
                ("reports:sign-offs", approved.pk),
                ("reports:paragraph-update", paragraph.pk),
            )
        } | {
            name: client.post(reverse(name, args=[pk]), {}).status_code
            for name, pk in (
                ("reports:paragraph-add", approved.pk),
                ("reports:paragraph-move", paragraph.pk),
                ("reports:paragraph-delete", paragraph.pk),
            )
        }
    assert got == dict.fromkeys(got, 403)


# --- A PDF you may not see -------------------------------------------------------------------------


def test_the_pdf_of_a_report_you_may_not_see_is_not_found_not_forbidden(
    outsider_client: Client, leader_client: Client, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    rendering = make_the_pdf(leader_client, report, django_capture_on_commit_callbacks)
    missing = reverse("reports:rendering-download", args=[rendering.pk + 1000])
    with report_unchanged():
        real = download(outsider_client, rendering)
        unknown = outsider_client.get(missing)
    assert real.status_code == unknown.status_code == 404
    assert Page(real).text == Page(unknown).text, "the answer must not differ for a PDF that exists"
    assert real["Content-Type"].startswith("text/html")
    assert b"%PDF" not in real.content
    assert TITLE.encode() not in real.content


def test_a_pdf_not_yet_ready_is_not_found(
    leader_client: Client, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        press(leader_client, record_page(leader_client, report), "Make the PDF")
    rendering = Rendering.objects.get(report=report)
    with report_unchanged():
        assert download(leader_client, rendering).status_code == 404


# --- Other refusals -----------------------------------------------------------------------------


def test_a_sign_off_with_a_date_that_is_not_one_is_refused_and_nothing_is_saved(
    officer_client: Client, report: Report
) -> None:
    data = _form_data(sign_off_page(officer_client, report))
    first = next(name for name in data if name.endswith("-cleared_on"))
    data[first.replace("-cleared_on", "-officer_name")] = "Janie Berry"
    data[first] = "2015-02-30"
    with report_unchanged():
        response = officer_client.post(reverse("reports:sign-offs", args=[report.pk]), data)
    assert response.status_code == 400
    page = Page(response)
    summary = page.root.find_all("div", role="alert")[0]
    assert said(summary) == "There is a problem Legal officer: Cleared on: Enter a valid date."
    assert "autofocus" in summary.attrs  # read out first, as a single form's summary is
    row = page.root.find_all("tbody")[0].find_all("tr")[0]
    assert row.find_all("th")[0].text == "Legal officer"
    assert "Enter a valid date." in row.text


def test_each_sign_off_field_is_named_by_its_row_s_role(officer_client: Client, report: Report) -> None:
    page = sign_off_page(officer_client, report)
    roles_shown = [tr.find_all("th")[0].text for tr in page.root.find_all("tbody")[0].find_all("tr")]
    assert roles_shown == [label for _, label in SignOffRole.choices]

    # Every field has a name of its own that says which officer it is for.
    assert within(page.form_of("Legal officer: Officer name")).labels() == [
        f"{role}: {column}" for role in roles_shown for column in ("Officer name", "Cleared on", "Required")
    ]
    form = within(page.form_of("Financial officer: Officer name"))
    data = form.fill(
        {"Financial officer: Officer name": "Toni Nash", "Financial officer: Cleared on": "2015-08-27"}
    )
    assert officer_client.post(reverse("reports:sign-offs", args=[report.pk]), data).status_code == 302
    financial = SignOff.objects.get(report=report, role=SignOffRole.FINANCIAL)
    assert (financial.officer_name, financial.cleared_on) == ("Toni Nash", date(2015, 8, 27))

    # A mistake is told beside the field it is in, named by its role.
    data = form.fill(
        {"Legal officer: Officer name": "Janie Berry", "Legal officer: Cleared on": "2015-02-30"}
    )
    with report_unchanged():
        response = officer_client.post(reverse("reports:sign-offs", args=[report.pk]), data)
    assert Page(response).field_error("Legal officer: Cleared on") == "Enter a valid date."
    assert Page(response).invalid_fields() == ["Legal officer: Cleared on"]


def test_the_sign_off_page_reports_only_the_rows_it_saved(
    officer: Any, officer_client: Client, report: Report
) -> None:
    other = draft(officer, title="Options for a link with Hefei")
    url = reverse("reports:sign-offs", args=[report.pk])
    offered = _form_data(sign_off_page(officer_client, report))
    version = Report.objects.get(pk=report.pk).version

    # Nothing changed: nothing is said to be saved, and the report is not made a new version.
    response = officer_client.post(url, offered)
    assert (
        status_message(officer_client.get(response["Location"]))
        == "Nothing was changed, so nothing was saved."
    )
    assert Report.objects.get(pk=report.pk).version == version

    # One offered row changed, and two rows the page never offered: another report's, and one more.
    data = dict(offered)
    financial = row_of(data, SignOffRole.FINANCIAL)
    data[f"{financial}-officer_name"] = "Toni Nash"
    legal = row_of(data, SignOffRole.LEGAL)
    data[f"{legal}-id"] = str(other.sign_offs.get(role=SignOffRole.LEGAL).pk)
    data[f"{legal}-officer_name"] = "Mallory"
    data["signoffs-TOTAL_FORMS"] = "7"
    data["signoffs-6-officer_name"] = "Mallory"
    data["signoffs-6-cleared_on"] = "2015-08-01"
    response = officer_client.post(url, data)

    said = status_message(officer_client.get(response["Location"]))
    assert "The sign-off was saved for: Financial officer." in said
    assert "2 rows this page did not offer were not saved." in said
    assert "Legal officer" not in said
    assert SignOff.objects.get(report=report, role=SignOffRole.FINANCIAL).officer_name == "Toni Nash"
    assert not SignOff.objects.filter(officer_name="Mallory").exists()
    assert SignOff.objects.filter(report=report).count() == 6


def _sign_off_form(client: Client, report: Report) -> Any:
    return within(sign_off_page(client, report).form_of("Legal officer: Officer name"))


def test_two_officers_clearing_different_rows_at_once_both_keep_theirs(
    officer_client: Client, colleague_client: Client, report: Report
) -> None:
    """Priya's page was opened before Olivia saved: sending it does not undo Olivia's clearance."""
    url = reverse("reports:sign-offs", args=[report.pk])
    olivia, priya = _sign_off_form(officer_client, report), _sign_off_form(colleague_client, report)
    legal = {"Legal officer: Officer name": "Janie Berry", "Legal officer: Cleared on": "2015-08-27"}
    assert officer_client.post(url, olivia.fill(legal)).status_code == 302

    financial = {
        "Financial officer: Officer name": "Toni Nash",
        "Financial officer: Cleared on": "2015-08-28",
    }
    response = colleague_client.post(url, priya.fill(financial))
    assert response.status_code == 302
    said = status_message(colleague_client.get(response["Location"]))
    assert "The sign-off was saved for: Financial officer." in said
    rows = {row.role: (row.officer_name, row.cleared_on) for row in SignOff.objects.filter(report=report)}
    assert rows[SignOffRole.LEGAL] == ("Janie Berry", date(2015, 8, 27))
    assert rows[SignOffRole.FINANCIAL] == ("Toni Nash", date(2015, 8, 28))


def test_two_officers_changing_the_same_field_the_second_is_told_and_keeps_what_they_typed(
    officer_client: Client, colleague_client: Client, report: Report
) -> None:
    url = reverse("reports:sign-offs", args=[report.pk])
    olivia, priya = _sign_off_form(officer_client, report), _sign_off_form(colleague_client, report)
    assert (
        officer_client.post(url, olivia.fill({"Legal officer: Officer name": "Janie Berry"})).status_code
        == 302
    )

    with report_unchanged():
        response = colleague_client.post(
            url,
            priya.fill(
                {
                    "Legal officer: Officer name": "Sam Hill",
                    "Human Resources officer: Officer name": "Liz Moore",
                }
            ),
        )
    assert response.status_code == 409
    page = Page(response)
    assert page.field_error("Legal officer: Officer name").startswith(
        "Olivia Officer saved “Janie Berry” here after you opened this page."
    )
    assert page.invalid_fields() == ["Legal officer: Officer name"]
    again = within(page.form_of("Legal officer: Officer name"))
    assert again.fill({})["signoffs-0-officer_name"] == "Sam Hill"

    # Sent again, Priya's name goes in knowingly; nothing else of Olivia's is undone.
    assert colleague_client.post(url, again.fill({})).status_code == 302
    rows = {row.role: row.officer_name for row in SignOff.objects.filter(report=report)}
    assert (rows[SignOffRole.LEGAL], rows[SignOffRole.HR]) == ("Sam Hill", "Liz Moore")


def test_a_sign_off_sent_as_the_report_is_approved_is_refused_with_a_message(
    officer: Any, officer_client: Client, leader_client: Client, cleared: Report
) -> None:
    """The page's request read the report as a draft; the Leader's Office approved it before the save."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from reports.views import SignOffsView

    url = reverse("reports:sign-offs", args=[cleared.pk])
    data = _sign_off_form(officer_client, cleared).fill(
        {"Human Resources officer: Officer name": "Liz Moore"}
    )
    request = RequestFactory().post(url, data)
    request.user, request.session = officer, SessionStore()
    request._messages = FallbackStorage(request)
    view = SignOffsView()
    view.setup(request, pk=cleared.pk)
    assert approve(leader_client, cleared).status_code == 302

    response = view.post(request, pk=cleared.pk)
    assert (response.status_code, response["Location"]) == (302, cleared.get_absolute_url())
    assert [str(message) for message in request._messages] == [
        "This report is approved: it cannot change. Start a new draft to revise it."
    ]
    assert SignOff.objects.get(report=cleared, role=SignOffRole.HR).officer_name == ""


def test_a_draft_is_not_revised_into_another_draft(officer_client: Client, report: Report) -> None:
    with report_unchanged():
        response = officer_client.post(reverse("reports:report-revise", args=[report.pk]))
    assert response["Location"] == report.get_absolute_url()
    assert "A draft is revised by editing it." in status_message(officer_client.get(response["Location"]))


def test_a_second_officer_saving_the_same_report_is_refused_and_keeps_the_first_s_words(
    officer_client: Client, report: Report
) -> None:
    colleague = Client()
    colleague.force_login(UserFactory(username="priya", first_name="Priya", roles=[roles.OFFICER]))
    url = reverse("reports:report-update", args=[report.pk])
    mine = within(Page(officer_client.get(url)).form_of("Title"))
    theirs = within(Page(colleague.get(url)).form_of("Title"))
    assert officer_client.post(url, mine.fill({"Report of": "the Chief Executive"})).status_code == 302

    with report_unchanged():
        response = colleague.post(url, theirs.fill({"Report of": "the Leader of the Council"}))
    assert response.status_code == 200
    said = Page(response).errors_summary()
    assert "Olivia Officer saved this record" in said
    assert "They changed: report of." in said
    assert "Your changes have not been saved" in said
    assert Report.objects.get(pk=report.pk).report_of == "the Chief Executive"


# --- Rules added after review ----------------------------------------------------------------


def test_a_required_role_with_no_sign_off_row_at_all_stops_approval(
    leader_client: Client, cleared: Report
) -> None:
    cleared.sign_offs.filter(role="legal").delete()
    assert "Not yet cleared: Legal officer (no officer named)." in approval_said(leader_client, cleared)
    response = approve_anyway(leader_client, cleared)
    assert response.status_code == 400
    assert "Legal officer" in problem(response)
    cleared.refresh_from_db()
    assert cleared.status == ReportStatus.DRAFT


def test_recording_sign_off_makes_an_open_approval_page_out_of_date(
    officer_client: Client, leader_client: Client, report: Report
) -> None:
    clear_required(officer_client, report)
    page = Page(leader_client.get(report.get_absolute_url()))
    record_sign_off(officer_client, report, {"Legal officer": ("Janie Berry", "2015-08-29")})
    response = approve(leader_client, report, page=page)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT, (
        "approved on a page that did not show the sign-off as it now is"
    )
    assert "read it again before deciding" in problem(response)


def test_the_decision_record_is_only_written_while_the_report_is_approved(
    leader_client: Client, cleared: Report
) -> None:
    url = reverse("reports:decision-record", args=[cleared.pk])
    response = leader_client.post(url, {"decision": "Agreed", "version": cleared.version})
    assert response.status_code == 302
    cleared.refresh_from_db()
    assert cleared.decision == ""


def test_a_second_click_on_start_a_revised_draft_opens_the_same_draft(
    officer_client: Client, approved: Report
) -> None:
    url = reverse("reports:report-revise", args=[approved.pk])
    first = officer_client.post(url)
    second = officer_client.post(url)
    assert first["Location"] == second["Location"]
    assert Report.objects.filter(supersedes=approved).count() == 1


def test_its_pdf_is_made_as_soon_as_it_is_approved_and_again_when_published(
    leader_client: Client, cleared: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert approve(leader_client, cleared).status_code == 302
    approved_version = Report.objects.get(pk=cleared.pk).version
    assert list(Rendering.objects.filter(report=cleared).values_list("report_version", flat=True)) == [
        approved_version
    ]

    url, form = decision_form(leader_client, cleared)
    assert leader_client.post(url, form.fill(DECISION)).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            press(leader_client, record_page(leader_client, cleared), "Publish the report").status_code == 302
        )

    published = Report.objects.get(pk=cleared.pk)
    versions = set(Rendering.objects.filter(report=cleared).values_list("report_version", flat=True))
    assert published.version in versions and approved_version in versions
    for rendering in Rendering.objects.filter(report=cleared):
        if rendering.status == RenderingStatus.QUEUED:
            rendering_run(rendering_id=rendering.pk)  # the services run: the test is the worker
    # (A PDF asked for at approval and made only now is made of the report as it now stands.)
    assert Rendering.objects.filter(
        report=cleared, report_version=published.version, status=RenderingStatus.READY
    ).exists()
