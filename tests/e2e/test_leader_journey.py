"""Browser test (Playwright, Debian Chromium): "the Leader's Office approves a
report and downloads its PDF".

An officer's draft of the 9 September 2015 report waits with its paragraphs
and the required sign-offs cleared. Lena (Leader's Office) signs in, opens
Reports and the report, approves it and sees it Approved; she asks for the
PDF, the PDF's page follows it until it is ready, and "Download the PDF"
gives her a file that is a PDF of that report.

In the embedded run Celery is eager: the live server runs the task when the
request commits, so the PDF may be ready as the page opens. With REDIS_URL
set the task goes to Redis, where no worker of this test listens, so the test
does the worker's part from its own thread once the rendering row exists, and
the page, polling, finds it ready by itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
from io import BytesIO
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from reports.models import Rendering, RenderingStatus, Report, ReportStatus
from reports.services import rendering_run
from tests.support.browser import POLLING_MS, draft_ready_for_approval, sign_in
from tests.support.reports import TITLE
from twinning.celery import app as celery_app

SCREENSHOT = "/tmp/e2e-leader.png"  # for a person to look at; not asserted
FILENAME = "2015-09-09 Council Cabinet - Opportunities for Overseas Economic Twinning.pdf"


def take_back_the_message_to_the_worker(rendering_id: int) -> None:
    """With REDIS_URL set the request told a worker through Redis; the test did the work
    itself, so it takes its message back rather than leave it for the next worker there."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = celery_app.conf.task_default_queue
    try:
        for raw in broker.lrange(queue, 0, -1):
            message = json.loads(raw)
            args = json.loads(base64.b64decode(message["body"]))[0]
            if message.get("headers", {}).get("task") == "reports.render_report_pdf" and args == [
                rendering_id
            ]:
                broker.lrem(queue, 1, raw)
    finally:
        broker.close()


def test_the_leader_s_office_approves_a_report_and_downloads_its_pdf(page: Page, leader, officer) -> None:
    report = draft_ready_for_approval(officer)

    sign_in(page, leader.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cabinet reports")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()

    page.get_by_role("button", name="Approve the report").click()
    expect(page.get_by_role("status")).to_contain_text(f"“{TITLE}” is now approved.")
    expect(page.get_by_text("Approved", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Approve the report")).to_have_count(0)
    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.approved_by) == (ReportStatus.APPROVED, leader)

    page.get_by_role("button", name="Make the PDF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"PDF of {TITLE}")
    rendering = Rendering.objects.get(report=report)
    if not celery_app.conf.task_always_eager:
        take_back_the_message_to_the_worker(rendering.pk)
        rendering_run(rendering_id=rendering.pk)  # the worker's part, from the test's thread

    download_link = page.get_by_role("link", name=f"Download the PDF of {TITLE}")
    expect(download_link).to_be_visible(timeout=POLLING_MS)
    expect(page.locator("#rendering-status")).to_contain_text("The PDF is ready")
    page.screenshot(path=SCREENSHOT, full_page=True)

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == FILENAME
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.READY
    assert rendering.report_version == stored.version
    assert hashlib.sha256(content).hexdigest() == rendering.sha256
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages)
    assert TITLE in text
    assert "4.1 Derby has longstanding links with Osnabrück and Toyota City." in text
