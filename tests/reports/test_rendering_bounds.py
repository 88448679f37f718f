"""A render is bounded in time and size, and "Try again" cannot repeat a runaway one.

A report with more text than REPORTS_TEXT_MAX_CHARS is refused before
WeasyPrint starts; a render stopped at the task's soft time limit is marked
failed with the reason; either is not tried again until the report changes.
The last test sends a heavy report to a real worker with a soft limit of one
second (the services run)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.test import Client
from django.urls import reverse

from reports import rendering as report_rendering
from reports.models import Paragraph, Rendering, RenderingFailure, RenderingStatus, Report
from reports.services import rendering_run
from reports.tasks import render_report_pdf
from tests.factories import ParagraphFactory, ReportFactory
from tests.support.pages import Page, open_page, press, status_message
from tests.support.reports import make_the_pdf
from tests.support.services import Worker, forget_queue, needs_services, wait_until

pytestmark = pytest.mark.django_db

FAILED = "The PDF could not be made"
REFUSED = "Trying again with the report as it is would fail the same way."


@pytest.fixture
def report(db) -> Report:
    report = ReportFactory(title="Options for a link with Hefei")
    ParagraphFactory(report=report, section=1, text="This report sets out the options for Hefei.")
    ParagraphFactory(report=report, section=4, text="Hefei has approached the council. " * 40)
    return report


def status_of(page: Page) -> str:
    return page.by_id["rendering-status"].text


def buttons(page: Page) -> list[str]:
    return [button.text for button in page.by_id["rendering-status"].find_all("button")]


def test_the_render_task_is_bounded_in_time():
    # The limits a worker applies to this task alone, below the workers' general ones.
    assert render_report_pdf.soft_time_limit == 90
    assert render_report_pdf.time_limit == 120


def test_a_report_with_too_much_text_fails_at_once_and_is_not_tried_again_until_it_changes(
    officer_client: Client,
    report: Report,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch,
):
    settings.REPORTS_TEXT_MAX_CHARS = 1000
    rendered: list[str] = []
    render = report_rendering.render_pdf
    monkeypatch.setattr(report_rendering, "render_pdf", lambda html: rendered.append(html) or render(html))

    rendering = make_the_pdf(officer_client, report, django_capture_on_commit_callbacks)

    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.FAILED
    assert rendered == [], "WeasyPrint was started on a report over the limit"
    page = open_page(officer_client, rendering.get_absolute_url())
    said = status_of(page)
    assert said.startswith(f"{FAILED}: the report has 1,")
    assert "characters of text, more than the 1,000 a PDF is made from." in said
    assert REFUSED in said
    assert buttons(page) == []

    # Sent anyway (an old page, a second tab): refused, and the rendering stays as it was.
    response = officer_client.post(reverse("reports:rendering-retry", args=[rendering.pk]), follow=True)
    assert REFUSED in " ".join(m.message for m in response.context["messages"])
    assert Rendering.objects.get(pk=rendering.pk).status == RenderingStatus.FAILED

    # Nor is a new PDF of the same version made: the report's page says why instead of
    # offering the button, and a request sent anyway is refused and makes nothing.
    report_page = open_page(officer_client, report.get_absolute_url())
    assert "Make the PDF" not in [button.text for button in report_page.root.find_all("button")]
    assert REFUSED in report_page.text
    response = officer_client.post(reverse("reports:rendering-request", args=[report.pk]), follow=True)
    assert REFUSED in " ".join(m.message for m in response.context["messages"])
    assert Rendering.objects.filter(report=report).count() == 1

    # Shortened, the report can be tried again, and its PDF is made.
    long_one = Paragraph.objects.get(report=report, section=4)
    long_one.text = "Hefei has approached the council."
    long_one.save()
    Report.objects.get(pk=report.pk).save()  # a change to the report is a new version of it
    page = open_page(officer_client, rendering.get_absolute_url())
    assert buttons(page) == ["Try again"]
    with django_capture_on_commit_callbacks(execute=True):
        response = press(officer_client, page, "Try again")
    assert response.status_code == 302
    if Rendering.objects.get(pk=rendering.pk).status == RenderingStatus.QUEUED:
        rendering_run(rendering_id=rendering.pk)  # the services run: the test is the worker
    assert Rendering.objects.get(pk=rendering.pk).status == RenderingStatus.READY


def test_a_render_stopped_at_the_time_limit_says_so_and_is_not_tried_again_unchanged(
    officer_client: Client, report: Report, monkeypatch, caplog
):
    def too_slow(html: str) -> Any:
        # What Celery raises in the task when its soft time limit passes.
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(report_rendering, "render_pdf", too_slow)
    rendering = Rendering.objects.create(report=report, report_version=report.version)

    assert rendering_run(rendering_id=rendering.pk) == RenderingStatus.FAILED

    page = open_page(officer_client, rendering.get_absolute_url())
    assert status_of(page).startswith(f"{FAILED}: it took longer than 90 seconds.")
    assert REFUSED in status_of(page)
    assert buttons(page) == []
    response = officer_client.post(reverse("reports:rendering-retry", args=[rendering.pk]))
    assert response.status_code == 302
    assert REFUSED in status_message(officer_client.get(response["Location"]))
    assert Rendering.objects.get(pk=rendering.pk).status == RenderingStatus.FAILED


# --- A real worker stops a runaway render (services run) ----------------------------------

HEAVY_PARAGRAPH = ("Derby will explore economic twinning with cities in China and Japan. " * 80)[:4900]


@pytest.mark.services
@needs_services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_stops_a_render_at_its_soft_time_limit(tmp_path: Path):
    import redis

    report = ReportFactory(title="A very long options paper")
    for _ in range(10):  # several seconds of WeasyPrint's time, far more than the one second allowed
        ParagraphFactory(report=report, section=4, text=HEAVY_PARAGRAPH)
    rendering = Rendering.objects.create(report=report, report_version=report.version)

    queue = f"twinning-test-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    worker = Worker.start(queue=queue, log_path=tmp_path / "worker.log")
    try:
        # The limits travel with the message (the sender's settings); one second here.
        render_report_pdf.apply_async(args=[rendering.pk], queue=queue, soft_time_limit=1, time_limit=30)
        wait_until(
            lambda: Rendering.objects.filter(pk=rendering.pk, status=RenderingStatus.FAILED).exists(),
            "the render was stopped",
            worker=worker,
            seconds=60,
        )
    finally:
        worker.stop()
        forget_queue(broker, queue)
        broker.close()

    stopped = Rendering.objects.get(pk=rendering.pk)
    assert stopped.failure == RenderingFailure.TIME
    assert stopped.error.startswith("it took longer than ")
    assert f"Rendering {rendering.pk} stopped" in worker.log()
    assert stopped.pdf is None
    assert stopped.retry_refused_because.startswith(REFUSED)
