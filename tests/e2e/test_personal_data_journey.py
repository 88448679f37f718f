"""Browser test (Playwright, Debian Chromium) on the demo register: the Administrator finds
what the register holds on the British Deputy Consul General in Shanghai and downloads the
archive, works through the records past their retention date (the check run as of 2033,
since the demo's records are new), keeps one for an audit and erases another; afterwards
the participant's record and its history no longer name them. An officer attaches a signed
agreement to a relationship and downloads it again.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from playwright.sync_api import Page, expect

from core.models import Document
from delegations.models import Participant
from partners.models import Relationship
from privacy.models import Erasure, RetentionReview, ReviewOutcome
from privacy.services import list_due
from tests.support.browser import sign_in
from tests.support.database import tables_holding
from tests.support.demo import load_the_demo
from tests.support.documents import pdf_bytes
from tests.support.register import the_retention_schedule

CONSUL = "British Deputy Consul General, Shanghai"


def test_the_administrator_answers_a_subject_access_request_and_works_through_the_retention_list(
    page: Page, administrator
) -> None:
    load_the_demo()
    the_retention_schedule()
    list_due(date(2033, 6, 1))
    sign_in(page, administrator.username)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Personal data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data past its retention date")
    page.get_by_role("link", name="Subject access: find what the register holds on a person").click()
    page.get_by_label("Name").fill("Deputy Consul General")
    page.get_by_label("Request reference").fill("SAR-2026-7")
    page.get_by_role("button", name="Find").click()
    found = page.get_by_role("region", name="Found for “Deputy Consul General”")
    expect(found).to_contain_text(CONSUL)
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download the archive").click()
    archive = zipfile.ZipFile(io.BytesIO(open(waiting.value.path(), "rb").read()))  # noqa: SIM115
    data = json.loads(archive.read("data.json"))
    assert data["reference"] == "SAR-2026-7"
    assert CONSUL in {row["name"] for row in data["sections"]["Delegation participants"]}
    assert CONSUL in archive.read("summary.html").decode()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Personal data").click()
    participants = page.get_by_role("region", name="Delegation participants past their date")
    expect(participants).to_contain_text(CONSUL)
    # One kept for an audit, with a reason ...
    kept = RetentionReview.objects.filter(kind="participant").exclude(label__startswith=CONSUL).first()
    row = participants.get_by_role("row").filter(has=page.get_by_text(f"Keep for now: {kept.label}")).first
    row.get_by_text(f"Keep for now: {kept.label}").click()
    row.get_by_label("Why it is kept").fill("Part of the 2016 internal audit.")
    row.get_by_role("button", name=f"Keep {kept.label}").click()
    expect(page.get_by_text("is kept, and will be listed again")).to_be_visible()
    assert RetentionReview.objects.get(pk=kept.pk).outcome == ReviewOutcome.KEPT

    # ... and the consul's details erased.
    consul = RetentionReview.objects.get(kind="participant", label__startswith=CONSUL)
    page.get_by_role("button", name=f"Erase {consul.label}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erase " + CONSUL)
    page.get_by_role("button", name="Erase the details").click()
    expect(page.get_by_label("Why they are erased")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Why they are erased").fill("Erasure request SAR-2026-7.")
    page.get_by_role("button", name="Erase the details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data past its retention date")
    expect(page.get_by_role("region", name="Latest erasures")).to_contain_text("Erasure request SAR-2026-7.")
    page.screenshot(path="/tmp/e2e-personal-data.png", full_page=True)

    erasure = Erasure.objects.get()
    assert erasure.by == administrator and erasure.kind == "participant"
    assert Participant.objects.get(pk=erasure.object_id).name == f"Erased (E{erasure.pk})"
    # The consul is also a contact, and the Derby report speaks of the post: the participant's
    # own rows, and their history, no longer name them.
    holding = set(tables_holding(CONSUL).get(CONSUL, []))
    assert holding.isdisjoint({"delegations_participant", "delegations_historicalparticipant"}), holding


def test_an_officer_attaches_the_signed_agreement_and_downloads_it(
    page: Page, officer, document_root
) -> None:
    load_the_demo()
    sign_in(page, officer.username)
    osnabruck = Relationship.objects.filter(place__name="Osnabrück").first()
    page.goto(osnabruck.get_absolute_url())
    documents = page.get_by_role("region", name="Documents")
    documents.get_by_label("Document title").fill("Twinning agreement, 1976")
    documents.get_by_label("Kind of document").select_option(label="Signed agreement")
    documents.get_by_label("Document date").fill("1976-06-12")
    content = pdf_bytes("Osnabrück and Derby")
    documents.get_by_label("File").set_input_files(
        {"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": content}
    )
    documents.get_by_role("button", name="Attach document").click()
    expect(page.get_by_text("“Twinning agreement, 1976” was attached.")).to_be_visible()
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Twinning agreement, 1976", exact=True).click()
    assert waiting.value.suggested_filename == "agreement.pdf"
    assert open(waiting.value.path(), "rb").read() == content  # noqa: SIM115
    assert Document.objects.get().title == "Twinning agreement, 1976"
